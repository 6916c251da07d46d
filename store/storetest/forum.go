package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"chorus/forum"
	"chorus/internal/fault"
	"chorus/internal/secret"
)

// ForumStore is what an adapter implements for the forum domain.
type ForumStore interface {
	forum.Store
}

// ForumOpener returns a new, empty store for one test.
type ForumOpener func(t *testing.T) ForumStore

// RunForum runs the forum contract against stores made by open.
func RunForum(t *testing.T, open ForumOpener) {
	t.Run("Forums", func(t *testing.T) { testForums(t, open) })
	t.Run("Members", func(t *testing.T) { testMembers(t, open) })
	t.Run("Issues", func(t *testing.T) { testIssues(t, open) })
	t.Run("Events", func(t *testing.T) { testEvents(t, open) })
	t.Run("StatusRace", func(t *testing.T) { testStatusRace(t, open) })
	t.Run("FollowUps", func(t *testing.T) { testFollowUps(t, open) })
	t.Run("Supports", func(t *testing.T) { testSupports(t, open) })
	t.Run("Comments", func(t *testing.T) { testComments(t, open) })
	t.Run("CommentEdits", func(t *testing.T) { testCommentEdits(t, open) })
	t.Run("Follows", func(t *testing.T) { testFollows(t, open) })
	t.Run("Notifications", func(t *testing.T) { testNotifications(t, open) })
	t.Run("Reports", func(t *testing.T) { testReports(t, open) })
	t.Run("Idempotency", func(t *testing.T) { testIdempotency(t, open) })
	t.Run("ListIssues", func(t *testing.T) { testListIssues(t, open) })
	t.Run("Moderation", func(t *testing.T) { testModeration(t, open) })
	t.Run("ModerationSettings", func(t *testing.T) { testModerationSettings(t, open) })
	t.Run("Versions", func(t *testing.T) { testVersions(t, open) })
	t.Run("Merge", func(t *testing.T) { testMergeParts(t, open) })
}

func newForum(name string) *forum.Forum {
	return &forum.Forum{ID: secret.NewID(), OrgID: "org-a", Name: name, Area: "Leicester", Description: "A forum",
		Languages: []string{"en", "ur"}, AllowAnonymous: true, OpenJoin: true, ResponseTargetDays: 28,
		SafeguardingLeadID: "u9", Themes: []string{"Referrals", "Schools"}, CreatedAt: now}
}

func testForums(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	b, a := newForum("Rutland Parent Carers"), newForum("Leicester Parent Carers")
	must(t, s.CreateForum(ctx, b))
	must(t, s.CreateForum(ctx, a))
	got, err := s.FindForum(ctx, b.ID)
	must(t, err)
	if got.Name != b.Name || got.OrgID != "org-a" || got.Area != "Leicester" || got.Description != "A forum" || !got.AllowAnonymous ||
		!got.OpenJoin || got.PreModerate || got.VisitorSupport || got.ResponseTargetDays != 28 || got.SafeguardingLeadID != "u9" ||
		!slices.Equal(got.Languages, b.Languages) || !slices.Equal(got.Themes, b.Themes) {
		t.Fatalf("FindForum = %+v; want %+v", got, b)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, now)
	_, err = s.FindForum(ctx, "nope")
	wantErr(t, err, fault.ErrNotFound)

	b.Name, b.PreModerate, b.VisitorSupport, b.Themes, b.ResponseTargetDays = "Rutland PCF", true, true, []string{"Transport"}, 14
	must(t, s.UpdateForum(ctx, b))
	got, err = s.FindForum(ctx, b.ID)
	must(t, err)
	if got.Name != "Rutland PCF" || !got.PreModerate || !got.VisitorSupport || !slices.Equal(got.Themes, []string{"Transport"}) || got.ResponseTargetDays != 14 {
		t.Fatalf("UpdateForum not kept: %+v", got)
	}
	wantErr(t, s.UpdateForum(ctx, newForum("x")), fault.ErrNotFound)
	all, err := s.ListForums(ctx)
	must(t, err)
	if len(all) != 2 || all[0].Name != "Leicester Parent Carers" {
		t.Fatalf("ListForums = %v", all)
	}
}

