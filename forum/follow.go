package forum

import (
	"context"
	"errors"

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
	followers, err := s.store.ListFollowers(ctx, iss.ID)
	if err != nil {
		return err
	}
	for _, uid := range followers {
		if uid == actorID {
			continue
		}
		n := &Notification{ID: secret.NewID(), UserID: uid, IssueID: iss.ID, Title: iss.Title, Kind: kind, Status: status, At: s.now()}
		if err := s.store.AddNotification(ctx, n); err != nil {
			return err
		}
	}
	return nil
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

// Report flags an issue, or one of its comments, for the forum's
// facilitators. Members may report; the moderation queue acts on it.
func (s *Service) Report(ctx context.Context, v Viewer, issueID, commentID, reason string) error {
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
	reason = clean(reason)
	if reason == "" {
		return ErrReasonRequired
	}
	if runes(reason) > 1000 {
		return ErrCommentLong
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
	return s.store.AddReport(ctx, &Report{ID: secret.NewID(), ForumID: a.forum.ID, IssueID: issueID, CommentID: commentID,
		ReporterID: v.userID(), Reason: reason, At: s.now()})
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
	return s.store.ListReports(ctx, forumID)
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
	versions, err := s.store.ListCommentVersions(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	written := c.CreatedAt
	if !c.EditedAt.IsZero() {
		written = c.EditedAt
	}
	ver := &CommentVersion{CommentID: c.ID, Seq: int64(len(versions)) + 1, Body: c.Body, At: written}
	for {
		err := s.store.AddCommentVersion(ctx, ver)
		if err == nil {
			break
		}
		if !errors.Is(err, fault.ErrConflict) || ver.Seq > int64(len(versions))+50 {
			return nil, err
		}
		ver.Seq++
	}
	c.Body, c.EditedAt = body, s.now()
	return c, s.store.UpdateComment(ctx, c)
}
