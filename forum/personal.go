package forum

import (
	"context"
	"errors"
	"time"

	"chorus/account"
	"chorus/internal/fault"
)

// PersonalForums is what the forum domain holds about one person, for a
// data-rights download. Issues raised anonymously are not in it: the store
// does not link them to anyone, and a download must not link them either.
type PersonalForums struct {
	Memberships   []PersonalMembership   `json:"memberships"`
	Issues        []PersonalIssue        `json:"issues"`
	Comments      []PersonalComment      `json:"comments"`
	Supports      []PersonalRef          `json:"supports"`
	Follows       []PersonalRef          `json:"follows"`
	Notifications []PersonalNotification `json:"notifications"`
	Reports       []PersonalReport       `json:"reports"`
}

// PersonalMembership is one forum the person belongs to.
type PersonalMembership struct {
	ForumID     string    `json:"forum_id"`
	ForumName   string    `json:"forum_name"`
	DisplayName string    `json:"display_name"`
	Role        string    `json:"role"`
	JoinedAt    time.Time `json:"joined_at"`
}

// PersonalModeration is what others are told about moderation of an item.
type PersonalModeration struct {
	Held     bool   `json:"held,omitempty"`
	Hidden   string `json:"hidden_reason,omitempty"`
	EditNote string `json:"edit_note,omitempty"`
	Erased   string `json:"erased,omitempty"`
}

// PersonalIssue is an issue the person raised under their name.
type PersonalIssue struct {
	ID         string             `json:"id"`
	ForumID    string             `json:"forum_id"`
	Title      string             `json:"title"`
	Body       string             `json:"body"`
	AuthorName string             `json:"author_name"`
	Status     string             `json:"status"`
	CreatedAt  time.Time          `json:"created_at"`
	Moderation PersonalModeration `json:"moderation"`
}

// PersonalComment is a comment the person wrote.
type PersonalComment struct {
	ID         string             `json:"id"`
	IssueID    string             `json:"issue_id"`
	AuthorName string             `json:"author_name"`
	Body       string             `json:"body"`
	CreatedAt  time.Time          `json:"created_at"`
	EditedAt   *time.Time         `json:"edited_at,omitempty"`
	Moderation PersonalModeration `json:"moderation"`
}

// PersonalRef names an issue the person supports or follows.
type PersonalRef struct {
	IssueID string    `json:"issue_id"`
	Title   string    `json:"title"`
	At      time.Time `json:"at,omitempty"`
}

// PersonalNotification is one notification the person has.
type PersonalNotification struct {
	IssueID string    `json:"issue_id"`
	Title   string    `json:"title"`
	Kind    string    `json:"kind"`
	Status  string    `json:"status,omitempty"`
	Note    string    `json:"note,omitempty"`
	At      time.Time `json:"at"`
	Read    bool      `json:"read"`
}

// PersonalReport is a report the person made, in their own words.
type PersonalReport struct {
	IssueID   string    `json:"issue_id"`
	CommentID string    `json:"comment_id,omitempty"`
	Reason    string    `json:"reason"`
	Detail    string    `json:"detail"`
	At        time.Time `json:"at"`
	Resolved  bool      `json:"resolved"`
}

func personalModeration(m Moderation) PersonalModeration {
	return PersonalModeration{Held: m.Held != "", Hidden: m.Hidden, EditNote: m.EditNote, Erased: string(m.Erased)}
}

// personalNotifications is how many of a person's notifications a
// download holds (the newest).
const personalNotifications = 10000

// PersonalData gathers what the forums hold about the signed-in person:
// memberships, the issues they raised under their name, their comments,
// supports, follows, notifications and reports. Everything but the
// memberships is read by author, so what they wrote in a forum they have
// since left is there too.
func (s *Service) PersonalData(ctx context.Context, p *account.Principal) (*PersonalForums, error) {
	if p == nil || p.User == nil {
		return nil, ErrForbidden
	}
	uid := p.User.ID
	out := &PersonalForums{Memberships: []PersonalMembership{}, Issues: []PersonalIssue{}, Comments: []PersonalComment{},
		Supports: []PersonalRef{}, Follows: []PersonalRef{}, Notifications: []PersonalNotification{}, Reports: []PersonalReport{}}
	ms, err := s.store.ListMemberships(ctx, uid)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		f, err := s.store.FindForum(ctx, m.ForumID)
		if err != nil {
			return nil, err
		}
		out.Memberships = append(out.Memberships, PersonalMembership{ForumID: f.ID, ForumName: f.Name,
			DisplayName: m.DisplayName, Role: string(m.Role), JoinedAt: m.JoinedAt})
	}
	issues, err := s.store.ListIssuesByAuthor(ctx, uid)
	if err != nil {
		return nil, err
	}
	for _, iss := range issues {
		if iss.Anonymous { // never linked; a store that kept a link must not show it
			continue
		}
		out.Issues = append(out.Issues, PersonalIssue{ID: iss.ID, ForumID: iss.ForumID, Title: iss.Title, Body: iss.Body,
			AuthorName: iss.AuthorName, Status: string(iss.Status), CreatedAt: iss.CreatedAt, Moderation: personalModeration(iss.Moderation)})
	}
	comments, err := s.store.ListCommentsByAuthor(ctx, uid)
	if err != nil {
		return nil, err
	}
	for _, c := range comments {
		pc := PersonalComment{ID: c.ID, IssueID: c.IssueID, AuthorName: c.AuthorName, Body: c.Body,
			CreatedAt: c.CreatedAt, Moderation: personalModeration(c.Moderation)}
		if !c.EditedAt.IsZero() {
			at := c.EditedAt
			pc.EditedAt = &at
		}
		out.Comments = append(out.Comments, pc)
	}
	titles := map[string]string{}
	title := func(issueID string) (string, error) {
		if t, ok := titles[issueID]; ok {
			return t, nil
		}
		iss, err := s.store.FindIssue(ctx, issueID)
		if errors.Is(err, fault.ErrNotFound) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		t := iss.Title
		if iss.Hidden != "" && iss.AuthorID != uid {
			t = ""
		}
		titles[issueID] = t
		return t, nil
	}
	sups, err := s.store.ListSupportsByKey(ctx, "u:"+uid)
	if err != nil {
		return nil, err
	}
	for _, sp := range sups {
		t, err := title(sp.IssueID)
		if err != nil {
			return nil, err
		}
		out.Supports = append(out.Supports, PersonalRef{IssueID: sp.IssueID, Title: t, At: sp.At})
	}
	follows, err := s.store.ListFollowsByUser(ctx, uid)
	if err != nil {
		return nil, err
	}
	for _, f := range follows {
		t, err := title(f.IssueID)
		if err != nil {
			return nil, err
		}
		out.Follows = append(out.Follows, PersonalRef{IssueID: f.IssueID, Title: t})
	}
	ns, err := s.store.ListNotifications(ctx, uid, personalNotifications)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		out.Notifications = append(out.Notifications, PersonalNotification{IssueID: n.IssueID, Title: n.Title,
			Kind: string(n.Kind), Status: string(n.Status), Note: n.Note, At: n.At, Read: n.Read})
	}
	reports, err := s.store.ListReportsByReporter(ctx, uid)
	if err != nil {
		return nil, err
	}
	for _, r := range reports {
		out.Reports = append(out.Reports, PersonalReport{IssueID: r.IssueID, CommentID: r.CommentID, Reason: string(r.Reason),
			Detail: r.Detail, At: r.At, Resolved: r.Resolved})
	}
	return out, nil
}
