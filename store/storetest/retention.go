package storetest

import (
	"context"
	"testing"
	"time"

	"chorus/audit"
	"chorus/forum"
	"chorus/internal/secret"
)

// RetentionStore is what an adapter implements for the retention periods.
type RetentionStore interface {
	forum.Store
	forum.RetentionStore
	audit.Store
	DeleteReadNotifications(ctx context.Context, before time.Time) (int, error)
	DeleteAuditBefore(ctx context.Context, before time.Time) (int, error)
}

// RetentionOpener returns a new, empty store for one test.
type RetentionOpener func(t *testing.T) RetentionStore

// RunRetention runs the retention contract against stores made by open.
func RunRetention(t *testing.T, open RetentionOpener) {
	t.Run("FollowUps", func(t *testing.T) { testRetainFollowUps(t, open) })
	t.Run("Notifications", func(t *testing.T) { testRetainNotifications(t, open) })
	t.Run("Audit", func(t *testing.T) { testRetainAudit(t, open) })
}

func testRetainFollowUps(t *testing.T, open RetentionOpener) {
	s, ctx := open(t), ctxFor(t)
	f := newForum("Retention")
	must(t, s.CreateForum(ctx, f))
	closed, open2 := newIssue(f.ID, "Closed", now), newIssue(f.ID, "Open", now)
	closed.Anonymous, open2.Anonymous = true, true
	closed.Status = forum.StatusResolved
	must(t, s.CreateIssue(ctx, closed))
	must(t, s.CreateIssue(ctx, open2))
	for i, iss := range []*forum.Issue{closed, open2} {
		must(t, s.AddFollowUp(ctx, &forum.FollowUp{Selector: []string{"ACDEFGHJ", "KMNPQRTV"}[i], SecretHash: "$argon2id$x", IssueID: iss.ID, CreatedAt: now}))
		for seq, ev := range []*forum.Event{
			{Kind: forum.EventQuestion, Actor: forum.ActorFacilitator, Note: "Which school?", Private: true},
			{Kind: forum.EventAnswer, Actor: forum.ActorSubmitter, Note: "Hill Top", Private: true},
			{Kind: forum.EventResponse, Actor: forum.ActorFacilitator, Note: "We raised it"},
		} {
			ev.IssueID, ev.Seq, ev.At = iss.ID, int64(seq+1), now
			must(t, s.AddEvent(ctx, ev))
		}
	}
	ids, err := s.ClosedFollowUpIssues(ctx, forum.ClosedStatuses())
	must(t, err)
	if len(ids) != 1 || ids[0] != closed.ID {
		t.Fatalf("ClosedFollowUpIssues = %v; want [%s]", ids, closed.ID)
	}
	codes, texts, err := s.ExpireFollowUps(ctx, closed.ID, forum.FollowUpPrivateKinds)
	must(t, err)
	if codes != 1 || texts != 2 {
		t.Fatalf("ExpireFollowUps = %d codes, %d texts; want 1, 2", codes, texts)
	}
	fu, err := s.FindFollowUp(ctx, "ACDEFGHJ")
	must(t, err)
	if fu.SecretHash != "" || fu.IssueID != "" {
		t.Fatalf("expired follow-up = %+v; want the selector only", fu)
	}
	evs, err := s.ListEvents(ctx, closed.ID)
	must(t, err)
	if len(evs) != 3 || evs[0].Note != "" || evs[1].Note != "" || evs[2].Note != "We raised it" {
		t.Fatalf("events after expiry: %+v", evs)
	}
	if _, err := s.FindIssue(ctx, closed.ID); err != nil {
		t.Fatalf("the issue must stay: %v", err)
	}
	// Again: nothing more; the other issue untouched.
	codes, texts, err = s.ExpireFollowUps(ctx, closed.ID, forum.FollowUpPrivateKinds)
	must(t, err)
	if codes != 0 || texts != 0 {
		t.Fatalf("second ExpireFollowUps = %d, %d; want 0, 0", codes, texts)
	}
	if ids, err = s.ClosedFollowUpIssues(ctx, forum.ClosedStatuses()); err != nil || len(ids) != 0 {
		t.Fatalf("ClosedFollowUpIssues after expiry = %v, %v", ids, err)
	}
	other, err := s.FindFollowUp(ctx, "KMNPQRTV")
	must(t, err)
	evs, err = s.ListEvents(ctx, open2.ID)
	must(t, err)
	if other.SecretHash == "" || evs[0].Note == "" || evs[1].Note == "" {
		t.Fatal("an open issue's code and thread must stay")
	}
}

func testRetainNotifications(t *testing.T, open RetentionOpener) {
	s, ctx := open(t), ctxFor(t)
	old, recent := now.AddDate(0, 0, -200), now.AddDate(0, 0, -10)
	add := func(at time.Time, read bool) string {
		n := &forum.Notification{ID: secret.NewID(), UserID: "u1", IssueID: "i1", Title: "T", Kind: forum.NoticeStatus, At: at, Read: read}
		must(t, s.AddNotification(ctx, n))
		return n.ID
	}
	add(old, true)
	keepUnread := add(old, false)
	keepRecent := add(recent, true)
	n, err := s.DeleteReadNotifications(ctx, now.AddDate(0, 0, -180))
	must(t, err)
	if n != 1 {
		t.Fatalf("DeleteReadNotifications = %d; want 1", n)
	}
	list, err := s.ListNotifications(ctx, "u1", 10)
	must(t, err)
	var got []string
	for _, x := range list {
		got = append(got, x.ID)
	}
	if len(got) != 2 || !(got[0] == keepRecent && got[1] == keepUnread) {
		t.Fatalf("left %v; want [%s %s]", got, keepRecent, keepUnread)
	}
}

func testRetainAudit(t *testing.T, open RetentionOpener) {
	s, ctx := open(t), ctxFor(t)
	for _, at := range []time.Time{now.AddDate(-3, 0, 0), now.AddDate(-2, 0, 0), now} {
		must(t, s.AppendEntry(ctx, &audit.Entry{ID: secret.NewID(), At: at, Action: "test.entry", Subject: "issue:1"}))
	}
	n, err := s.DeleteAuditBefore(ctx, now.AddDate(-1, 0, 0))
	must(t, err)
	if n != 2 {
		t.Fatalf("DeleteAuditBefore = %d; want 2", n)
	}
	left, err := s.ListEntries(ctx, audit.Filter{})
	must(t, err)
	if len(left) != 1 || !left[0].At.Equal(now.Truncate(time.Millisecond)) && !left[0].At.Equal(now) {
		t.Fatalf("left %d entries", len(left))
	}
	must(t, s.AppendEntry(ctx, &audit.Entry{ID: secret.NewID(), At: now, Action: "test.after"}))
	after, err := s.ListEntries(ctx, audit.Filter{})
	must(t, err)
	if len(after) != 2 || after[0].Seq <= after[1].Seq {
		t.Fatal("entries after a removal must keep counting up")
	}
}
