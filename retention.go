package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"chorus/audit"
	"chorus/forum"
	"chorus/internal/fault"
)

// Retention is how long Chorus keeps what it no longer needs (0: for ever).
// The defaults are documented in docs/operations.md and on /privacy.
type Retention struct {
	FollowUpMonths   int // after an anonymous issue closes: its follow-up code and private questions and answers
	AuditMonths      int // audit entries
	NotificationDays int // read notifications
}

// retentionStore is the storage retention works on.
type retentionStore interface {
	forum.RetentionStore
	// DeleteReadNotifications removes read notifications made before t.
	DeleteReadNotifications(ctx context.Context, before time.Time) (int, error)
	// DeleteAuditBefore removes audit entries recorded before t.
	DeleteAuditBefore(ctx context.Context, before time.Time) (int, error)
}

// retain applies the retention periods at most once a day across every
// instance: the first to insert the day's key does the work, the others
// see the key taken and skip. The work is idempotent, so a run cut short
// is finished the next day. What it removed is recorded in the audit log as
// counts, never content. It reports whether this call did the work.
func (a *app) retain(ctx context.Context, now time.Time) (bool, error) {
	now = now.UTC()
	day := now.Format("2006-01-02")
	err := a.store.AddIdempotency(ctx, &forum.Idempotency{Key: "retention:" + day, Result: "retention", At: now})
	if errors.Is(err, fault.ErrConflict) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r := a.cfg.Retention
	var issues, codes, texts, notes, entries int
	if r.FollowUpMonths > 0 {
		if issues, codes, texts, err = forum.ExpireFollowUps(ctx, a.store, a.store, now.AddDate(0, -r.FollowUpMonths, 0)); err != nil {
			return true, fmt.Errorf("retention: follow-up threads: %w", err)
		}
	}
	if r.NotificationDays > 0 {
		if notes, err = a.store.DeleteReadNotifications(ctx, now.AddDate(0, 0, -r.NotificationDays)); err != nil {
			return true, fmt.Errorf("retention: notifications: %w", err)
		}
	}
	if r.AuditMonths > 0 {
		if entries, err = a.store.DeleteAuditBefore(ctx, now.AddDate(0, -r.AuditMonths, 0)); err != nil {
			return true, fmt.Errorf("retention: audit: %w", err)
		}
	}
	detail := fmt.Sprintf("follow-up threads of %d closed issues (%d codes, %d private texts); %d read notifications; %d audit entries",
		issues, codes, texts, notes, entries)
	if err := a.audit.Record(ctx, audit.Entry{At: now, Action: "retention.apply", Subject: "retention:" + day, Detail: detail}); err != nil {
		return true, err
	}
	a.log.Info("applied retention periods", slog.String("removed", detail))
	return true, nil
}
