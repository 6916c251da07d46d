package forum

import (
	"context"
	"errors"

	"chorus/internal/fault"
	"chorus/internal/secret"
)

// AddComment adds a member's comment to an issue that is not closed. A
// retried form (same idempotency key) adds nothing more.
func (s *Service) AddComment(ctx context.Context, v Viewer, issueID, body, idemKey string) (*Comment, error) {
	a, err := s.access(ctx, v, issueID)
	if err != nil {
		return nil, err
	}
	if a.member == nil {
		if v.Principal == nil {
			return nil, ErrSignInRequired
		}
		return nil, ErrNotMember
	}
	if a.status.Closed() {
		return nil, ErrClosed
	}
	body = clean(body)
	if body == "" {
		return nil, ErrCommentRequired
	}
	if runes(body) > MaxComment {
		return nil, ErrCommentLong
	}
	c := &Comment{ID: secret.NewID(), IssueID: issueID, ForumID: a.forum.ID, AuthorID: a.member.UserID, AuthorName: a.member.DisplayName, Body: body, CreatedAt: s.now()}
	holdIfRisky(a.forum, &c.Moderation, c.CreatedAt, body)
	if idemKey != "" {
		// The record goes first, under its unique key, and names the comment
		// it makes. A retry finds it and makes that same comment, which adds
		// nothing when the first try got that far: a crash (or a lost
		// answer) between the two writes loses nothing and doubles nothing.
		rec := &Idempotency{Key: secret.HashToken("comment|" + idemKey), Result: c.ID, At: c.CreatedAt}
		err := s.store.AddIdempotency(ctx, rec)
		if errors.Is(err, fault.ErrConflict) {
			if rec, err = s.store.FindIdempotency(ctx, rec.Key); err != nil {
				return nil, err
			}
			c.ID, c.CreatedAt = rec.Result, rec.At
			if done, err := s.store.FindComment(ctx, c.ID); err == nil {
				return done, nil // added by the first try
			} else if !errors.Is(err, fault.ErrNotFound) {
				return nil, err
			}
		} else if err != nil {
			return nil, err
		}
	}
	if err := s.store.AddComment(ctx, c); errors.Is(err, fault.ErrConflict) {
		return c, nil // a concurrent retry added it
	} else if err != nil {
		return nil, err
	}
	if c.Held != "" {
		s.pub.Publish(ctx, ModerationRoom(a.forum.ID), "queue.changed", map[string]any{"forum": a.forum.ID})
		if err := s.recordHold(ctx, a.forum, "comment:"+c.ID); err != nil {
			return nil, err
		}
		return c, s.follow(ctx, issueID, c.AuthorID)
	}
	s.pub.Publish(ctx, IssueRoom(issueID), "comment.added", map[string]any{"id": c.ID, "issue": issueID, "author": c.AuthorName, "body": c.Body, "at": c.CreatedAt})
	return c, s.follow(ctx, issueID, c.AuthorID)
}

// ChangeStatus moves an issue along its lifecycle, with a reason. Only the
// forum's facilitators (and its administrators) may, and only along allowed
// transitions; resolving or "not possible" needs a response first.
// A form sent again (the same idemKey) changes nothing more.
func (s *Service) ChangeStatus(ctx context.Context, v Viewer, issueID string, to Status, note, idemKey string) error {
	a, err := s.access(ctx, v, issueID)
	if err != nil {
		return err
	}
	if !a.facilitator {
		return ErrForbidden
	}
	key := eventKey(idemKey)
	if keyed(a.events, key) {
		return nil
	}
	if !CanMove(a.status, to) {
		return ErrTransition
	}
	note = clean(note)
	if runes(note) > MaxComment {
		return ErrCommentLong
	}
	if needsResponse(to) && !hasResponse(a.events) {
		return ErrResponseNeeded
	}
	if _, err := s.appendEvent(ctx, a.issue, Event{Kind: EventStatus, Status: to, Actor: ActorFacilitator, ActorID: v.userID(), Note: note, Key: key}); err != nil {
		return ignoreAdded(err)
	}
	if err := s.notify(ctx, a.issue, NoticeStatus, to, v.userID()); err != nil {
		return err
	}
	s.pub.Publish(ctx, IssueRoom(issueID), "status.changed", map[string]any{"status": string(to), "note": note})
	return s.record(ctx, v.Principal, "issue.status", "issue:"+issueID, a.forum, string(a.status)+" → "+string(to))
}

// Respond adds a facilitator's response that the submitter (and everyone who
// can see the issue) reads.
func (s *Service) Respond(ctx context.Context, v Viewer, issueID, text, idemKey string) error {
	return s.facilitatorNote(ctx, v, issueID, EventResponse, text, false, idemKey)
}

// Ask puts a private question to the submitter on their follow-up thread.
func (s *Service) Ask(ctx context.Context, v Viewer, issueID, text, idemKey string) error {
	return s.facilitatorNote(ctx, v, issueID, EventQuestion, text, true, idemKey)
}

func (s *Service) facilitatorNote(ctx context.Context, v Viewer, issueID string, kind EventKind, text string, private bool, idemKey string) error {
	a, err := s.access(ctx, v, issueID)
	if err != nil {
		return err
	}
	if !a.facilitator {
		return ErrForbidden
	}
	key := eventKey(idemKey)
	if keyed(a.events, key) {
		return nil
	}
	text = clean(text)
	if text == "" {
		return ErrNoteRequired
	}
	if runes(text) > MaxComment {
		return ErrCommentLong
	}
	if _, err := s.appendEvent(ctx, a.issue, Event{Kind: kind, Actor: ActorFacilitator, ActorID: v.userID(), Note: text, Private: private, Key: key}); err != nil {
		return ignoreAdded(err)
	}
	if kind == EventResponse {
		if err := s.notify(ctx, a.issue, NoticeResponse, "", v.userID()); err != nil {
			return err
		}
	}
	return s.record(ctx, v.Principal, "issue."+string(kind), "issue:"+issueID, a.forum, "")
}

// ignoreAdded treats a form's event found already in the history as done.
func ignoreAdded(err error) error {
	if errors.Is(err, errAlreadyAdded) {
		return nil
	}
	return err
}
