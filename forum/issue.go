package forum

import (
	"context"
	"errors"
	"slices"
	"strings"

	"chorus/audit"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

// Draft is an issue as a person submits it.
type Draft struct {
	Title     string
	Body      string
	Themes    []string
	Anonymous bool
	Lang      string
	// IdemKey is the form's idempotency key: a retried submission with the
	// same key creates nothing new and gets the same result.
	IdemKey string
	// OnBehalf: a facilitator posts for a parent who phoned or wrote in.
	// Consent records that the parent agreed; it is required. The issue is
	// anonymous; Code asks for a follow-up code to give the parent.
	OnBehalf bool
	Consent  bool
	Code     bool
}

// Raised is the outcome of raising an issue. Code is set for an anonymous
// issue: shown once, never stored in the clear. Held says it waits for the
// safeguarding lead: the poster is shown where to get help at once.
type Raised struct {
	Issue *Issue
	Code  string
	Held  bool
}

func (d *Draft) validate(f *Forum) error {
	d.Title, d.Body = clean(d.Title), clean(d.Body)
	switch {
	case d.Title == "":
		return ErrTitleRequired
	case runes(d.Title) > MaxTitle:
		return ErrTitleLong
	case d.Body == "":
		return ErrBodyRequired
	case runes(d.Body) > MaxBody:
		return ErrBodyLong
	}
	for _, t := range d.Themes {
		if !slices.Contains(f.Themes, t) {
			return ErrThemeUnknown
		}
	}
	return nil
}

// RaiseIssue records a new issue. Members may post under their display name
// or anonymously; anyone may post anonymously where the forum allows it. An
// anonymous issue keeps no account, session, IP or user agent, and only the
// day it was raised; its submitter gets a follow-up code instead.
func (s *Service) RaiseIssue(ctx context.Context, v Viewer, forumID string, d Draft) (*Raised, error) {
	f, err := s.store.FindForum(ctx, forumID)
	if err != nil {
		return nil, err
	}
	if err := d.validate(f); err != nil {
		return nil, err
	}
	var m *Member
	if d.OnBehalf {
		if ok, err := s.facilitates(ctx, v, f); err != nil || !ok {
			return nil, errors.Join(ErrForbidden, err)
		}
		if !d.Consent {
			return nil, ErrConsentRequired
		}
		d.Anonymous = true
	} else if !d.Anonymous {
		if m, err = s.Membership(ctx, forumID, v.Principal); err != nil {
			return nil, err
		}
		if m == nil {
			return nil, ErrNotMember
		}
	} else if !f.AllowAnonymous && !d.OnBehalf {
		if m, err = s.Membership(ctx, forumID, v.Principal); err != nil || m == nil {
			return nil, errors.Join(ErrAnonymousOff, err)
		}
	}
	if d.IdemKey == "" {
		d.IdemKey = secret.NewToken()
	}
	// The idempotency record goes first, under its unique key: of two
	// identical submissions racing, one makes the record; every attempt then
	// completes the same writes, each idempotent, so a retry after a crash
	// or a lost response finishes the job and shows the same result.
	now := s.now()
	if d.Anonymous {
		now = day(now)
	}
	rec := &Idempotency{Key: secret.HashToken("issue|" + d.IdemKey), Result: secret.NewID(), At: now}
	if d.Anonymous && (!d.OnBehalf || d.Code) {
		sel, err := s.freeSelector(ctx, d.IdemKey)
		if err != nil {
			return nil, err
		}
		rec.Result += " " + sel
	}
	if err := s.store.AddIdempotency(ctx, rec); errors.Is(err, fault.ErrConflict) {
		if rec, err = s.store.FindIdempotency(ctx, rec.Key); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	id, selector, _ := strings.Cut(rec.Result, " ")
	iss := &Issue{ID: id, ForumID: f.ID, Title: d.Title, Body: d.Body, Lang: d.Lang, Themes: d.Themes,
		Anonymous: d.Anonymous, CreatedAt: rec.At, Status: StatusSubmitted, OnBehalf: d.OnBehalf}
	held := holdIfRisky(f, &iss.Moderation, rec.At, d.Title, d.Body)
	actor, actorID := ActorMember, v.userID()
	if d.OnBehalf {
		actor = ActorFacilitator
	} else if d.Anonymous {
		actor, actorID = ActorSubmitter, ""
	} else {
		iss.AuthorID, iss.AuthorName = m.UserID, m.DisplayName
	}
	var fu *FollowUp
	code := ""
	if selector != "" {
		code = selector + derive(s.secret, "followup-secret|"+d.IdemKey, secretLen)
		fu = &FollowUp{Selector: selector, SecretHash: secret.HashPassword(code[selectorLen:]), IssueID: iss.ID, CreatedAt: rec.At}
	}
	next := StatusOpen
	if f.PreModerate || (d.Anonymous && !d.OnBehalf && f.PreModerateAnonymous) {
		next = StatusInReview
	}
	created := []*Event{
		{IssueID: iss.ID, Seq: 1, Kind: EventStatus, Status: StatusSubmitted, Actor: actor, ActorID: actorID, At: rec.At},
		{IssueID: iss.ID, Seq: 2, Kind: EventStatus, Status: next, Actor: ActorSystem, At: rec.At},
	}
	if held {
		created = append(created, &Event{IssueID: iss.ID, Seq: 3, Kind: EventHeld, Actor: ActorSystem, Private: true, At: rec.At})
	}
	first, err := s.complete(ctx, iss, fu, created)
	if err != nil {
		return nil, err
	}
	if !d.Anonymous { // the code is how an anonymous author follows
		if err := s.follow(ctx, iss.ID, m.UserID); err != nil {
			return nil, err
		}
	}
	stored, err := s.store.FindIssue(ctx, iss.ID)
	if err != nil {
		return nil, err
	}
	// Only the attempt that stored the issue tells viewers: the same form
	// sent again (a retry, or to another instance at the same time) would
	// otherwise list it twice on every open page.
	if first && next == StatusOpen && stored.Held == "" {
		s.announce(ctx, stored)
	}
	if first && (next == StatusInReview || stored.Held != "") {
		s.pub.Publish(ctx, ModerationRoom(f.ID), "queue.changed", map[string]any{"forum": f.ID})
	}
	if stored.Held != "" {
		if err := s.recordHold(ctx, f, "issue:"+iss.ID); err != nil {
			return nil, err
		}
	}
	if d.OnBehalf {
		err = s.audit.Record(ctx, audit.Entry{ActorID: v.userID(), Action: "moderation.on_behalf", Subject: "issue:" + iss.ID,
			Scope: orgScope(f.OrgID), Forum: f.ID, Detail: "the parent agreed"})
	}
	return &Raised{Issue: stored, Code: code, Held: stored.Held != ""}, err
}

// announce tells viewers of a forum's list that an issue is there to see.
func (s *Service) announce(ctx context.Context, iss *Issue) {
	s.pub.Publish(ctx, ForumRoom(iss.ForumID), "issue.added", map[string]any{"id": iss.ID, "title": iss.Title,
		"author": iss.AuthorName, "anonymous": iss.Anonymous, "status": string(StatusOpen), "at": iss.CreatedAt})
}

// freeSelector derives the follow-up selector for a form's key: the first
// of a series that no other submission uses.
func (s *Service) freeSelector(ctx context.Context, idemKey string) (string, error) {
	for n := 0; n < 16; n++ {
		sel := derive(s.secret, "followup-selector|"+idemKey+"|"+string(rune('a'+n)), selectorLen)
		if _, err := s.store.FindFollowUp(ctx, sel); errors.Is(err, fault.ErrNotFound) {
			return sel, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", errors.New("forum: no free follow-up selector in 16 tries")
}

// complete makes the writes of a new issue. Each is idempotent (a taken key
// means an earlier attempt made it), so any attempt can finish the job.
// first reports whether this attempt stored the issue itself.
func (s *Service) complete(ctx context.Context, iss *Issue, fu *FollowUp, events []*Event) (first bool, err error) {
	ignoreTaken := func(err error) error {
		if errors.Is(err, fault.ErrConflict) {
			return nil
		}
		return err
	}
	err = s.store.CreateIssue(ctx, iss)
	first = err == nil
	if err := ignoreTaken(err); err != nil {
		return false, err
	}
	if fu != nil {
		if err := ignoreTaken(s.store.AddFollowUp(ctx, fu)); err != nil {
			return false, err
		}
	}
	for _, e := range events {
		if err := ignoreTaken(s.store.AddEvent(ctx, e)); err != nil {
			return false, err
		}
	}
	for i := len(events) - 1; i >= 0; i-- {
		if last := events[i]; last.Kind == EventStatus {
			return first, s.store.SetIssueStatus(ctx, iss.ID, last.Status, last.Seq)
		}
	}
	return first, nil
}

// appendEvent adds an event to an issue's history under the next sequence
// number, retrying on conflict so that concurrent changes are all kept, and
// updates the status cache for status events.
func (s *Service) appendEvent(ctx context.Context, iss *Issue, e Event) (*Event, error) {
	e.IssueID = iss.ID
	e.At = s.now()
	if iss.Anonymous {
		e.At = day(e.At)
	}
	events, err := s.store.ListEvents(ctx, iss.ID)
	if err != nil {
		return nil, err
	}
	e.Seq = int64(len(events)) + 1
	if n := len(events); n > 0 && events[n-1].Seq >= e.Seq {
		e.Seq = events[n-1].Seq + 1
	}
	for tries := 0; ; tries++ {
		err := s.store.AddEvent(ctx, &e)
		if err == nil {
			break
		}
		if !errors.Is(err, fault.ErrConflict) || tries > 50 {
			return nil, err
		}
		if e.Key != "" {
			if events, err = s.store.ListEvents(ctx, iss.ID); err != nil {
				return nil, err
			}
			if keyed(events, e.Key) {
				return nil, errAlreadyAdded
			}
		}
		e.Seq++
	}
	if e.Kind == EventStatus {
		if err := s.store.SetIssueStatus(ctx, iss.ID, e.Status, e.Seq); err != nil {
			return nil, err
		}
	}
	return &e, nil
}

// errAlreadyAdded says an event's form was handled before: the caller adds
// nothing more, and tells nobody again.
var errAlreadyAdded = errors.New("forum: this form's event is already in the history")

// eventKey is what a form's idempotency key is kept as in the history.
func eventKey(idemKey string) string {
	if idemKey == "" {
		return ""
	}
	return secret.HashToken("event|" + idemKey)
}

// keyed reports whether the history holds the event made under key.
func keyed(events []*Event, key string) bool {
	for _, e := range events {
		if key != "" && e.Key == key {
			return true
		}
	}
	return false
}
