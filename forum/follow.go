package forum

import (
	"context"
	"errors"
	"slices"

	"chorus/account"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

// follow makes a member follow an issue; following twice is not an error.
func (s *Service) follow(ctx context.Context, issueID, userID string) error {
	err := s.store.AddFollow(ctx, &Follow{IssueID: issueID, UserID: userID, At: s.now()})
	if errors.Is(err, fault.ErrConflict) {
		return nil
	}
	return err
}

// Follow makes the signed-in viewer follow an issue they can see.
func (s *Service) Follow(ctx context.Context, v Viewer, issueID string) error {
	if v.Principal == nil {
		return ErrSignInRequired
	}
	if _, err := s.access(ctx, v, issueID); err != nil {
		return err
	}
	return s.follow(ctx, issueID, v.userID())
}

// Unfollow stops the viewer following an issue.
func (s *Service) Unfollow(ctx context.Context, v Viewer, issueID string) error {
	if v.Principal == nil {
		return ErrSignInRequired
	}
	err := s.store.RemoveFollow(ctx, issueID, v.userID())
	if errors.Is(err, fault.ErrNotFound) {
		return nil
	}
	return err
}

// notify tells an issue's followers, except the person who acted, that it
// moved. The anonymous submitter is never among them: their follow-up page
// shows the same history.
func (s *Service) notify(ctx context.Context, iss *Issue, kind NoticeKind, status Status, actorID string) error {
	return s.NotifyFollowers(ctx, Notice{Kind: kind, IssueID: iss.ID, Title: iss.Title, Status: status}, actorID)
}

// Notices is a person's notification list.
type Notices struct {
	List   []*Notification
	Unread int
}

// Notifications returns the signed-in person's newest notifications.
func (s *Service) Notifications(ctx context.Context, p *account.Principal) (*Notices, error) {
	if p == nil {
		return nil, ErrSignInRequired
	}
	list, err := s.store.ListNotifications(ctx, p.User.ID, 50)
	if err != nil {
		return nil, err
	}
	unread, err := s.store.CountUnread(ctx, p.User.ID)
	return &Notices{List: list, Unread: unread}, err
}

// UnreadCount is how many notifications a person has not read (0 for visitors).
func (s *Service) UnreadCount(ctx context.Context, p *account.Principal) (int, error) {
	if p == nil {
		return 0, nil
	}
	return s.store.CountUnread(ctx, p.User.ID)
}

// MarkRead marks every notification of the person read.
func (s *Service) MarkRead(ctx context.Context, p *account.Principal) error {
	if p == nil {
		return ErrSignInRequired
	}
	return s.store.MarkRead(ctx, p.User.ID)
}

// MarkOneRead marks one of the person's notifications read. Another
// person's notification is not found.
func (s *Service) MarkOneRead(ctx context.Context, p *account.Principal, id string) error {
	if p == nil {
		return ErrSignInRequired
	}
	return s.store.MarkNotificationRead(ctx, p.User.ID, id)
}

// Report flags an issue, or one of its comments, for the forum's
// facilitators, with a reason from the short list and the member's own words.
// A member reports an item once; reporting again changes nothing. Once
// enough members have reported it, the item is held until a facilitator
// decides. Reporters are never shown to the author.
func (s *Service) Report(ctx context.Context, v Viewer, issueID, commentID string, reason ReportReason, detail string) error {
	a, err := s.access(ctx, v, issueID)
	if err != nil {
		return err
	}
	if a.member == nil {
		if v.Principal == nil {
			return ErrSignInRequired
		}
		return ErrNotMember
	}
	if !slices.Contains(ReportReasons, reason) {
		return ErrReportReason
	}
	detail = clean(detail)
	if detail == "" && reason == ReportOther {
		return ErrDetailRequired
	}
	if runes(detail) > 1000 {
		return ErrDetailLong
	}
	if commentID != "" {
		c, err := s.store.FindComment(ctx, commentID)
		if err != nil {
			return err
		}
		if c.IssueID != issueID {
			return ErrNotFound
		}
	}
	err = s.store.AddReport(ctx, &Report{ID: secret.NewID(), ForumID: a.forum.ID, IssueID: issueID, CommentID: commentID,
		ReporterID: v.userID(), Reason: reason, Detail: detail, At: s.now()})
	if errors.Is(err, fault.ErrConflict) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.reported(ctx, a, Target{IssueID: issueID, CommentID: commentID})
}

// Reports lists a forum's reports for its facilitators.
func (s *Service) Reports(ctx context.Context, v Viewer, forumID string) ([]*Report, error) {
	f, err := s.store.FindForum(ctx, forumID)
	if err != nil {
		return nil, err
	}
	if ok, err := s.facilitates(ctx, v, f); err != nil || !ok {
		return nil, errors.Join(ErrForbidden, err)
	}
	return s.store.ListReports(ctx, forumID, false)
}

// EditComment changes a comment's text, by its author, within CommentEdit of
// posting. The earlier text is kept for facilitators.
func (s *Service) EditComment(ctx context.Context, v Viewer, commentID, body string) (*Comment, error) {
	c, err := s.store.FindComment(ctx, commentID)
	if err != nil {
		return nil, err
	}
	if v.Principal == nil || c.AuthorID != v.userID() {
		return nil, ErrForbidden
	}
	if s.now().Sub(c.CreatedAt) > CommentEdit {
		return nil, ErrEditClosed
	}
	body = clean(body)
	if body == "" {
		return nil, ErrCommentRequired
	}
	if runes(body) > MaxComment {
		return nil, ErrCommentLong
	}
	if body == c.Body {
		return c, nil
	}
	written := c.CreatedAt
	if !c.EditedAt.IsZero() {
		written = c.EditedAt
	}
	if err := s.keepVersion(ctx, &Version{ItemID: c.ID, Body: c.Body, At: written}); err != nil {
		return nil, err
	}
	c.Body, c.EditedAt = body, s.now()
	f, err := s.store.FindForum(ctx, c.ForumID)
	if err != nil {
		return nil, err
	}
	if c.Held == "" && holdIfRisky(f, &c.Moderation, c.EditedAt, body) {
		s.pub.Publish(ctx, ModerationRoom(f.ID), "queue.changed", map[string]any{"forum": f.ID})
	}
	return c, s.store.UpdateComment(ctx, c)
}
