package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"chorus/forum"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

// testModeration: holds, hiding and edit notes on issues and comments are
// kept, held items leave public lists and similarity candidates, and the
// queue lists them by forum.
func testModeration(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	shown := newIssue("f1", "Shown", now)
	held := newIssue("f1", "Held for the lead", now.Add(time.Minute))
	held.Held, held.HeldAt = forum.HoldSafeguarding, now.Add(time.Minute)
	held.OnBehalf = true
	other := newIssue("f2", "Held elsewhere", now)
	other.Held, other.HeldAt = forum.HoldReports, now
	for _, i := range []*forum.Issue{shown, held, other} {
		must(t, s.CreateIssue(ctx, i))
	}
	got, err := s.FindIssue(ctx, held.ID)
	must(t, err)
	if got.Held != forum.HoldSafeguarding || !got.OnBehalf || got.Hidden != "" {
		t.Fatalf("FindIssue = %+v", got)
	}
	sameTime(t, "HeldAt", got.HeldAt, now.Add(time.Minute))
	public, n, err := s.ListIssues(ctx, forum.IssueFilter{ForumID: "f1", Limit: 10})
	must(t, err)
	if n != 1 || public[0].ID != shown.ID {
		t.Fatalf("public list = %d %+v; want only the shown issue", n, public)
	}
	all, n, err := s.ListIssues(ctx, forum.IssueFilter{ForumID: "f1", Limit: 10, Held: true})
	must(t, err)
	if n != 2 || all[0].Held != forum.HoldSafeguarding {
		t.Fatalf("facilitators' list = %d %+v", n, all)
	}
	cands, err := s.IssueCandidates(ctx, "f1")
	must(t, err)
	if len(cands) != 1 || cands[0].ID != shown.ID {
		t.Fatalf("IssueCandidates = %+v; held issues must not be suggested", cands)
	}
	heldList, err := s.ListHeldIssues(ctx, "f1")
	must(t, err)
	if len(heldList) != 1 || heldList[0].ID != held.ID {
		t.Fatalf("ListHeldIssues = %+v", heldList)
	}

	// Release and hide: a zero hold time is kept as zero.
	got.Held, got.HeldAt, got.Hidden, got.EditNote = "", time.Time{}, "Shares a child's name", "identifying details removed"
	got.Title, got.Body, got.Themes = "Edited title", "Edited body", []string{"Schools"}
	must(t, s.UpdateIssue(ctx, got))
	again, err := s.FindIssue(ctx, held.ID)
	must(t, err)
	if again.Held != "" || !again.HeldAt.IsZero() || again.Hidden != "Shares a child's name" || again.EditNote != "identifying details removed" ||
		again.Title != "Edited title" || again.Body != "Edited body" || !slices.Equal(again.Themes, []string{"Schools"}) || again.Status != forum.StatusOpen {
		t.Fatalf("after UpdateIssue: %+v", again)
	}
	if _, n, _ = s.ListIssues(ctx, forum.IssueFilter{ForumID: "f1", Limit: 10}); n != 2 {
		t.Fatalf("a released (if hidden) issue is listed again: %d", n)
	}
	if cands, _ = s.IssueCandidates(ctx, "f1"); len(cands) != 1 {
		t.Fatalf("a hidden issue must not be suggested: %+v", cands)
	}
	wantErr(t, s.UpdateIssue(ctx, &forum.Issue{ID: "nope"}), fault.ErrNotFound)

	// Comments: held ones are listed by forum, and their count leaves lists.
	c1 := &forum.Comment{ID: secret.NewID(), IssueID: shown.ID, ForumID: "f1", AuthorID: "u1", AuthorName: "Amina", Body: "fine", CreatedAt: now}
	c2 := &forum.Comment{ID: secret.NewID(), IssueID: shown.ID, ForumID: "f1", AuthorID: "u2", AuthorName: "Bea", Body: "worrying", CreatedAt: now.Add(time.Second)}
	c2.Held, c2.HeldAt = forum.HoldSafeguarding, now
	must(t, s.AddComment(ctx, c1))
	must(t, s.AddComment(ctx, c2))
	hc, err := s.ListHeldComments(ctx, "f1")
	must(t, err)
	if len(hc) != 1 || hc[0].ID != c2.ID || hc[0].ForumID != "f1" || hc[0].Held != forum.HoldSafeguarding {
		t.Fatalf("ListHeldComments = %+v", hc)
	}
	if none, _ := s.ListHeldComments(ctx, "f2"); len(none) != 0 {
		t.Fatalf("another forum's held comments: %+v", none)
	}
	list, _, err := s.ListIssues(ctx, forum.IssueFilter{ForumID: "f1", Limit: 10})
	must(t, err)
	for _, sum := range list {
		if sum.ID == shown.ID && sum.Comments != 1 {
			t.Fatalf("comment count %d; a held comment is not counted", sum.Comments)
		}
	}
	c2.Held, c2.HeldAt, c2.Hidden = "", time.Time{}, "Unkind"
	must(t, s.UpdateComment(ctx, c2))
	back, err := s.FindComment(ctx, c2.ID)
	must(t, err)
	if back.Held != "" || !back.HeldAt.IsZero() || back.Hidden != "Unkind" || back.Body != "worrying" || !back.EditedAt.IsZero() {
		t.Fatalf("after UpdateComment: %+v", back)
	}
	if hc, _ = s.ListHeldComments(ctx, "f1"); len(hc) != 0 {
		t.Fatalf("released comment still held: %+v", hc)
	}

	// Events carry the other issue of a merge; ListEventsOf picks by kind.
	must(t, s.AddEvent(ctx, &forum.Event{IssueID: shown.ID, Seq: 1, Kind: forum.EventStatus, Status: forum.StatusMerged, Actor: forum.ActorFacilitator, Ref: held.ID, At: now}))
	must(t, s.AddEvent(ctx, &forum.Event{IssueID: shown.ID, Seq: 2, Kind: forum.EventQuestion, Actor: forum.ActorFacilitator, Note: "When?", Private: true, At: now}))
	must(t, s.AddEvent(ctx, &forum.Event{IssueID: held.ID, Seq: 1, Kind: forum.EventResponse, Actor: forum.ActorFacilitator, Note: "We hear you", At: now}))
	must(t, s.AddEvent(ctx, &forum.Event{IssueID: other.ID, Seq: 1, Kind: forum.EventResponse, Actor: forum.ActorFacilitator, At: now}))
	evs, err := s.ListEvents(ctx, shown.ID)
	must(t, err)
	if len(evs) != 2 || evs[0].Ref != held.ID || evs[1].Ref != "" {
		t.Fatalf("ListEvents = %+v", evs)
	}
	picked, err := s.ListEventsOf(ctx, []string{shown.ID, held.ID}, []forum.EventKind{forum.EventQuestion, forum.EventResponse})
	must(t, err)
	if len(picked) != 2 {
		t.Fatalf("ListEventsOf = %+v", picked)
	}
	kinds := []forum.EventKind{picked[0].Kind, picked[1].Kind}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []forum.EventKind{forum.EventQuestion, forum.EventResponse}) {
		t.Fatalf("ListEventsOf kinds = %v", kinds)
	}
	if none, err := s.ListEventsOf(ctx, nil, []forum.EventKind{forum.EventResponse}); err != nil || len(none) != 0 {
		t.Fatalf("ListEventsOf(no issues) = %v, %v", none, err)
	}

	// Notifications keep their reason.
	must(t, s.AddNotification(ctx, &forum.Notification{ID: secret.NewID(), UserID: "u2", IssueID: shown.ID, Title: "Shown", Kind: forum.NoticeHidden, Note: "Unkind", At: now}))
	ns, err := s.ListNotifications(ctx, "u2", 5)
	must(t, err)
	if len(ns) != 1 || ns[0].Kind != forum.NoticeHidden || ns[0].Note != "Unkind" {
		t.Fatalf("ListNotifications = %+v", ns)
	}
}

