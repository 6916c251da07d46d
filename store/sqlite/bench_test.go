package sqlite

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"chorus/forum"
)

// Micro-benchmarks of the embedded store's hot paths; they run only with -bench:
//
//	go test -run '^$' -bench . -count 6 ./store/sqlite | tee new.txt && benchstat old.txt new.txt

// benchDB opens a store holding one issue with n supports, inserted in one
// transaction so that setting up a large count stays quick.
func benchDB(b *testing.B, n int) *DB {
	b.Helper()
	ctx := context.Background()
	d, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if _, err := tx.ExecContext(ctx, `INSERT INTO supports (issue_id, key, at) VALUES (?, ?, ?)`, "i1", fmt.Sprintf("d:%d", i), int64(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkCountSupports is the live count read after every support.
func BenchmarkCountSupports(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("supports=%d", n), func(b *testing.B) {
			d := benchDB(b, n)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				got, err := d.CountSupports(ctx, "i1")
				if err != nil || got != n {
					b.Fatalf("CountSupports = %d, %v; want %d", got, err, n)
				}
			}
		})
	}
}

// BenchmarkAddSupport is one durable support (its own transaction and
// fsync) on an issue that already has 1,000.
func BenchmarkAddSupport(b *testing.B) {
	d := benchDB(b, 1000)
	ctx := context.Background()
	var k atomic.Int64
	b.ReportAllocs()
	for b.Loop() {
		if err := d.AddSupport(ctx, &forum.Support{IssueID: "i1", Key: fmt.Sprintf("u:%d", k.Add(1)), At: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIssueAccess is what every live subscribe and every support reads
// first (forum.Service.access): the issue, its forum, the viewer's
// membership and the issue's history of five events.
func BenchmarkIssueAccess(b *testing.B) {
	d := benchDB(b, 0)
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	f := &forum.Forum{ID: "f1", OrgID: "o1", Name: "Rutland Parent Carer Voice", Area: "Rutland", Languages: []string{"en"},
		OpenJoin: true, VisitorSupport: true, ResponseTargetDays: 21, Themes: []string{"Schools"}, CreatedAt: now}
	iss := &forum.Issue{ID: "i1", ForumID: "f1", Title: "Waiting lists for assessments", Body: "Nobody has told us.", Lang: "en",
		AuthorID: "u1", AuthorName: "Kasia", Themes: []string{"Schools"}, CreatedAt: now, Status: forum.StatusOpen}
	if err := d.CreateForum(ctx, f); err != nil {
		b.Fatal(err)
	}
	if err := d.CreateIssue(ctx, iss); err != nil {
		b.Fatal(err)
	}
	if err := d.AddMember(ctx, &forum.Member{ForumID: "f1", UserID: "u1", DisplayName: "Kasia", Role: forum.RoleMember, JoinedAt: now}); err != nil {
		b.Fatal(err)
	}
	for seq := int64(1); seq <= 5; seq++ {
		if err := d.AddEvent(ctx, &forum.Event{IssueID: "i1", Seq: seq, Kind: forum.EventDetail, Note: "detail", At: now}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("queries=4", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.FindIssue(ctx, "i1"); err != nil {
				b.Fatal(err)
			}
			if _, err := d.FindForum(ctx, "f1"); err != nil {
				b.Fatal(err)
			}
			if _, err := d.FindMember(ctx, "f1", "u1"); err != nil {
				b.Fatal(err)
			}
			if events, err := d.ListEvents(ctx, "i1"); err != nil || len(events) != 5 {
				b.Fatalf("ListEvents: %d, %v", len(events), err)
			}
		}
	})
	// What forum.Service.access runs on this store: FindIssueAccess, then
	// the history.
	b.Run("queries=2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, m, err := d.FindIssueAccess(ctx, "i1", "u1"); err != nil || m == nil {
				b.Fatal(m, err)
			}
			if events, err := d.ListEvents(ctx, "i1"); err != nil || len(events) != 5 {
				b.Fatalf("ListEvents: %d, %v", len(events), err)
			}
		}
	})
}
