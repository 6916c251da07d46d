package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/fault"
	"chorus/internal/secret"
	"chorus/notify"
)

// NotifyStore is what an adapter implements for the notification centre and
// email: the forum and account stores it reads from, and its own records.
type NotifyStore interface {
	forum.Store
	account.Store
	notify.Store
}

// NotifyOpener returns a new, empty store for one test.
type NotifyOpener func(t *testing.T) NotifyStore

// RunNotify runs the notification and email contract against stores made by open.
func RunNotify(t *testing.T, open NotifyOpener) {
	t.Run("MarkOneRead", func(t *testing.T) { testMarkOneRead(t, open) })
	t.Run("NoticeRef", func(t *testing.T) { testNoticeRef(t, open) })
	t.Run("Language", func(t *testing.T) { testLanguage(t, open) })
	t.Run("FollowUpSeen", func(t *testing.T) { testFollowUpSeen(t, open) })
	t.Run("Preferences", func(t *testing.T) { testPreferences(t, open) })
	t.Run("Deliveries", func(t *testing.T) { testDeliveries(t, open) })
	t.Run("DeliveryRace", func(t *testing.T) { testDeliveryRace(t, open) })
	t.Run("EasyRead", func(t *testing.T) { testEasyReadPreference(t, open) })
	t.Run("Undelivered", func(t *testing.T) { testUndelivered(t, open) })
	t.Run("FindNotification", func(t *testing.T) { testFindNotification(t, open) })
	t.Run("UnreadSincePages", func(t *testing.T) { testUnreadSince(t, open) })
}

func testEasyReadPreference(t *testing.T, open NotifyOpener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.SavePreferences(ctx, &notify.Preferences{UserID: "u1", Frequency: notify.Daily, EasyRead: true, UpdatedAt: now}))
	p, err := s.FindPreferences(ctx, "u1")
	must(t, err)
	if !p.EasyRead {
		t.Fatalf("preferences = %+v; want Easy Read", p)
	}
	daily, err := s.ListPreferencesByFrequency(ctx, notify.Daily)
	must(t, err)
	if len(daily) != 1 || !daily[0].EasyRead {
		t.Fatalf("daily = %+v", daily)
	}
	must(t, s.SavePreferences(ctx, &notify.Preferences{UserID: "u1", Frequency: notify.Daily, UpdatedAt: now}))
	if p, err = s.FindPreferences(ctx, "u1"); err != nil || p.EasyRead {
		t.Fatalf("after turning it off = %+v, %v", p, err)
	}
}

// testUndelivered: every unsent email, however often tried, newest first.
func testUndelivered(t *testing.T, open NotifyOpener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.AddDelivery(ctx, &notify.Delivery{Key: "notice:a", UserID: "u1", Kind: notify.DeliverNotice, Ref: "a", At: now, Attempts: 5, Error: "refused"}))
	must(t, s.AddDelivery(ctx, &notify.Delivery{Key: "notice:b", UserID: "u1", Kind: notify.DeliverNotice, Ref: "b", At: now.Add(time.Minute), Attempts: 1}))
	must(t, s.AddDelivery(ctx, &notify.Delivery{Key: "notice:c", UserID: "u1", Kind: notify.DeliverNotice, Ref: "c", At: now.Add(2 * time.Minute), Attempts: 1, SentAt: now.Add(2 * time.Minute)}))
	must(t, s.AddDelivery(ctx, &notify.Delivery{Key: "digest:daily:u2:2026-11-22", UserID: "u2", Kind: notify.DeliverDaily, Ref: "2026-11-22", At: now.Add(3 * time.Minute)}))
	list, err := s.ListUndelivered(ctx, 10)
	must(t, err)
	if keys := deliveryKeys(list); !slices.Equal(keys, []string{"digest:daily:u2:2026-11-22", "notice:b", "notice:a"}) {
		t.Fatalf("undelivered = %v; want the digest, b, a (c is sent)", keys)
	}
	if list[2].Attempts != 5 || list[2].Error != "refused" {
		t.Fatalf("a = %+v", list[2])
	}
	list, err = s.ListUndelivered(ctx, 1)
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("limit 1 gave %d", len(list))
	}
}