func testMembers(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	m1 := &forum.Member{ForumID: "f1", UserID: "u1", DisplayName: "Zara's mum", Role: forum.RoleMember, JoinedAt: now}
	m2 := &forum.Member{ForumID: "f1", UserID: "u2", DisplayName: "Amina", Role: forum.RoleFacilitator, JoinedAt: now}
	m3 := &forum.Member{ForumID: "f2", UserID: "u1", DisplayName: "Z's mum", Role: forum.RoleMember, JoinedAt: now}
	for _, m := range []*forum.Member{m1, m2, m3} {
		must(t, s.AddMember(ctx, m))
	}
	wantErr(t, s.AddMember(ctx, m1), fault.ErrConflict)
	got, err := s.FindMember(ctx, "f1", "u2")
	must(t, err)
	if got.DisplayName != "Amina" || got.Role != forum.RoleFacilitator {
		t.Fatalf("FindMember = %+v", got)
	}
	sameTime(t, "JoinedAt", got.JoinedAt, now)
	_, err = s.FindMember(ctx, "f2", "u2")
	wantErr(t, err, fault.ErrNotFound)
	m1.DisplayName, m1.Role = "Zara's dad", forum.RoleFacilitator
	must(t, s.UpdateMember(ctx, m1))
	got, err = s.FindMember(ctx, "f1", "u1")
	must(t, err)
	if got.DisplayName != "Zara's dad" || got.Role != forum.RoleFacilitator {
		t.Fatalf("UpdateMember not kept: %+v", got)
	}
	wantErr(t, s.UpdateMember(ctx, &forum.Member{ForumID: "f9", UserID: "u1"}), fault.ErrNotFound)
	ms, err := s.ListMembers(ctx, "f1")
	must(t, err)
	if len(ms) != 2 || ms[0].DisplayName != "Amina" {
		t.Fatalf("ListMembers = %+v", ms)
	}
	mine, err := s.ListMemberships(ctx, "u1")
	must(t, err)
	if len(mine) != 2 {
		t.Fatalf("ListMemberships = %+v", mine)
	}
}

func newIssue(forumID, title string, created time.Time) *forum.Issue {
	return &forum.Issue{ID: secret.NewID(), ForumID: forumID, Title: title, Body: "Body of " + title, Lang: "en",
		AuthorID: "u1", AuthorName: "Amina", Themes: []string{"Referrals"}, CreatedAt: created, Status: forum.StatusOpen}
}

func testIssues(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	named := newIssue("f1", "DSR referrals take months", now)
	anon := &forum.Issue{ID: secret.NewID(), ForumID: "f1", Title: "سکول", Body: "اردو متن 😀", Lang: "ur", Anonymous: true,
		CreatedAt: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), Status: forum.StatusSubmitted}
	must(t, s.CreateIssue(ctx, named))
	must(t, s.CreateIssue(ctx, anon))
	wantErr(t, s.CreateIssue(ctx, named), fault.ErrConflict)
	got, err := s.FindIssue(ctx, named.ID)
	must(t, err)
	if got.Title != named.Title || got.Body != named.Body || got.AuthorID != "u1" || got.AuthorName != "Amina" || got.Anonymous ||
		got.Lang != "en" || !slices.Equal(got.Themes, named.Themes) || got.Status != forum.StatusOpen || got.ForumID != "f1" {
		t.Fatalf("FindIssue = %+v", got)
	}
	got, err = s.FindIssue(ctx, anon.ID)
	must(t, err)
	if got.Title != "سکول" || got.Body != "اردو متن 😀" || !got.Anonymous || got.AuthorID != "" {
		t.Fatalf("anonymous issue = %+v", got)
	}
	_, err = s.FindIssue(ctx, "nope")
	wantErr(t, err, fault.ErrNotFound)

	must(t, s.SetIssueStatus(ctx, anon.ID, forum.StatusInReview, 2))
	must(t, s.SetIssueStatus(ctx, anon.ID, forum.StatusOpen, 4))
	must(t, s.SetIssueStatus(ctx, anon.ID, forum.StatusInReview, 3)) // older: ignored
	got, err = s.FindIssue(ctx, anon.ID)
	must(t, err)
	if got.Status != forum.StatusOpen {
		t.Fatalf("status cache = %s; a later event's status must win", got.Status)
	}
	wantErr(t, s.SetIssueStatus(ctx, "nope", forum.StatusOpen, 1), fault.ErrNotFound)

	for _, st := range []forum.Status{forum.StatusResolved, forum.StatusNotPossible, forum.StatusMerged} {
		closed := newIssue("f1", "Closed "+string(st), now)
		closed.Status = st
		must(t, s.CreateIssue(ctx, closed))
	}
	must(t, s.CreateIssue(ctx, newIssue("f2", "Other forum", now)))
	cands, err := s.IssueCandidates(ctx, "f1")
	must(t, err)
	var titles []string
	for _, c := range cands {
		titles = append(titles, c.Title)
	}
	slices.Sort(titles)
	if !slices.Equal(titles, []string{"DSR referrals take months", "سکول"}) {
		t.Fatalf("IssueCandidates = %v; want the forum's issues that are not closed", titles)
	}
}

