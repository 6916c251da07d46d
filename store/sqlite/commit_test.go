package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"chorus/forum"
	"chorus/internal/fault"
)

// heldCommitter opens a store whose committer stops before its first batch
// until release is called, so that a test can line writes up behind it;
// held is closed once it stopped.
func heldCommitter(t *testing.T) (d *DB, held <-chan struct{}, release func()) {
	t.Helper()
	d, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	gate, stopped := make(chan struct{}), make(chan struct{})
	var once sync.Once
	d.commit.hold = func() { once.Do(func() { close(stopped); <-gate }) }
	return d, stopped, func() { close(gate) }
}

// queued waits until n writes wait in the committer's queue.
func queued(t *testing.T, d *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(d.commit.reqs) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", len(d.commit.reqs), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommitBatches: writes that arrive while a commit is under way
// go together in the next transaction; a duplicate among them fails alone
// and the count stays exact.
func TestGroupCommitBatches(t *testing.T) {
	d, held, release := heldCommitter(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	add := func(key string) error {
		return d.AddSupport(ctx, &forum.Support{IssueID: "i1", Key: key, At: now})
	}
	errs := make(chan error, 64)
	go func() { errs <- add("d:first") }()
	<-held // the first is taken alone and held
	for i := range 63 {
		key := fmt.Sprintf("d:%d", i)
		if i%8 == 7 {
			key = fmt.Sprintf("d:%d", i-1) // seven supports sent twice
		}
		go func() { errs <- add(key) }()
	}
	queued(t, d, 63)
	release()
	conflicts := 0
	for range 64 {
		if err := <-errs; errors.Is(err, fault.ErrConflict) {
			conflicts++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if conflicts != 7 {
		t.Errorf("%d conflicts, want 7", conflicts)
	}
	if n, err := d.CountSupports(ctx, "i1"); err != nil || n != 57 {
		t.Errorf("CountSupports = %d, %v; want 57", n, err)
	}
	if c, w := d.commit.commits.Load(), d.commit.writes.Load(); c != 2 || w != 64 {
		t.Errorf("%d commits carried %d writes; want 2 and 64", c, w)
	}
}

// TestGroupCommitBrokenBatchAcknowledgesNothing: when one write leaves the
// transaction in doubt, no write of its batch is acknowledged or kept.
func TestGroupCommitBrokenBatchAcknowledgesNothing(t *testing.T) {
	d, held, release := heldCommitter(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	errs, heldErr := make(chan error, 3), make(chan error, 1)
	go func() { heldErr <- d.AddSupport(ctx, &forum.Support{IssueID: "i1", Key: "d:held", At: now}) }()
	<-held
	go func() { errs <- d.AddSupport(ctx, &forum.Support{IssueID: "i1", Key: "d:a", At: now}) }()
	queued(t, d, 1)
	go func() {
		errs <- d.write(ctx, func(ctx context.Context, tx *batchTx) error {
			_, err := tx.exec(ctx, `ROLLBACK`) // ends the batch's transaction under it
			return err
		})
	}()
	queued(t, d, 2)
	go func() { errs <- d.AddSupport(ctx, &forum.Support{IssueID: "i1", Key: "d:b", At: now}) }()
	queued(t, d, 3)
	release()
	if err := <-heldErr; err != nil { // the held one, alone in its batch
		t.Fatal(err)
	}
	for range 3 {
		if err := <-errs; err == nil {
			t.Error("a write of the broken batch was acknowledged")
		}
	}
	if n, err := d.CountSupports(ctx, "i1"); err != nil || n != 1 {
		t.Errorf("CountSupports = %d, %v; want 1", n, err)
	}
	// The committer carries on.
	if err := d.AddSupport(ctx, &forum.Support{IssueID: "i1", Key: "d:after", At: now}); err != nil {
		t.Fatal(err)
	}
}

// TestGroupCommitCallerGaveUp: a write whose caller's context ended before
// its turn is not run.
func TestGroupCommitCallerGaveUp(t *testing.T) {
	d, held, release := heldCommitter(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	errs := make(chan error, 2)
	go func() { errs <- d.AddSupport(ctx, &forum.Support{IssueID: "i1", Key: "d:held", At: now}) }()
	<-held
	gone, cancel := context.WithCancel(ctx)
	go func() { errs <- d.AddSupport(gone, &forum.Support{IssueID: "i1", Key: "d:gone", At: now}) }()
	queued(t, d, 1)
	cancel()
	release()
	for range 2 {
		if err := <-errs; err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	}
	if ok, err := d.HasSupport(ctx, "i1", "d:gone"); err != nil || ok {
		t.Errorf("HasSupport(d:gone) = %v, %v; want false", ok, err)
	}
}

// TestGroupCommitClosed: after Close a write is refused as unavailable.
func TestGroupCommitClosed(t *testing.T) {
	d, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	err = d.AddSupport(context.Background(), &forum.Support{IssueID: "i1", Key: "d:late", At: time.Now()})
	if !errors.Is(err, fault.ErrUnavailable) {
		t.Fatalf("AddSupport after Close: %v, want ErrUnavailable", err)
	}
}