func testFindNotification(t *testing.T, open NotifyOpener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.AddNotification(ctx, &forum.Notification{ID: "n1", UserID: "u1", IssueID: "i1", Title: "T", Kind: forum.NoticeInvitation, Ref: "sealed", At: now}))
	n, err := s.FindNotification(ctx, "u1", "n1")
	must(t, err)
	if n.Kind != forum.NoticeInvitation || n.Ref != "sealed" || n.Title != "T" || n.Read {
		t.Fatalf("notification = %+v", n)
	}
	sameTime(t, "at", n.At, now)
	_, err = s.FindNotification(ctx, "u2", "n1") // someone else's
	wantErr(t, err, fault.ErrNotFound)
	_, err = s.FindNotification(ctx, "u1", "missing")
	wantErr(t, err, fault.ErrNotFound)
}

// testUnreadSince: paging by (time, ID) from a cursor reads every unread
// notification of a period once, in order, ties at one time included.
func testUnreadSince(t *testing.T, open NotifyOpener) {
	s, ctx := open(t), ctxFor(t)
	start := now.Truncate(24 * time.Hour)
	end := start.AddDate(0, 0, 1)
	var want []string
	for i := range 23 {
		at := start.Add(time.Duration(i/4) * time.Hour) // four at each time
		id := fmt.Sprintf("n%02d", i)
		must(t, s.AddNotification(ctx, &forum.Notification{ID: id, UserID: "u1", IssueID: "i1", Title: "T", Kind: forum.NoticeResponse, At: at}))
		if i != 7 {
			want = append(want, id)
		}
	}
	must(t, s.MarkNotificationRead(ctx, "u1", "n07"))
	must(t, s.AddNotification(ctx, &forum.Notification{ID: "before", UserID: "u1", IssueID: "i1", Title: "T", Kind: forum.NoticeResponse, At: start.Add(-time.Millisecond)}))
	must(t, s.AddNotification(ctx, &forum.Notification{ID: "after", UserID: "u1", IssueID: "i1", Title: "T", Kind: forum.NoticeResponse, At: end}))
	must(t, s.AddNotification(ctx, &forum.Notification{ID: "other", UserID: "u2", IssueID: "i1", Title: "T", Kind: forum.NoticeResponse, At: start}))
	var got []string
	for after := (notify.Cursor{At: start}); ; {
		page, err := s.ListUnreadSince(ctx, "u1", after, end, 5)
		must(t, err)
		for _, n := range page {
			got = append(got, n.ID)
			after = notify.Cursor{At: n.At, ID: n.ID}
		}
		if len(page) < 5 {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged = %v; want %v", got, want)
	}
}

func testMarkOneRead(t *testing.T, open NotifyOpener) {
	s, ctx := open(t), ctxFor(t)
	for i := range 3 {
		must(t, s.AddNotification(ctx, &forum.Notification{ID: fmt.Sprintf("n%d", i), UserID: "u1", IssueID: "i1", Title: "T",
			Kind: forum.NoticeResponse, At: now.Add(time.Duration(i) * time.Minute)}))
	}
	must(t, s.AddNotification(ctx, &forum.Notification{ID: "other", UserID: "u2", IssueID: "i1", Title: "T", Kind: forum.NoticeResponse, At: now}))
	must(t, s.MarkNotificationRead(ctx, "u1", "n1"))
	wantErr(t, s.MarkNotificationRead(ctx, "u1", "other"), fault.ErrNotFound) // someone else's
	wantErr(t, s.MarkNotificationRead(ctx, "u1", "missing"), fault.ErrNotFound)
	n, err := s.CountUnread(ctx, "u1")
	must(t, err)
	if n != 2 {
		t.Fatalf("unread = %d; want 2", n)
	}
	list, err := s.ListNotifications(ctx, "u1", 10)
	must(t, err)
	for _, x := range list {
		if x.Read != (x.ID == "n1") {
			t.Fatalf("%s read = %v", x.ID, x.Read)
		}
	}
	if n, _ := s.CountUnread(ctx, "u2"); n != 1 {
		t.Fatalf("u2 unread = %d; want 1 (untouched)", n)
	}
}

func testNoticeRef(t *testing.T, open NotifyOpener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.AddNotification(ctx, &forum.Notification{ID: "n1", UserID: "u1", IssueID: "i1", Title: "T", Kind: "agenda", Ref: "meeting-7", At: now}))
	list, err := s.ListNotifications(ctx, "u1", 10)
	must(t, err)
	if len(list) != 1 || list[0].Ref != "meeting-7" || list[0].Kind != "agenda" {
		t.Fatalf("notification = %+v", list)
	}
}

