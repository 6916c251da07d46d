package sqlite

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"chorus/forum"
	"chorus/internal/fault"
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

// TestFindIssueAccess: the one-query read of an issue, its forum and a
// membership returns what the three separate reads return.
func TestFindIssueAccess(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	now := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	f := &forum.Forum{ID: "f1", OrgID: "o1", Name: "Rutland", Languages: []string{"en", "pl"}, Themes: []string{"Schools"},
		RiskTerms: []string{"hurt"}, ResponseTargetDays: 21, VisitorSupport: true, CreatedAt: now}
	iss := &forum.Issue{ID: "i1", ForumID: "f1", Title: "Waiting lists", Body: "Nobody told us.", Lang: "en", AuthorID: "u1",
		AuthorName: "Kasia", Themes: []string{"Schools"}, CreatedAt: now, Status: forum.StatusOpen}
	if err := d.CreateForum(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := d.CreateIssue(ctx, iss); err != nil {
		t.Fatal(err)
	}
	if err := d.AddMember(ctx, &forum.Member{ForumID: "f1", UserID: "u1", DisplayName: "Kasia", Role: forum.RoleFacilitator, JoinedAt: now}); err != nil {
		t.Fatal(err)
	}
	wantIssue, _ := d.FindIssue(ctx, "i1")
	wantForum, _ := d.FindForum(ctx, "f1")
	wantMember, _ := d.FindMember(ctx, "f1", "u1")
	for _, uid := range []string{"u1", "u2", ""} {
		gi, gf, gm, err := d.FindIssueAccess(ctx, "i1", uid)
		if err != nil {
			t.Fatal(uid, err)
		}
		if !reflect.DeepEqual(gi, wantIssue) || !reflect.DeepEqual(gf, wantForum) {
			t.Errorf("user %q: issue %+v forum %+v; want %+v %+v", uid, gi, gf, wantIssue, wantForum)
		}
		if uid == "u1" && !reflect.DeepEqual(gm, wantMember) {
			t.Errorf("member %+v, want %+v", gm, wantMember)
		}
		if uid != "u1" && gm != nil {
			t.Errorf("user %q: member %+v, want none", uid, gm)
		}
	}
	if _, _, _, err := d.FindIssueAccess(ctx, "nope", "u1"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("missing issue: %v, want ErrNotFound", err)
	}
}