func testEvents(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	e1 := &forum.Event{IssueID: "i1", Seq: 1, Kind: forum.EventStatus, Status: forum.StatusSubmitted, Actor: forum.ActorSubmitter, At: now}
	must(t, s.AddEvent(ctx, e1))
	wantErr(t, s.AddEvent(ctx, &forum.Event{IssueID: "i1", Seq: 1, Kind: forum.EventDetail, At: now}), fault.ErrConflict)
	must(t, s.AddEvent(ctx, &forum.Event{IssueID: "i1", Seq: 2, Kind: forum.EventQuestion, Actor: forum.ActorFacilitator, ActorID: "u2", Note: "Which area?", Private: true, At: now}))
	evs, err := s.ListEvents(ctx, "i1")
	must(t, err)
	if len(evs) != 2 || evs[0].Status != forum.StatusSubmitted || evs[1].Note != "Which area?" || !evs[1].Private || evs[1].ActorID != "u2" ||
		evs[1].Actor != forum.ActorFacilitator || evs[1].Kind != forum.EventQuestion {
		t.Fatalf("ListEvents = %+v", evs)
	}
	sameTime(t, "At", evs[0].At, now)

	// Concurrent writers each retry with the next seq: every event is kept.
	const n = 24
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := int64(3); ; seq++ {
				err := s.AddEvent(ctx, &forum.Event{IssueID: "i1", Seq: seq, Kind: forum.EventDetail, Note: fmt.Sprint(i), At: now})
				if err == nil {
					return
				}
				if !errors.Is(err, fault.ErrConflict) {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	evs, err = s.ListEvents(ctx, "i1")
	must(t, err)
	if len(evs) != n+2 {
		t.Fatalf("%d events kept; want %d", len(evs), n+2)
	}
	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: history not in order", i, e.Seq)
		}
	}
}

// testStatusRace: many facilitators change one issue's status at once, each
// adding its event and then setting the cache, as the service does. The
// cache must end at the history's latest status.
func testStatusRace(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	iss := newIssue("f1", "Contested", now)
	must(t, s.CreateIssue(ctx, iss))
	statuses := []forum.Status{forum.StatusOpen, forum.StatusOnAgenda, forum.StatusActionAgreed, forum.StatusInProgress}
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := statuses[i%len(statuses)]
			for seq := int64(1); ; seq++ {
				err := s.AddEvent(ctx, &forum.Event{IssueID: iss.ID, Seq: seq, Kind: forum.EventStatus, Status: st, Actor: forum.ActorFacilitator, At: now})
				if errors.Is(err, fault.ErrConflict) {
					continue
				}
				if err == nil {
					err = s.SetIssueStatus(ctx, iss.ID, st, seq)
				}
				if err != nil {
					t.Error(err)
				}
				return
			}
		}()
	}
	wg.Wait()
	evs, err := s.ListEvents(ctx, iss.ID)
	must(t, err)
	got, err := s.FindIssue(ctx, iss.ID)
	must(t, err)
	if len(evs) != n || got.Status != evs[len(evs)-1].Status {
		t.Fatalf("%d events; cached status %s, latest event %s", len(evs), got.Status, evs[len(evs)-1].Status)
	}
}