func testLanguage(t *testing.T, open NotifyOpener) {
	s, ctx := open(t), ctxFor(t)
	u := newUser("lang@example.org")
	must(t, s.CreateUser(ctx, u))
	got, err := s.FindUserByID(ctx, u.ID)
	must(t, err)
	if got.Language != "" {
		t.Fatalf("new user's language = %q; want none", got.Language)
	}
	got.Language = "ur"
	must(t, s.UpdateUser(ctx, got))
	got, err = s.FindUserByEmail(ctx, u.Email)
	must(t, err)
	if got.Language != "ur" {
		t.Fatalf("language = %q; want ur", got.Language)
	}
}

func testFollowUpSeen(t *testing.T, open NotifyOpener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.AddFollowUp(ctx, &forum.FollowUp{Selector: "SELECTOR", SecretHash: "h", IssueID: "i1", CreatedAt: now.Truncate(24 * time.Hour)}))
	f, err := s.FindFollowUp(ctx, "SELECTOR")
	must(t, err)
	if f.SeenSeq != 0 {
		t.Fatalf("seen = %d; want 0", f.SeenSeq)
	}
	must(t, s.SetFollowUpSeen(ctx, "SELECTOR", 4))
	f, err = s.FindFollowUp(ctx, "SELECTOR")
	must(t, err)
	if f.SeenSeq != 4 {
		t.Fatalf("seen = %d; want 4", f.SeenSeq)
	}
	wantErr(t, s.SetFollowUpSeen(ctx, "NOSUCHONE", 1), fault.ErrNotFound)
}

func testPreferences(t *testing.T, open NotifyOpener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.FindPreferences(ctx, "u1")
	wantErr(t, err, fault.ErrNotFound)
	must(t, s.SavePreferences(ctx, &notify.Preferences{UserID: "u1", Frequency: notify.Daily, Muted: []forum.NoticeKind{forum.NoticeStatus}, UpdatedAt: now}))
	must(t, s.SavePreferences(ctx, &notify.Preferences{UserID: "u2", Frequency: notify.Daily, UpdatedAt: now}))
	must(t, s.SavePreferences(ctx, &notify.Preferences{UserID: "u3", Frequency: notify.Weekly, UpdatedAt: now}))
	p, err := s.FindPreferences(ctx, "u1")
	must(t, err)
	if p.Frequency != notify.Daily || !slices.Equal(p.Muted, []forum.NoticeKind{forum.NoticeStatus}) || p.Wants(forum.NoticeStatus) || !p.Wants(forum.NoticeResponse) {
		t.Fatalf("preferences = %+v", p)
	}
	sameTime(t, "updated", p.UpdatedAt, now)
	// Saving again replaces.
	must(t, s.SavePreferences(ctx, &notify.Preferences{UserID: "u1", Frequency: notify.Off, UpdatedAt: now.Add(time.Hour)}))
	p, err = s.FindPreferences(ctx, "u1")
	must(t, err)
	if p.Frequency != notify.Off || len(p.Muted) != 0 {
		t.Fatalf("after replace = %+v", p)
	}
	daily, err := s.ListPreferencesByFrequency(ctx, notify.Daily)
	must(t, err)
	if len(daily) != 1 || daily[0].UserID != "u2" {
		t.Fatalf("daily = %+v; want u2 only", daily)
	}
	weekly, err := s.ListPreferencesByFrequency(ctx, notify.Weekly)
	must(t, err)
	if len(weekly) != 1 || weekly[0].UserID != "u3" {
		t.Fatalf("weekly = %+v; want u3 only", weekly)
	}
}