// testModerationSettings: a forum's moderation settings round-trip.
func testModerationSettings(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	f := newForum("Settings")
	f.PreModerateAnonymous, f.ReportThreshold, f.SafeguardingDeputyID, f.EscalateHours = true, 5, "u8", 12
	f.RiskTerms = []string{"runaway", "ভয়"}
	must(t, s.CreateForum(ctx, f))
	got, err := s.FindForum(ctx, f.ID)
	must(t, err)
	if !got.PreModerateAnonymous || got.ReportThreshold != 5 || got.SafeguardingDeputyID != "u8" || got.EscalateHours != 12 ||
		!slices.Equal(got.RiskTerms, f.RiskTerms) {
		t.Fatalf("FindForum = %+v", got)
	}
	got.PreModerateAnonymous, got.ReportThreshold, got.SafeguardingDeputyID, got.EscalateHours, got.RiskTerms = false, 2, "", 48, nil
	must(t, s.UpdateForum(ctx, got))
	got, err = s.FindForum(ctx, f.ID)
	must(t, err)
	if got.PreModerateAnonymous || got.ReportThreshold != 2 || got.SafeguardingDeputyID != "" || got.EscalateHours != 48 || len(got.RiskTerms) != 0 {
		t.Fatalf("after UpdateForum = %+v", got)
	}
}

