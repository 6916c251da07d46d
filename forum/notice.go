package forum

import (
	"context"
	"sync"

	"chorus/internal/secret"
)

// Notice is what a domain asks to tell people. Kind says what happened;
// IssueID is the issue it concerns (the notification links there unless the
// kind registered a link of its own); Ref optionally names something else the
// kind is about, such as a meeting or an action. Another domain adds a kind by
// declaring a NoticeKind, a "notifications.<kind>" message, and, if its
// notices lead elsewhere than the issue, a link with RegisterNoticeLink.
type Notice struct {
	Kind    NoticeKind
	IssueID string
	Title   string // what the person sees the notice is about, e.g. the issue's title
	Status  Status // for status notices
	Note    string // a reason, for moderation notices
	Ref     string
}

// Notifier hears of every notification once it is stored: email delivery
// is one. It must not block the person's request for long nor fail it.
type Notifier interface {
	Notified(ctx context.Context, n *Notification)
}

// SetNotifier registers what hears of stored notifications (nil: nothing).
func (s *Service) SetNotifier(n Notifier) { s.notifier = n }

// Notify tells each person in to about something, except the person who
// acted, once each.
func (s *Service) Notify(ctx context.Context, n Notice, to []string, actorID string) error {
	seen := map[string]bool{actorID: actorID != ""}
	for _, uid := range to {
		if uid == "" || seen[uid] {
			continue
		}
		seen[uid] = true
		if err := s.deliver(ctx, &Notification{ID: secret.NewID(), UserID: uid, IssueID: n.IssueID, Title: n.Title,
			Kind: n.Kind, Status: n.Status, Note: n.Note, Ref: n.Ref, At: s.now()}); err != nil {
			return err
		}
	}
	return nil
}

// NotifyFollowers tells an issue's followers, except the person who acted.
// The anonymous submitter is never among them: their follow-up page shows
// the same history.
func (s *Service) NotifyFollowers(ctx context.Context, n Notice, actorID string) error {
	followers, err := s.store.ListFollowers(ctx, n.IssueID)
	if err != nil {
		return err
	}
	return s.Notify(ctx, n, followers, actorID)
}

// deliver stores one notification, then tells the notifier.
func (s *Service) deliver(ctx context.Context, n *Notification) error {
	if err := s.store.AddNotification(ctx, n); err != nil {
		return err
	}
	if s.notifier != nil {
		s.notifier.Notified(ctx, n)
	}
	return nil
}

var noticeLinks sync.Map // NoticeKind → func(*Notification) string

// RegisterNoticeLink makes notifications of a kind link to the path link
// returns (for example a meeting page named by Ref) instead of the issue.
// Domains call it once, when they start.
func RegisterNoticeLink(kind NoticeKind, link func(n *Notification) string) {
	noticeLinks.Store(kind, link)
}

// Link is the path a notification leads to: the issue, unless its kind
// registered a link of its own.
func (n *Notification) Link() string {
	if f, ok := noticeLinks.Load(n.Kind); ok {
		if p := f.(func(*Notification) string)(n); p != "" {
			return p
		}
	}
	return "/issues/" + n.IssueID
}
