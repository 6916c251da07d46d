package forum

import (
	"context"
	"time"

	"chorus/internal/fault"
)

// Retention of anonymous follow-up threads. Once an anonymous issue has
// been closed for the configured period, its follow-up code stops working
// and the private thread between facilitators and the submitter (the
// questions and answers) loses its text. The issue, its themes, its public
// history and the decisions about it stay.

// ErrCodeExpired is a code whose thread was removed under the retention
// policy: the person is told plainly, rather than that they typed it wrong.
var ErrCodeExpired = fault.InvalidField("code", "privacy.code_expired")

// FollowUpPrivateKinds are the events whose text retention removes.
var FollowUpPrivateKinds = []EventKind{EventQuestion, EventAnswer}

// RetentionStore is what retention needs of storage, beyond Store.
type RetentionStore interface {
	// ClosedFollowUpIssues returns the IDs of issues that have a follow-up
	// code that still works and whose status cache is one of statuses.
	ClosedFollowUpIssues(ctx context.Context, statuses []Status) ([]string, error)
	// ExpireFollowUps makes an issue's follow-up codes stop working: each
	// record keeps its selector only (no secret hash, no issue), so the
	// code can be told apart from a mistyped one. It empties the text of
	// the issue's private events of the given kinds. It returns how many
	// codes and texts it removed; run again, it removes nothing more.
	ExpireFollowUps(ctx context.Context, issueID string, kinds []EventKind) (codes, texts int, err error)
}

// ClosedStatuses are the statuses that end an issue.
func ClosedStatuses() []Status {
	var out []Status
	for _, s := range Statuses {
		if s.Closed() {
			out = append(out, s)
		}
	}
	return out
}

// ClosedAt returns when an issue was closed, from its status events in
// order: the time of the last one, if it set a closed status.
func ClosedAt(events []*Event) (time.Time, bool) {
	var last *Event
	for _, e := range events {
		if e.Kind == EventStatus {
			last = e
		}
	}
	if last == nil || !last.Status.Closed() {
		return time.Time{}, false
	}
	return last.At, true
}

// ExpireFollowUps applies the retention period to anonymous follow-up
// threads: those of issues closed before cutoff lose their code and their
// private text. It returns the issues, codes and texts affected.
func ExpireFollowUps(ctx context.Context, st Store, rs RetentionStore, cutoff time.Time) (issues, codes, texts int, err error) {
	ids, err := rs.ClosedFollowUpIssues(ctx, ClosedStatuses())
	if err != nil || len(ids) == 0 {
		return 0, 0, 0, err
	}
	evs, err := st.ListEventsOf(ctx, ids, []EventKind{EventStatus})
	if err != nil {
		return 0, 0, 0, err
	}
	byIssue := map[string][]*Event{}
	for _, e := range evs {
		byIssue[e.IssueID] = append(byIssue[e.IssueID], e)
	}
	for _, id := range ids {
		at, ok := ClosedAt(byIssue[id])
		if !ok || !at.Before(cutoff) {
			continue
		}
		c, t, err := rs.ExpireFollowUps(ctx, id, FollowUpPrivateKinds)
		if err != nil {
			return issues, codes, texts, err
		}
		issues, codes, texts = issues+1, codes+c, texts+t
	}
	return issues, codes, texts, nil
}
