// Package audit is the append-only trail that every domain writes to: who did
// what to which thing, when and why. Entries are never changed or removed.
package audit

import (
	"context"
	"time"
)

// Entry is one recorded action.
type Entry struct {
	ID      string
	Seq     int64     // assigned by the store: the order of entries
	At      time.Time // day precision where the subject is tied to an anonymous submission
	ActorID string    // the account that acted; empty for the system or the command line
	Action  string    // dotted name, e.g. "invitation.create"
	Subject string    // "kind:id" of the thing acted on
	Scope   string    // the scope the action belongs to ("organisation:<id>"), or empty
	Detail  string    // short, non-sensitive: never a password, token or message body
	Forum   string    // the forum the action belongs to, if any: facilitators read their forums' trail
	Reason  string    // why, as the person who acted gave it
	// Before and After hold content where an action changed it (a
	// facilitator's edit). Erasing content for a legal request empties them;
	// the entry itself stays.
	Before string
	After  string
}

// Filter selects entries; zero fields select everything, and the fields
// that are set must all match.
type Filter struct {
	Scope   string
	Subject string
	Forum   string    // entries about this forum
	ActorID string    // entries by this account
	Action  string    // entries whose dotted name starts with this ("moderation.", "issue.hide")
	From    time.Time // entries at or after this time
	To      time.Time // entries before this time
	Before  int64     // only entries with Seq below this (paging); 0 for the newest
	Limit   int       // at most this many, newest first; 0 for 100
}

// Store keeps the trail.
type Store interface {
	// AppendEntry inserts an entry and sets its Seq. Entries appended
	// concurrently all get distinct sequence numbers.
	AppendEntry(ctx context.Context, e *Entry) error
	// ListEntries returns entries matching f, newest (highest Seq) first.
	ListEntries(ctx context.Context, f Filter) ([]*Entry, error)
	// RedactContent empties Before and After of every entry whose Subject
	// is subject ("issue:<id>"), for an erasure. The entries themselves, and
	// every other field, stay. No entry about subject is not an error.
	RedactContent(ctx context.Context, subject string) error
}
