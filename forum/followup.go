package forum

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"strings"
	"time"

	"chorus/internal/fault"
	"chorus/internal/secret"
)

// Follow-up codes are written in letters that cannot be mistaken for one
// another or for digits (no B, I, L, O, S, U): easy to copy by hand or read
// aloud. 20 letters carry 4.32 bits each.
const codeAlphabet = "ACDEFGHJKMNPQRTVWXYZ"

// Code lengths: the selector finds the record (unique index); the secret
// (20 letters, 86 bits) proves the holder and is stored only as a hash.
const (
	selectorLen = 8
	secretLen   = 20
	// CodeLen is the number of letters in a follow-up code.
	CodeLen = selectorLen + secretLen
)

// derive makes n code letters from a keyed hash of msg, by rejection
// sampling so that every letter is equally likely.
func derive(key []byte, msg string, n int) string {
	var b strings.Builder
	for counter := byte(0); b.Len() < n; counter++ {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		m.Write([]byte{counter})
		for _, x := range m.Sum(nil) {
			if int(x) >= 256/len(codeAlphabet)*len(codeAlphabet) {
				continue
			}
			b.WriteByte(codeAlphabet[int(x)%len(codeAlphabet)])
			if b.Len() == n {
				break
			}
		}
	}
	return b.String()
}

// NormalizeCode turns what a person typed (any case, spaces, dashes, look-
// alike digits) into the letters of a code.
func NormalizeCode(typed string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case strings.ContainsRune(codeAlphabet, r):
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '?':
			// A letter that is never in a code: the code is wrong. The mark
			// itself is kept, so that normalising a normalised code (it
			// travels in the next request's form) cannot drop a wrong
			// letter and make a wrong code right.
			b.WriteRune('?')
		}
	}
	return b.String()
}

// splitCode separates a normalised code into selector and secret.
func splitCode(code string) (selector, secret string, ok bool) {
	if len(code) != CodeLen || strings.ContainsRune(code, '?') {
		return "", "", false
	}
	return code[:selectorLen], code[selectorLen:], true
}

// FormatCode writes a code in groups of four letters.
func FormatCode(code string) string {
	var parts []string
	for i := 0; i < len(code); i += 4 {
		parts = append(parts, code[i:min(i+4, len(code))])
	}
	return strings.Join(parts, " ")
}

// Follow-up tries: after this many wrong codes for one selector within the
// window, that selector is locked until the window passes.
const (
	followUpTries  = 10
	followUpWindow = time.Hour
)

// FollowUpView is what the holder of a follow-up code sees: their issue, its
// whole history including the private thread with facilitators, and the
// count of families who support it.
type FollowUpView struct {
	Code     string // normalised, to carry in the next request's form
	Forum    *Forum
	Issue    *Issue
	Status   Status
	Events   []*Event
	Supports int
	// MergedInto is the issue this one was merged into, if it was.
	MergedInto string
	// Since is the last event seen on the previous visit: later events are
	// new to the holder (0 on the first visit: nothing is marked).
	Since int64
}

// OpenFollowUp checks a follow-up code and returns the submitter's view. No
// session is made: the code travels with every request.
func (s *Service) OpenFollowUp(ctx context.Context, typed string) (*FollowUpView, error) {
	code := NormalizeCode(typed)
	selector, secretPart, ok := splitCode(code)
	if !ok {
		return nil, ErrCodeWrong
	}
	key := "followup:" + selector
	n, err := s.store.CountAttempts(ctx, key, s.now().Add(-followUpWindow))
	if err != nil {
		return nil, err
	}
	if n >= followUpTries {
		return nil, ErrCodeLocked
	}
	fu, err := s.store.FindFollowUp(ctx, selector)
	if err != nil && !errors.Is(err, fault.ErrNotFound) {
		return nil, err
	}
	if fu != nil && fu.SecretHash == "" { // removed under the retention policy (retention.go)
		return nil, ErrCodeExpired
	}
	match := false
	if fu == nil {
		secret.DummyCheck(secretPart)
	} else if match, err = secret.CheckPassword(fu.SecretHash, secretPart); err != nil {
		return nil, err
	}
	if !match {
		// Day precision: an attempt on a code is tied to an anonymous submission.
		if err := s.store.AddAttempt(ctx, key, day(s.now())); err != nil {
			return nil, err
		}
		return nil, ErrCodeWrong
	}
	iss, err := s.store.FindIssue(ctx, fu.IssueID)
	if err != nil {
		return nil, err
	}
	f, err := s.store.FindForum(ctx, iss.ForumID)
	if err != nil {
		return nil, err
	}
	events, err := s.store.ListEvents(ctx, iss.ID)
	if err != nil {
		return nil, err
	}
	supports, err := s.store.CountSupports(ctx, iss.ID)
	if err != nil {
		return nil, err
	}
	view := &FollowUpView{Code: code, Forum: f, Issue: iss, Status: statusOf(events), Events: events, Supports: supports,
		MergedInto: MergedInto(events), Since: fu.SeenSeq}
	if n := len(events); n > 0 && events[n-1].Seq > fu.SeenSeq {
		if err := s.store.SetFollowUpSeen(ctx, fu.Selector, events[n-1].Seq); err != nil {
			return nil, err
		}
	}
	return view, nil
}

// AddDetail lets the submitter add to their issue through the follow-up
// thread. answer marks it as an answer to a facilitator's question, which
// stays private; otherwise the detail is public like the issue.
func (s *Service) AddDetail(ctx context.Context, typed, text string, answer bool, idemKey string) (*FollowUpView, error) {
	view, err := s.OpenFollowUp(ctx, typed)
	if err != nil {
		return nil, err
	}
	key := eventKey(idemKey)
	if keyed(view.Events, key) {
		return view, nil // sent again: added already
	}
	text = clean(text)
	if text == "" {
		return nil, ErrNoteRequired
	}
	if runes(text) > MaxComment {
		return nil, ErrCommentLong
	}
	if view.Status == StatusMerged {
		return nil, ErrClosed
	}
	kind := EventDetail
	if answer {
		kind = EventAnswer
	}
	// Words that suggest someone is at risk are kept private and the issue
	// is held for the safeguarding lead, as a new post would be.
	risky := view.Issue.Held != HoldSafeguarding && holdIfRisky(view.Forum, &view.Issue.Moderation, s.now(), text)
	if _, err := s.appendEvent(ctx, view.Issue, Event{Kind: kind, Actor: ActorSubmitter, Note: text, Private: answer || risky, Key: key}); err != nil {
		if errors.Is(err, errAlreadyAdded) {
			return s.OpenFollowUp(ctx, view.Code)
		}
		return nil, err
	}
	if risky {
		if err := s.store.UpdateIssue(ctx, view.Issue); err != nil {
			return nil, err
		}
		s.pub.Publish(ctx, ModerationRoom(view.Forum.ID), "queue.changed", map[string]any{"forum": view.Forum.ID})
	}
	return s.OpenFollowUp(ctx, view.Code)
}
