package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"chorus/forum"
)

// TestSupportCountsMigration: a store from before support_counts gets its
// counts from the supports already there, then keeps them as supports come
// and go.
func TestSupportCountsMigration(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	// Back to before migration 7, holding supports the counts never saw.
	for _, q := range []string{`DROP TRIGGER supports_counted`, `DROP TRIGGER supports_uncounted`, `DROP TRIGGER supports_moved`,
		`DROP TABLE support_counts`, `DELETE FROM schema_migrations WHERE version = 7`} {
		if _, err := d.db.ExecContext(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	now := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	for i := range 5 {
		if err := d.AddSupport(ctx, &forum.Support{IssueID: "i1", Key: fmt.Sprintf("u:%d", i), At: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.AddSupport(ctx, &forum.Support{IssueID: "i2", Key: "u:0", At: now}); err != nil {
		t.Fatal(err)
	}
	d.Close()

	d, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	count := func(issueID string, want int) {
		t.Helper()
		n, err := d.CountSupports(ctx, issueID)
		if err != nil || n != want {
			t.Fatalf("CountSupports(%s) = %d, %v; want %d", issueID, n, err, want)
		}
	}
	count("i1", 5)
	count("i2", 1)
	count("i3", 0)
	if err := d.AddSupport(ctx, &forum.Support{IssueID: "i1", Key: "u:9", At: now}); err != nil {
		t.Fatal(err)
	}
	if err := d.AddSupport(ctx, &forum.Support{IssueID: "i1", Key: "u:9", At: now}); err == nil {
		t.Fatal("second support by the same key accepted")
	}
	count("i1", 6)
	if err := d.RemoveSupport(ctx, "i2", "u:0"); err != nil {
		t.Fatal(err)
	}
	count("i2", 0)
	if _, err := d.db.ExecContext(ctx, `UPDATE supports SET issue_id = 'i2' WHERE issue_id = 'i1' AND key = 'u:0'`); err != nil {
		t.Fatal(err)
	}
	count("i1", 5)
	count("i2", 1)
}
