package sqlite_test

import (
	"context"
	"testing"
	"time"

	"chorus/audit"
	"chorus/realtime"
	"chorus/store/sqlite"
	"chorus/store/storetest"
)

// MustOpen opens a store in a fresh temporary directory.
func MustOpen(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return MustOpen(t) })
}

func TestAuditContract(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) audit.Store { return MustOpen(t) })
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddAttempt(ctx, "k", storetestNow()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(ctx, dir) // migrations must not run twice
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := db.CountAttempts(ctx, "k", storetestNow().Add(-1))
	if err != nil || n != 1 {
		t.Fatalf("after reopen CountAttempts = %d, %v; want 1", n, err)
	}
}

func storetestNow() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

func TestForumContract(t *testing.T) {
	storetest.RunForum(t, func(t *testing.T) storetest.ForumStore { return MustOpen(t) })
}

func TestRealtimeContract(t *testing.T) {
	storetest.RunRealtime(t, func(t *testing.T) realtime.Log { return MustOpen(t) })
}

func TestNotifyContract(t *testing.T) {
	storetest.RunNotify(t, func(t *testing.T) storetest.NotifyStore { return MustOpen(t) })
}

func TestSteeringContract(t *testing.T) {
	storetest.RunSteering(t, func(t *testing.T) storetest.SteeringStore { return MustOpen(t) })
}

func TestRetentionContract(t *testing.T) {
	storetest.RunRetention(t, func(t *testing.T) storetest.RetentionStore { return MustOpen(t) })
}
