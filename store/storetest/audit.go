package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"chorus/audit"
	"chorus/internal/secret"
)

// AuditOpener returns a new, empty audit store for one test.
type AuditOpener func(t *testing.T) audit.Store

// RunAudit runs the audit trail's contract against stores made by open:
// every field kept, every filter, paging, redaction for erasure, and no
// entry lost among concurrent writers.
func RunAudit(t *testing.T, open AuditOpener) {
	t.Run("AppendList", func(t *testing.T) { testAuditAppendList(t, open) })
	t.Run("RoundTrip", func(t *testing.T) { testAuditRoundTrip(t, open) })
	t.Run("Filters", func(t *testing.T) { testAuditFilters(t, open) })
	t.Run("Redact", func(t *testing.T) { testAuditRedact(t, open) })
	t.Run("ConcurrentAppendsAllKept", func(t *testing.T) { testAuditConcurrent(t, open) })
}

// subjectsOf lists the entries' subjects, in order.
func subjectsOf(es []*audit.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Subject
	}
	return out
}

func testAuditAppendList(t *testing.T, open AuditOpener) {
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
		t.Fatalf("ListEntries not newest first: %v", subjectsOf(all))
	}
	if all[0].Seq <= all[1].Seq {
		t.Fatalf("Seq not increasing: %d then %d", all[1].Seq, all[0].Seq)
	}
	scoped, err := s.ListEntries(ctx, audit.Filter{Scope: "organisation:a"})
	must(t, err)
	if len(scoped) != 2 {
		t.Fatalf("scope filter gave %d entries; want 2", len(scoped))
	}
	page, err := s.ListEntries(ctx, audit.Filter{Before: all[1].Seq, Limit: 1})
	must(t, err)
	if len(page) != 1 || page[0].Subject != all[2].Subject {
		t.Fatalf("paging gave %v; want %s", subjectsOf(page), all[2].Subject)
	}
}

// testAuditRoundTrip: every field comes back as it went in, content with
// several lines and characters that need care in SQL, JSON and CSV included.
func testAuditRoundTrip(t *testing.T, open AuditOpener) {
	s, ctx := open(t), ctxFor(t)
	in := audit.Entry{
		ID: secret.NewID(), At: now, ActorID: "user-1", Action: "moderation.edit", Subject: "comment:c1",
		Scope: "organisation:o1", Detail: "version 2", Forum: "forum-1", Reason: "identifying details removed",
		Before: "Our son Sam (NHS 943 476 5919) goes to\nOakfield School; \"quotes\", 'single', =1+1, $x.y, دراز",
		After:  "Our son [removed] goes to\n[removed]; \"quotes\", 'single', =1+1, $x.y, دراز",
	}
	e := in
	must(t, s.AppendEntry(ctx, &e))
	got, err := s.ListEntries(ctx, audit.Filter{})
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("%d entries; want 1", len(got))
	}
	sameTime(t, "At", got[0].At, in.At)
	want := in
	want.Seq, want.At = e.Seq, got[0].At
	if *got[0] != want {
		t.Fatalf("entry came back as\n%+v\nwant\n%+v", *got[0], want)
	}
}

// testAuditFilters: each filter alone, then together, then with paging.
func testAuditFilters(t *testing.T, open AuditOpener) {
	s, ctx := open(t), ctxFor(t)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
	entries := []audit.Entry{ // subject names the entry in the assertions
		{Subject: "x:1", Action: "moderation.hide", ActorID: "fac", Forum: "f1", Scope: "organisation:a", At: day(1)},
		{Subject: "x:2", Action: "moderation.edit", ActorID: "fac", Forum: "f1", Scope: "organisation:a", At: day(2)},
		{Subject: "x:3", Action: "issue.status", ActorID: "lead", Forum: "f1", Scope: "organisation:a", At: day(3)},
		{Subject: "x:4", Action: "moderation.hide", ActorID: "fac", Forum: "f2", Scope: "organisation:b", At: day(4)},
		{Subject: "x:5", Action: "moderationx.other", ActorID: "admin", Scope: "", At: day(5)},
		{Subject: "x:6", Action: "user.disable", ActorID: "", At: day(6)},
		{Subject: "x:7", Action: "issue.status", ActorID: "fac", Forum: "f1", Scope: "organisation:a", At: day(7)},
	}
	for i := range entries {
		e := entries[i]
		e.ID = secret.NewID()
		must(t, s.AppendEntry(ctx, &e))
	}
	cases := []struct {
		name string
		f    audit.Filter
		want []string
	}{
		{"All", audit.Filter{}, []string{"x:7", "x:6", "x:5", "x:4", "x:3", "x:2", "x:1"}},
		{"Forum", audit.Filter{Forum: "f1"}, []string{"x:7", "x:3", "x:2", "x:1"}},
		{"ForumNone", audit.Filter{Forum: "f9"}, nil},
		{"Actor", audit.Filter{ActorID: "fac"}, []string{"x:7", "x:4", "x:2", "x:1"}},
		{"ActionPrefix", audit.Filter{Action: "moderation."}, []string{"x:4", "x:2", "x:1"}},
		{"ActionWhole", audit.Filter{Action: "moderation.hide"}, []string{"x:4", "x:1"}},
		{"ActionNotPattern", audit.Filter{Action: "moderation.*"}, nil},
		{"ActionNotWildcard", audit.Filter{Action: "moderation%"}, nil},
		{"ActionCaseMatters", audit.Filter{Action: "Issue."}, nil},
		{"From", audit.Filter{From: day(6)}, []string{"x:7", "x:6"}},
		{"FromIncludes", audit.Filter{From: day(6).Add(-time.Millisecond)}, []string{"x:7", "x:6"}},
		{"ToExcludes", audit.Filter{To: day(2)}, []string{"x:1"}},
		{"Range", audit.Filter{From: day(2), To: day(4)}, []string{"x:3", "x:2"}},
		{"Subject", audit.Filter{Subject: "x:5"}, []string{"x:5"}},
		{"Scope", audit.Filter{Scope: "organisation:b"}, []string{"x:4"}},
		{"Together", audit.Filter{Forum: "f1", ActorID: "fac", Action: "moderation.", From: day(2)}, []string{"x:2"}},
		{"ForumAndAction", audit.Filter{Forum: "f1", Action: "issue."}, []string{"x:7", "x:3"}},
		{"Limit", audit.Filter{Forum: "f1", Limit: 2}, []string{"x:7", "x:3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.ListEntries(ctx, c.f)
			must(t, err)
			if fmt.Sprint(subjectsOf(got)) != fmt.Sprint(c.want) {
				t.Fatalf("%+v gave %v; want %v", c.f, subjectsOf(got), c.want)
			}
		})
	}
	t.Run("PagingWithFilter", func(t *testing.T) {
		f := audit.Filter{Forum: "f1", Limit: 2}
		var seen []string
		for range 10 {
			page, err := s.ListEntries(ctx, f)
			must(t, err)
			if len(page) == 0 {
				break
			}
			seen = append(seen, subjectsOf(page)...)
			f.Before = page[len(page)-1].Seq
		}
		if want := "[x:7 x:3 x:2 x:1]"; fmt.Sprint(seen) != want {
			t.Fatalf("pages gave %v; want %s", seen, want)
		}
	})
}

