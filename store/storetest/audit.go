package storetest

import (
	"sync"
	"testing"

	"chorus/audit"
	"chorus/internal/secret"
)

func testAudit(t *testing.T, open Opener) {
	t.Run("AppendList", func(t *testing.T) {
		s, ctx := open(t), ctxFor(t)
		for i, scope := range []string{"organisation:a", "", "organisation:a", "organisation:b"} {
			e := &audit.Entry{ID: secret.NewID(), At: now, ActorID: "u1", Action: "invitation.create", Subject: "invitation:" + string(rune('a'+i)), Scope: scope, Detail: "role org_admin"}
			must(t, s.AppendEntry(ctx, e))
			if e.Seq <= 0 {
				t.Fatalf("Seq not set: %+v", e)
			}
		}
		all, err := s.ListEntries(ctx, audit.Filter{})
		must(t, err)
		if len(all) != 4 || all[0].Subject != "invitation:d" || all[3].Subject != "invitation:a" {
			t.Fatalf("ListEntries not newest first: %+v", all)
		}
		if all[0].Seq <= all[1].Seq {
			t.Fatalf("Seq not increasing: %d then %d", all[1].Seq, all[0].Seq)
		}
		e := all[3]
		if e.ActorID != "u1" || e.Action != "invitation.create" || e.Scope != "organisation:a" || e.Detail != "role org_admin" {
			t.Fatalf("entry fields not kept: %+v", e)
		}
		sameTime(t, "At", e.At, now)

		scoped, err := s.ListEntries(ctx, audit.Filter{Scope: "organisation:a"})
		must(t, err)
		if len(scoped) != 2 {
			t.Fatalf("scope filter gave %d entries; want 2", len(scoped))
		}
		subj, err := s.ListEntries(ctx, audit.Filter{Subject: "invitation:b"})
		must(t, err)
		if len(subj) != 1 {
			t.Fatalf("subject filter gave %d entries; want 1", len(subj))
		}
		page, err := s.ListEntries(ctx, audit.Filter{Before: all[1].Seq, Limit: 1})
		must(t, err)
		if len(page) != 1 || page[0].Subject != all[2].Subject {
			t.Fatalf("paging gave %+v; want %s", page, all[2].Subject)
		}
	})
	t.Run("ConcurrentAppendsAllKept", func(t *testing.T) {
		s, ctx := open(t), ctxFor(t)
		const n = 32
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.AppendEntry(ctx, &audit.Entry{ID: secret.NewID(), At: now, Action: "user.disable", Subject: "user:x"}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		all, err := s.ListEntries(ctx, audit.Filter{Limit: 1000})
		must(t, err)
		seqs := map[int64]bool{}
		for _, e := range all {
			seqs[e.Seq] = true
		}
		if len(all) != n || len(seqs) != n {
			t.Fatalf("%d entries with %d distinct seqs; want %d of each", len(all), len(seqs), n)
		}
	})
}