// testVersions: earlier texts of issues (with titles) and comments share one
// numbering per item; concurrent keepers never overwrite each other.
func testVersions(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.AddVersion(ctx, &forum.Version{ItemID: "i1", Seq: 1, Title: "First title", Body: "first body", At: now}))
	must(t, s.AddVersion(ctx, &forum.Version{ItemID: "c1", Seq: 1, Body: "comment", At: now}))
	vs, err := s.ListVersions(ctx, "i1")
	must(t, err)
	if len(vs) != 1 || vs[0].Title != "First title" || vs[0].Body != "first body" {
		t.Fatalf("ListVersions = %+v", vs)
	}
	sameTime(t, "At", vs[0].At, now)
	// Eight keepers race from seq 2, each retrying on a taken seq.
	race(t, 8, func(i int) error {
		for seq := int64(2); seq < 20; seq++ {
			err := s.AddVersion(ctx, &forum.Version{ItemID: "i1", Seq: seq, Body: fmt.Sprintf("text %d", i), At: now})
			if !errors.Is(err, fault.ErrConflict) {
				return err
			}
		}
		return errors.New("no free seq")
	})
	vs, err = s.ListVersions(ctx, "i1")
	must(t, err)
	if len(vs) != 9 {
		t.Fatalf("%d versions; want 9", len(vs))
	}
	for i, v := range vs {
		if v.Seq != int64(i+1) {
			t.Fatalf("versions out of order: %+v", vs)
		}
	}
}

// testMergeParts: what a merge is made of — supports listed and copied
// under the unique key, so a supporter of both issues counts once.
func testMergeParts(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	for _, k := range []string{"u:a", "u:b", "d:c"} {
		must(t, s.AddSupport(ctx, &forum.Support{IssueID: "from", Key: k, At: now}))
	}
	for _, k := range []string{"u:b", "u:d"} {
		must(t, s.AddSupport(ctx, &forum.Support{IssueID: "into", Key: k, At: now}))
	}
	sups, err := s.ListSupports(ctx, "from")
	must(t, err)
	if len(sups) != 3 {
		t.Fatalf("ListSupports = %+v", sups)
	}
	race(t, 3, func(int) error { // the merge's copy, done three times at once
		for _, sup := range sups {
			err := s.AddSupport(ctx, &forum.Support{IssueID: "into", Key: sup.Key, At: sup.At})
			if err != nil && !errors.Is(err, fault.ErrConflict) {
				return err
			}
		}
		return nil
	})
	n, err := s.CountSupports(ctx, "into")
	must(t, err)
	if n != 4 {
		t.Fatalf("supports after merge = %d; want 4 (a, b, c, d)", n)
	}
}