// testAuditRedact: erasing a subject's content empties Before and After of
// its entries and of no others; the entries and their other fields stay.
func testAuditRedact(t *testing.T, open AuditOpener) {
	s, ctx := open(t), ctxFor(t)
	add := func(subject, before, after string) *audit.Entry {
		e := &audit.Entry{ID: secret.NewID(), At: now, ActorID: "fac", Action: "moderation.edit", Subject: subject,
			Forum: "f1", Reason: "names removed", Detail: "v2", Before: before, After: after}
		must(t, s.AppendEntry(ctx, e))
		return e
	}
	a1 := add("comment:a", "Sam's school is Oakfield", "[removed] school")
	a2 := add("comment:a", "[removed] school", "")
	b := add("comment:ab", "kept before", "kept after") // a longer subject with the same start
	must(t, s.RedactContent(ctx, "comment:a"))
	all, err := s.ListEntries(ctx, audit.Filter{})
	must(t, err)
	if len(all) != 3 {
		t.Fatalf("%d entries after redaction; want all 3 kept", len(all))
	}
	bySeq := map[int64]*audit.Entry{}
	for _, e := range all {
		bySeq[e.Seq] = e
	}
	for _, want := range []*audit.Entry{a1, a2} {
		got := bySeq[want.Seq]
		if got == nil {
			t.Fatalf("entry %d gone after redaction", want.Seq)
		}
		if got.Before != "" || got.After != "" {
			t.Fatalf("entry %d still holds content: %q / %q", got.Seq, got.Before, got.After)
		}
		if got.ID != want.ID || got.ActorID != "fac" || got.Action != "moderation.edit" || got.Subject != "comment:a" ||
			got.Forum != "f1" || got.Reason != "names removed" || got.Detail != "v2" {
			t.Fatalf("redaction changed more than the content: %+v", got)
		}
	}
	if got := bySeq[b.Seq]; got.Before != "kept before" || got.After != "kept after" {
		t.Fatalf("another subject's content changed: %+v", got)
	}
	must(t, s.RedactContent(ctx, "comment:a")) // again: nothing left to do
	must(t, s.RedactContent(ctx, "issue:none"))
	// Appending after a redaction still works and numbers on.
	e := add("comment:a", "new", "")
	if e.Seq <= b.Seq {
		t.Fatalf("seq %d after redaction; want above %d", e.Seq, b.Seq)
	}
}

// testAuditConcurrent: 50 writers at once, each appending several entries;
// none is lost and every number is distinct.
func testAuditConcurrent(t *testing.T, open AuditOpener) {
	s, ctx := open(t), ctxFor(t)
	const writers, each = 50, 2
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				e := &audit.Entry{ID: secret.NewID(), At: now, ActorID: fmt.Sprint("writer-", w), Action: "moderation.hide",
					Subject: fmt.Sprintf("issue:%d-%d", w, i), Forum: "f1", Before: "text", Reason: "test"}
				if err := s.AppendEntry(ctx, e); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	all, err := s.ListEntries(ctx, audit.Filter{Limit: 1000})
	must(t, err)
	seqs, subjects := map[int64]bool{}, map[string]bool{}
	for _, e := range all {
		seqs[e.Seq] = true
		subjects[e.Subject] = true
	}
	if n := writers * each; len(all) != n || len(seqs) != n || len(subjects) != n {
		t.Fatalf("%d entries, %d distinct seqs, %d distinct subjects; want %d of each", len(all), len(seqs), len(subjects), n)
	}
}
