package forum

import (
	"cmp"
	"context"
	"slices"
	"time"

	"chorus/audit"
)

// What the steering domain reads of issues and writes back to them. A
// steering group sees only what the public sees of an issue; what it does
// (an agenda, an action, an outcome) lands in the issue's own history, so the
// family that raised it reads it there, with their code if anonymous.

// AgendaIssue is what an agenda item shows of an issue it is about.
type AgendaIssue struct {
	ID, ForumID, ForumName, Title string
	Status                        Status
	Supports                      int
	Themes                        []string
	Quotes                        []string // chosen by a facilitator, identifying details removed
	CreatedAt                     time.Time
	Responded                     bool
}

// AgendaIssue returns what an agenda may show of an issue: ErrNotFound when
// the public may not see it (held, awaiting approval, hidden or erased).
func (s *Service) AgendaIssue(ctx context.Context, id string) (*AgendaIssue, error) {
	a, err := s.access(ctx, Viewer{}, id)
	if err != nil {
		return nil, err
	}
	if a.issue.Hidden != "" || a.issue.Erased != "" {
		return nil, ErrNotFound
	}
	n, err := s.store.CountSupports(ctx, id)
	if err != nil {
		return nil, err
	}
	quotes, err := s.store.ListQuotes(ctx, id)
	if err != nil {
		return nil, err
	}
	ai := &AgendaIssue{ID: id, ForumID: a.forum.ID, ForumName: a.forum.Name, Title: a.issue.Title, Status: a.status,
		Supports: n, Themes: a.issue.Themes, CreatedAt: a.issue.CreatedAt, Responded: hasResponse(a.events)}
	for _, q := range quotes {
		ai.Quotes = append(ai.Quotes, q.Text)
	}
	return ai, nil
}

// Suggestions are the issues of some forums a steering group might take up.
type Suggestions struct {
	MostSupported []*IssueSummary // open issues, most supported first
	Unanswered    []*IssueSummary // open issues without a response, oldest first
}

// AgendaSuggestions returns the open issues of forums most worth an agenda's
// time: the most supported, and the oldest still without a response.
func (s *Service) AgendaSuggestions(ctx context.Context, forumIDs []string, limit int) (*Suggestions, error) {
	out := &Suggestions{}
	var open []*IssueSummary
	for _, id := range forumIDs {
		list, _, err := s.store.ListIssues(ctx, IssueFilter{ForumID: id, Statuses: []Status{StatusOpen}, Sort: SortSupport, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, sum := range list {
			if sum.Hidden == "" && sum.Erased == "" && sum.Held == "" {
				open = append(open, sum)
			}
		}
	}
	bySupport := slices.Clone(open)
	slices.SortStableFunc(bySupport, func(a, b *IssueSummary) int {
		return cmp.Or(cmp.Compare(b.Supports, a.Supports), a.CreatedAt.Compare(b.CreatedAt))
	})
	out.MostSupported = bySupport[:min(limit, len(bySupport))]
	var ids []string
	for _, sum := range open {
		ids = append(ids, sum.ID)
	}
	responded := map[string]bool{}
	events, err := s.store.ListEventsOf(ctx, ids, []EventKind{EventResponse})
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		responded[e.IssueID] = true
	}
	var unanswered []*IssueSummary
	for _, sum := range open {
		if !responded[sum.ID] {
			unanswered = append(unanswered, sum)
		}
	}
	slices.SortStableFunc(unanswered, func(a, b *IssueSummary) int { return a.CreatedAt.Compare(b.CreatedAt) })
	out.Unanswered = unanswered[:min(limit, len(unanswered))]
	return out, nil
}

// SteeringStep is something a steering group did about an issue.
type SteeringStep struct {
	Kind EventKind // EventAgenda or one of the EventAction* kinds
	// Ref names what it was about: "meeting:<id>" or "action:<id>".
	Ref string
	// Note is what families read: the meeting ("Keyworker steering group,
	// 3 December 2026"), the action, or the outcome of a finished action.
	Note string
	// Status is where the issue moves, if the lifecycle allows it from
	// where it is; empty to stay.
	Status Status
	// Respond makes Note the issue's public response too (an outcome).
	Respond bool
	// Key makes the step idempotent per issue: the same key adds nothing
	// the second time.
	Key string
	// ActorID is the steering group member who acted, for the audit.
	ActorID string
}

// RecordSteering adds a steering group's step to an issue's history, moves
// its status where the lifecycle allows, and tells its followers; the
// anonymous submitter reads it on their follow-up page. A step sent again
// with its key adds nothing.
func (s *Service) RecordSteering(ctx context.Context, issueID string, st SteeringStep) error {
	a, err := s.access(ctx, Viewer{}, issueID)
	if err != nil {
		return err
	}
	key := eventKey(st.Key)
	if keyed(a.events, key) {
		return nil
	}
	if _, err := s.appendEvent(ctx, a.issue, Event{Kind: st.Kind, Actor: ActorSteering, ActorID: st.ActorID, Note: st.Note, Ref: st.Ref, Key: key}); err != nil {
		return ignoreAdded(err)
	}
	if st.Respond {
		if _, err := s.appendEvent(ctx, a.issue, Event{Kind: EventResponse, Actor: ActorSteering, ActorID: st.ActorID, Note: st.Note}); err != nil {
			return err
		}
		if err := s.notify(ctx, a.issue, NoticeResponse, "", st.ActorID); err != nil {
			return err
		}
	}
	moved := st.Status != "" && st.Status != a.status && steeringMove(a.status, st.Status) &&
		(!needsResponse(st.Status) || st.Respond || hasResponse(a.events))
	if moved {
		if _, err := s.appendEvent(ctx, a.issue, Event{Kind: EventStatus, Status: st.Status, Actor: ActorSteering, ActorID: st.ActorID}); err != nil {
			return err
		}
		if err := s.notify(ctx, a.issue, NoticeStatus, st.Status, st.ActorID); err != nil {
			return err
		}
		s.pub.Publish(ctx, IssueRoom(issueID), "status.changed", map[string]any{"status": string(st.Status), "note": ""})
	} else if !st.Respond {
		if err := s.notify(ctx, a.issue, NoticeSteering, "", st.ActorID); err != nil {
			return err
		}
	}
	detail := string(st.Kind) + " " + st.Ref
	if moved {
		detail += ": " + string(a.status) + " → " + string(st.Status)
	}
	return s.audit.Record(ctx, audit.Entry{ActorID: st.ActorID, Action: "issue.steering", Subject: "issue:" + issueID,
		Scope: orgScope(a.forum.OrgID), Forum: a.forum.ID, Detail: detail})
}

// steeringMove reports whether a steering group's step may move an issue
// between two statuses: forward along the lifecycle, never back, never out
// of a closed status, and never before a facilitator has opened it.
func steeringMove(from, to Status) bool {
	rank := map[Status]int{StatusOpen: 1, StatusOnAgenda: 2, StatusActionAgreed: 3, StatusInProgress: 4, StatusResolved: 5, StatusNotPossible: 5}
	if from.Closed() || rank[from] == 0 || rank[to] == 0 {
		return false
	}
	if needsResponse(to) {
		return true // the step carries the response
	}
	return rank[to] > rank[from]
}

// Resolve reports the status an issue takes when every action about it has
// finished: resolved if any was done, else not possible.
func Resolve(anyDone bool) Status {
	if anyDone {
		return StatusResolved
	}
	return StatusNotPossible
}