func testFollowUps(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	fu := &forum.FollowUp{Selector: "ACDEFGHJ", SecretHash: "$argon2id$x", IssueID: "i1", CreatedAt: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	must(t, s.AddFollowUp(ctx, fu))
	wantErr(t, s.AddFollowUp(ctx, &forum.FollowUp{Selector: "ACDEFGHJ", SecretHash: "y", IssueID: "i2", CreatedAt: now}), fault.ErrConflict)
	got, err := s.FindFollowUp(ctx, "ACDEFGHJ")
	must(t, err)
	if got.SecretHash != "$argon2id$x" || got.IssueID != "i1" {
		t.Fatalf("FindFollowUp = %+v", got)
	}
	_, err = s.FindFollowUp(ctx, "acdefghj")
	wantErr(t, err, fault.ErrNotFound)
}

func testSupports(t *testing.T, open ForumOpener) {
	t.Run("ConcurrentSupportersExact", func(t *testing.T) {
		s, ctx := open(t), ctxFor(t)
		const n = 64
		var wg sync.WaitGroup
		for i := range n {
			for range 2 { // each supporter presses twice
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := s.AddSupport(ctx, &forum.Support{IssueID: "i1", Key: fmt.Sprintf("u:%d", i), At: now})
					if err != nil && !errors.Is(err, fault.ErrConflict) {
						t.Error(err)
					}
				}()
			}
		}
		wg.Wait()
		got, err := s.CountSupports(ctx, "i1")
		must(t, err)
		if got != n {
			t.Fatalf("CountSupports = %d after %d supporters; want exactly %d", got, n, n)
		}
	})
	t.Run("HasRemove", func(t *testing.T) {
		s, ctx := open(t), ctxFor(t)
		must(t, s.AddSupport(ctx, &forum.Support{IssueID: "i1", Key: "u:a", At: now}))
		must(t, s.AddSupport(ctx, &forum.Support{IssueID: "i2", Key: "u:a", At: now}))
		wantErr(t, s.AddSupport(ctx, &forum.Support{IssueID: "i1", Key: "u:a", At: now}), fault.ErrConflict)
		has, err := s.HasSupport(ctx, "i1", "u:a")
		must(t, err)
		if !has {
			t.Fatal("HasSupport = false after support")
		}
		must(t, s.RemoveSupport(ctx, "i1", "u:a"))
		wantErr(t, s.RemoveSupport(ctx, "i1", "u:a"), fault.ErrNotFound)
		has, err = s.HasSupport(ctx, "i1", "u:a")
		must(t, err)
		n, err := s.CountSupports(ctx, "i2")
		must(t, err)
		if has || n != 1 {
			t.Fatalf("after remove: has=%v, other issue count=%d", has, n)
		}
	})
}

func testComments(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	for i, body := range []string{"first", "second **bold**", "ثالث"} {
		must(t, s.AddComment(ctx, &forum.Comment{ID: secret.NewID(), IssueID: "i1", AuthorID: "u1", AuthorName: "Amina", Body: body, CreatedAt: now.Add(time.Duration(i) * time.Second)}))
	}
	must(t, s.AddComment(ctx, &forum.Comment{ID: secret.NewID(), IssueID: "i2", Body: "elsewhere", CreatedAt: now}))
	cs, err := s.ListComments(ctx, "i1")
	must(t, err)
	if len(cs) != 3 || cs[0].Body != "first" || cs[2].Body != "ثالث" || cs[1].AuthorName != "Amina" {
		t.Fatalf("ListComments = %+v", cs)
	}
	sameTime(t, "CreatedAt", cs[0].CreatedAt, now)
}

func testIdempotency(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	won := race(t, 10, func(i int) error {
		return s.AddIdempotency(ctx, &forum.Idempotency{Key: "k1", Result: fmt.Sprint(i), At: now})
	})
	if won != 1 {
		t.Fatalf("%d identical forms recorded; want 1", won)
	}
	got, err := s.FindIdempotency(ctx, "k1")
	must(t, err)
	if got.Result == "" {
		t.Fatalf("FindIdempotency = %+v", got)
	}
	_, err = s.FindIdempotency(ctx, "k2")
	wantErr(t, err, fault.ErrNotFound)
}

