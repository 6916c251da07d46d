package audit

import (
	"context"
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
