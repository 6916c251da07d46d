package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"chorus/internal/secret"
)

// Log records entries on behalf of every domain.
type Log struct {
	store Store
	clock func() time.Time
}

// NewLog returns a Log writing to store, timed by clock.
func NewLog(store Store, clock func() time.Time) *Log { return &Log{store: store, clock: clock} }

// Record appends an entry, giving it an ID and, unless set, the current time.
func (l *Log) Record(ctx context.Context, e Entry) error {
	e.ID = secret.NewID()
	if e.At.IsZero() {
		e.At = l.clock().UTC()
	}
	return l.store.AppendEntry(ctx, &e)
}

// List returns entries matching f, newest first.
func (l *Log) List(ctx context.Context, f Filter) ([]*Entry, error) {
	return l.store.ListEntries(ctx, f)
}

// Redact removes the content (Before and After) from every entry about
// subject, "kind:id", when an administrator erases that content for a legal
// request. The entries stay, so the trail still shows who did what and
// when; recording the erasure itself is the caller's part.
func (l *Log) Redact(ctx context.Context, subject string) error {
	if kind, id, ok := strings.Cut(subject, ":"); !ok || kind == "" || id == "" {
		return fmt.Errorf("audit: redact: subject %q is not kind:id", subject)
	}
	return l.store.RedactContent(ctx, subject)
}