func testListIssues(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	mk := func(title, body string, daysAgo int, status forum.Status, themes []string, supports, comments int) *forum.Issue {
		i := newIssue("f1", title, now.Add(-time.Duration(daysAgo)*24*time.Hour))
		i.Body, i.Status, i.Themes = body, status, themes
		must(t, s.CreateIssue(ctx, i))
		for k := range supports {
			must(t, s.AddSupport(ctx, &forum.Support{IssueID: i.ID, Key: fmt.Sprintf("u:%d", k), At: now}))
		}
		for k := range comments {
			must(t, s.AddComment(ctx, &forum.Comment{ID: secret.NewID(), IssueID: i.ID, Body: "c", CreatedAt: now.Add(time.Duration(k) * time.Minute)}))
		}
		return i
	}
	dsr := mk("DSR referral waiting list", "We waited months for the Dynamic Support Register.", 10, forum.StatusOpen, []string{"Referrals"}, 5, 0)
	school := mk("School transport", "The bus is late and my son gets distressed.", 3, forum.StatusOnAgenda, []string{"Schools"}, 2, 1)
	urdu := mk("اسکول میں مدد", "ہمیں مدد چاہیے REFERRAL", 1, forum.StatusOpen, nil, 0, 0)
	review := mk("Waiting in review", "x", 0, forum.StatusInReview, nil, 9, 0)
	must(t, s.CreateIssue(ctx, newIssue("f2", "Other forum referral", now)))

	titles := func(list []*forum.IssueSummary) []string {
		var out []string
		for _, i := range list {
			out = append(out, i.Title)
		}
		return out
	}
	open3 := []forum.Status{forum.StatusOpen, forum.StatusOnAgenda}
	for _, tc := range []struct {
		name  string
		f     forum.IssueFilter
		want  []string
		total int
	}{
		{"Newest", forum.IssueFilter{ForumID: "f1", Sort: forum.SortNewest, Limit: 10}, []string{review.Title, urdu.Title, school.Title, dsr.Title}, 4},
		{"Support", forum.IssueFilter{ForumID: "f1", Statuses: open3, Sort: forum.SortSupport, Limit: 10}, []string{dsr.Title, school.Title, urdu.Title}, 3},
		{"Active", forum.IssueFilter{ForumID: "f1", Statuses: open3, Sort: forum.SortActive, Limit: 10}, []string{school.Title, urdu.Title, dsr.Title}, 3},
		{"Status", forum.IssueFilter{ForumID: "f1", Statuses: []forum.Status{forum.StatusOnAgenda}, Sort: forum.SortNewest, Limit: 10}, []string{school.Title}, 1},
		{"Theme", forum.IssueFilter{ForumID: "f1", Theme: "Referrals", Sort: forum.SortNewest, Limit: 10}, []string{dsr.Title}, 1},
		{"SearchCaseInsensitive", forum.IssueFilter{ForumID: "f1", Query: "referral", Sort: forum.SortNewest, Limit: 10}, []string{urdu.Title, dsr.Title}, 2},
		{"SearchEveryWord", forum.IssueFilter{ForumID: "f1", Query: "dynamic REGISTER", Sort: forum.SortNewest, Limit: 10}, []string{dsr.Title}, 1},
		{"SearchUrdu", forum.IssueFilter{ForumID: "f1", Query: "مدد", Sort: forum.SortNewest, Limit: 10}, []string{urdu.Title}, 1},
		{"SearchSpecialCharacters", forum.IssueFilter{ForumID: "f1", Query: `.* (x) [a] % _`, Sort: forum.SortNewest, Limit: 10}, nil, 0},
		{"Paging", forum.IssueFilter{ForumID: "f1", Sort: forum.SortNewest, Offset: 1, Limit: 2}, []string{urdu.Title, school.Title}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.ListIssues(ctx, tc.f)
			must(t, err)
			if !slices.Equal(titles(list), tc.want) || total != tc.total {
				t.Fatalf("ListIssues = %v (total %d); want %v (total %d)", titles(list), total, tc.want, tc.total)
			}
		})
	}
	list, _, err := s.ListIssues(ctx, forum.IssueFilter{ForumID: "f1", Statuses: open3, Sort: forum.SortSupport, Limit: 10})
	must(t, err)
	if list[0].Supports != 5 || list[1].Comments != 1 {
		t.Fatalf("counts: %+v / %+v", list[0], list[1])
	}
	if !list[1].LastActivity.After(list[1].CreatedAt) {
		t.Fatalf("LastActivity %v not after the comment", list[1].LastActivity)
	}
	// An event (a response) makes an issue active too.
	must(t, s.AddEvent(ctx, &forum.Event{IssueID: dsr.ID, Seq: 1, Kind: forum.EventResponse, Note: "r", At: now.Add(time.Hour)}))
	list, _, err = s.ListIssues(ctx, forum.IssueFilter{ForumID: "f1", Statuses: open3, Sort: forum.SortActive})
	must(t, err)
	if len(list) != 3 || list[0].Title != dsr.Title {
		t.Fatalf("after a response the most active is %q; want %q (default page size must hold all 3)", list[0].Title, dsr.Title)
	}
	past, total, err := s.ListIssues(ctx, forum.IssueFilter{ForumID: "f1", Sort: forum.SortNewest, Offset: 50, Limit: 10})
	must(t, err)
	if len(past) != 0 || total != 4 {
		t.Fatalf("offset past the end gave %d issues, total %d", len(past), total)
	}
}