func testDeliveries(t *testing.T, open NotifyOpener) {
	s, ctx := open(t), ctxFor(t)
	d := &notify.Delivery{Key: "digest:daily:u1:2026-11-22", UserID: "u1", Kind: notify.DeliverDaily, Ref: "2026-11-22", At: now}
	must(t, s.AddDelivery(ctx, d))
	wantErr(t, s.AddDelivery(ctx, &notify.Delivery{Key: d.Key, UserID: "u1", Kind: notify.DeliverDaily, Ref: "2026-11-22", At: now}), fault.ErrConflict)
	must(t, s.AddDelivery(ctx, &notify.Delivery{Key: "notice:n1", UserID: "u2", Kind: notify.DeliverNotice, Ref: "n1", At: now.Add(time.Minute)}))
	must(t, s.AddDelivery(ctx, &notify.Delivery{Key: "notice:n2", UserID: "u2", Kind: notify.DeliverNotice, Ref: "n2", At: now.Add(2 * time.Minute), Attempts: 5}))
	must(t, s.AddDelivery(ctx, &notify.Delivery{Key: "notice:n3", UserID: "u2", Kind: notify.DeliverNotice, Ref: "n3", At: now.Add(3 * time.Minute), Attempts: 1, SentAt: now.Add(3 * time.Minute)}))

	unsent, err := s.ListUnsent(ctx, now.Add(time.Hour), 5)
	must(t, err)
	if keys := deliveryKeys(unsent); !slices.Equal(keys, []string{d.Key, "notice:n1"}) {
		t.Fatalf("unsent = %v; want the digest then n1 (n2 tried enough, n3 sent)", keys)
	}
	unsent, err = s.ListUnsent(ctx, now.Add(30*time.Second), 5)
	must(t, err)
	if keys := deliveryKeys(unsent); !slices.Equal(keys, []string{d.Key}) {
		t.Fatalf("unsent before now+30s = %v; want the digest only", keys)
	}

	d.Attempts, d.Error = 1, "connection refused"
	must(t, s.UpdateDelivery(ctx, d))
	got, err := s.FindDelivery(ctx, d.Key)
	must(t, err)
	if got.Attempts != 1 || got.Error != "connection refused" || !got.SentAt.IsZero() || got.Kind != notify.DeliverDaily || got.Ref != "2026-11-22" || got.UserID != "u1" {
		t.Fatalf("after failure = %+v", got)
	}
	sameTime(t, "at", got.At, now)
	d.Attempts, d.Error, d.SentAt = 2, "", now.Add(10*time.Minute)
	must(t, s.UpdateDelivery(ctx, d))
	got, err = s.FindDelivery(ctx, d.Key)
	must(t, err)
	if got.Attempts != 2 || got.Error != "" {
		t.Fatalf("after sending = %+v", got)
	}
	sameTime(t, "sent", got.SentAt, now.Add(10*time.Minute))
	unsent, err = s.ListUnsent(ctx, now.Add(time.Hour), 5)
	must(t, err)
	if keys := deliveryKeys(unsent); !slices.Equal(keys, []string{"notice:n1"}) {
		t.Fatalf("unsent after sending the digest = %v; want n1", keys)
	}
	_, err = s.FindDelivery(ctx, "missing")
	wantErr(t, err, fault.ErrNotFound)
	wantErr(t, s.UpdateDelivery(ctx, &notify.Delivery{Key: "missing"}), fault.ErrNotFound)
}

// testDeliveryRace: many instances sweeping at once record a digest once.
func testDeliveryRace(t *testing.T, open NotifyOpener) {
	s, ctx := open(t), ctxFor(t)
	key := "digest:weekly:" + secret.NewID() + ":2026-11-16"
	won := race(t, 16, func(int) error {
		return s.AddDelivery(ctx, &notify.Delivery{Key: key, UserID: "u1", Kind: notify.DeliverWeekly, Ref: "2026-11-16", At: now})
	})
	if won != 1 {
		t.Fatalf("%d of 16 concurrent sweeps recorded the digest; want 1", won)
	}
}

func deliveryKeys(ds []*notify.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Key)
	}
	return out
}