func testCommentEdits(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	c := &forum.Comment{ID: secret.NewID(), IssueID: "i1", AuthorID: "u1", AuthorName: "Amina", Body: "first text", CreatedAt: now}
	must(t, s.AddComment(ctx, c))
	got, err := s.FindComment(ctx, c.ID)
	must(t, err)
	if got.Body != "first text" || !got.EditedAt.IsZero() || got.AuthorID != "u1" {
		t.Fatalf("FindComment = %+v", got)
	}
	_, err = s.FindComment(ctx, "nope")
	wantErr(t, err, fault.ErrNotFound)
	must(t, s.AddVersion(ctx, &forum.Version{ItemID: c.ID, Seq: 1, Body: "first text", At: now}))
	wantErr(t, s.AddVersion(ctx, &forum.Version{ItemID: c.ID, Seq: 1, Body: "x", At: now}), fault.ErrConflict)
	c.Body, c.EditedAt = "second text", now.Add(time.Minute)
	must(t, s.UpdateComment(ctx, c))
	must(t, s.AddVersion(ctx, &forum.Version{ItemID: c.ID, Seq: 2, Body: "older still", At: now.Add(-time.Minute)}))
	got, err = s.FindComment(ctx, c.ID)
	must(t, err)
	if got.Body != "second text" {
		t.Fatalf("UpdateComment not kept: %+v", got)
	}
	sameTime(t, "EditedAt", got.EditedAt, now.Add(time.Minute))
	list, err := s.ListComments(ctx, "i1")
	must(t, err)
	sameTime(t, "listed EditedAt", list[0].EditedAt, now.Add(time.Minute))
	vs, err := s.ListVersions(ctx, c.ID)
	must(t, err)
	if len(vs) != 2 || vs[0].Body != "first text" || vs[1].Seq != 2 {
		t.Fatalf("ListVersions = %+v", vs)
	}
	wantErr(t, s.UpdateComment(ctx, &forum.Comment{ID: "nope"}), fault.ErrNotFound)
}

func testFollows(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	const n = 12
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2 { // twice each: still one follow
				err := s.AddFollow(ctx, &forum.Follow{IssueID: "i1", UserID: fmt.Sprintf("u%02d", i), At: now})
				if err != nil && !errors.Is(err, fault.ErrConflict) {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	ids, err := s.ListFollowers(ctx, "i1")
	must(t, err)
	slices.Sort(ids)
	if len(ids) != n || ids[0] != "u00" {
		t.Fatalf("ListFollowers = %v", ids)
	}
	yes, err := s.IsFollowing(ctx, "i1", "u03")
	must(t, err)
	must(t, s.RemoveFollow(ctx, "i1", "u03"))
	wantErr(t, s.RemoveFollow(ctx, "i1", "u03"), fault.ErrNotFound)
	no, err := s.IsFollowing(ctx, "i1", "u03")
	must(t, err)
	if !yes || no {
		t.Fatalf("IsFollowing before/after = %v/%v", yes, no)
	}
	other, err := s.ListFollowers(ctx, "i2")
	must(t, err)
	if len(other) != 0 {
		t.Fatalf("followers of another issue: %v", other)
	}
}

func testNotifications(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	for i := range 5 {
		must(t, s.AddNotification(ctx, &forum.Notification{ID: secret.NewID(), UserID: "u1", IssueID: "i1", Title: fmt.Sprintf("n%d", i),
			Kind: forum.NoticeStatus, Status: forum.StatusOnAgenda, At: now.Add(time.Duration(i) * time.Minute)}))
	}
	must(t, s.AddNotification(ctx, &forum.Notification{ID: secret.NewID(), UserID: "u2", IssueID: "i1", Title: "other", Kind: forum.NoticeResponse, At: now}))
	list, err := s.ListNotifications(ctx, "u1", 3)
	must(t, err)
	if len(list) != 3 || list[0].Title != "n4" || list[0].Kind != forum.NoticeStatus || list[0].Status != forum.StatusOnAgenda || list[0].Read || list[0].IssueID != "i1" {
		t.Fatalf("ListNotifications = %+v", list)
	}
	sameTime(t, "At", list[0].At, now.Add(4*time.Minute))
	n, err := s.CountUnread(ctx, "u1")
	must(t, err)
	if n != 5 {
		t.Fatalf("CountUnread = %d; want 5", n)
	}
	must(t, s.MarkRead(ctx, "u1"))
	n, err = s.CountUnread(ctx, "u1")
	must(t, err)
	other, err := s.CountUnread(ctx, "u2")
	must(t, err)
	list, err = s.ListNotifications(ctx, "u1", 10)
	must(t, err)
	if n != 0 || other != 1 || len(list) != 5 || !list[4].Read {
		t.Fatalf("after MarkRead: unread %d, other %d, %+v", n, other, list)
	}
}

func testReports(t *testing.T, open ForumOpener) {
	s, ctx := open(t), ctxFor(t)
	must(t, s.AddReport(ctx, &forum.Report{ID: secret.NewID(), ForumID: "f1", IssueID: "i1", ReporterID: "u1", Reason: forum.ReportPersonal, Detail: "Names a child", At: now}))
	must(t, s.AddReport(ctx, &forum.Report{ID: secret.NewID(), ForumID: "f1", IssueID: "i1", CommentID: "c1", ReporterID: "u2", Reason: forum.ReportUnkind, At: now.Add(time.Minute)}))
	must(t, s.AddReport(ctx, &forum.Report{ID: secret.NewID(), ForumID: "f2", IssueID: "i9", ReporterID: "u1", Reason: forum.ReportSpam, At: now}))
	// One report per member per item: the issue and its comment are two items.
	wantErr(t, s.AddReport(ctx, &forum.Report{ID: secret.NewID(), ForumID: "f1", IssueID: "i1", ReporterID: "u1", Reason: forum.ReportOther, At: now}), fault.ErrConflict)
	must(t, s.AddReport(ctx, &forum.Report{ID: secret.NewID(), ForumID: "f1", IssueID: "i1", CommentID: "c1", ReporterID: "u1", Reason: forum.ReportOther, At: now.Add(-time.Minute)}))
	rs, err := s.ListReports(ctx, "f1", false)
	must(t, err)
	if len(rs) != 3 || rs[0].CommentID != "c1" || rs[0].Reason != forum.ReportUnkind || rs[1].ReporterID != "u1" || rs[1].IssueID != "i1" ||
		rs[1].CommentID != "" || rs[1].Detail != "Names a child" || rs[1].Resolved || rs[2].CommentID != "c1" {
		t.Fatalf("ListReports = %+v", rs)
	}
	n, err := s.CountReports(ctx, "c1")
	must(t, err)
	if n != 2 {
		t.Fatalf("CountReports(c1) = %d; want 2", n)
	}
	must(t, s.ResolveReports(ctx, "c1"))
	n, err = s.CountReports(ctx, "c1")
	must(t, err)
	open1, err := s.ListReports(ctx, "f1", true)
	must(t, err)
	if n != 0 || len(open1) != 1 || open1[0].IssueID != "i1" || open1[0].CommentID != "" {
		t.Fatalf("after ResolveReports: count %d, open %+v", n, open1)
	}
	all, err := s.ListReports(ctx, "f1", false)
	must(t, err)
	if len(all) != 3 || !all[0].Resolved || all[1].Resolved || !all[2].Resolved {
		t.Fatalf("resolved reports are kept: %+v", all)
	}
	// Many members reporting at once, some twice: each counts once.
	race(t, 8, func(i int) error {
		err := s.AddReport(ctx, &forum.Report{ID: secret.NewID(), ForumID: "f1", IssueID: "i5", ReporterID: fmt.Sprintf("r%d", i%4), Reason: forum.ReportUnkind, At: now})
		if errors.Is(err, fault.ErrConflict) {
			return nil
		}
		return err
	})
	if n, err = s.CountReports(ctx, "i5"); err != nil || n != 4 {
		t.Fatalf("CountReports after a race = %d, %v; want 4", n, err)
	}
}
