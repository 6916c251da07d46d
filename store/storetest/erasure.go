package storetest

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"chorus/account"
	"chorus/audit"
	"chorus/forum"
	"chorus/internal/fault"
	"chorus/internal/secret"
	"chorus/notify"
	"chorus/realtime"
	"chorus/steering"
)

// ErasureStore is what an adapter implements for data rights: erasure
// requests, reading by person, and forgetting a person in every domain.
type ErasureStore interface {
	account.Store
	audit.Store
	forum.Store
	steering.Store
	notify.Store
	realtime.Log
	ScrubLiveEvents(ctx context.Context, needles [][]byte) (int, error)
}

// ErasureOpener returns a new, empty store for one test.
type ErasureOpener func(t *testing.T) ErasureStore

// RunErasure runs the data-rights contract against stores made by open.
func RunErasure(t *testing.T, open ErasureOpener) {
	t.Run("Requests", func(t *testing.T) { testErasureRequests(t, open) })
	t.Run("ByPerson", func(t *testing.T) { testByPerson(t, open) })
	t.Run("Forget", func(t *testing.T) { testForget(t, open) })
}

func testErasureRequests(t *testing.T, open ErasureOpener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.FindErasureRequest(ctx, "missing")
	wantErr(t, err, fault.ErrNotFound)
	older := &account.ErasureRequest{ID: secret.NewID(), UserID: "u1", Status: account.ErasureRequested, RequestedAt: now}
	newer := &account.ErasureRequest{ID: secret.NewID(), UserID: "u1", Status: account.ErasureRequested, RequestedAt: now.Add(time.Hour)}
	other := &account.ErasureRequest{ID: secret.NewID(), UserID: "u2", Status: account.ErasureRequested, RequestedAt: now.Add(30 * time.Minute)}
	for _, r := range []*account.ErasureRequest{older, newer, other} {
		must(t, s.AddErasureRequest(ctx, r))
	}
	mine, err := s.ListErasureRequests(ctx, "u1")
	must(t, err)
	if len(mine) != 2 || mine[0].ID != newer.ID || mine[1].ID != older.ID {
		t.Fatalf("u1's requests, newest first: %+v", mine)
	}
	all, err := s.ListErasureRequests(ctx, "")
	must(t, err)
	if len(all) != 3 || all[0].ID != newer.ID || all[1].ID != other.ID || all[2].ID != older.ID {
		t.Fatalf("every request, newest first: %+v", all)
	}
	got, err := s.FindErasureRequest(ctx, older.ID)
	must(t, err)
	if got.Status != account.ErasureRequested || !got.HandledAt.IsZero() || got.FormerID != "" || got.UserID != "u1" {
		t.Fatalf("found %+v", got)
	}
	sameTime(t, "requested at", got.RequestedAt, now)
	older.Status, older.Reason, older.HandledAt, older.HandledBy, older.FormerID = account.ErasureRefused, "A safeguarding hold", now.Add(2*time.Hour), "admin", "f1"
	must(t, s.UpdateErasureRequest(ctx, older))
	got, err = s.FindErasureRequest(ctx, older.ID)
	must(t, err)
	if got.Status != account.ErasureRefused || got.Reason != "A safeguarding hold" || got.HandledBy != "admin" || got.FormerID != "f1" {
		t.Fatalf("updated %+v", got)
	}
	sameTime(t, "handled at", got.HandledAt, now.Add(2*time.Hour))
	wantErr(t, s.UpdateErasureRequest(ctx, &account.ErasureRequest{ID: "missing", Status: account.ErasureDone}), fault.ErrNotFound)
}

func testByPerson(t *testing.T, open ErasureOpener) {
	s, ctx := open(t), ctxFor(t)
	f1, f2 := newForum("One"), newForum("Two")
	must(t, s.CreateForum(ctx, f1))
	must(t, s.CreateForum(ctx, f2))
	a := newIssue(f1.ID, "Amina's first", now)
	b := newIssue(f2.ID, "Amina's second, in a forum she left", now.Add(time.Minute))
	anon := newIssue(f1.ID, "Anonymous", now.Add(2*time.Minute))
	anon.AuthorID, anon.AuthorName, anon.Anonymous = "", "", true
	other := newIssue(f1.ID, "Someone else's", now.Add(3*time.Minute))
	other.AuthorID, other.AuthorName = "u2", "Bea"
	for _, i := range []*forum.Issue{b, a, anon, other} {
		must(t, s.CreateIssue(ctx, i))
	}
	issues, err := s.ListIssuesByAuthor(ctx, "u1")
	must(t, err)
	if len(issues) != 2 || issues[0].ID != a.ID || issues[1].ID != b.ID {
		t.Fatalf("u1's issues, oldest first: %+v", issues)
	}
	if none, err := s.ListIssuesByAuthor(ctx, ""); err != nil || len(none) != 0 {
		t.Fatalf("an empty author must find nothing, not the anonymous issues: %v %v", none, err)
	}
	c1 := &forum.Comment{ID: secret.NewID(), IssueID: other.ID, ForumID: f1.ID, AuthorID: "u1", AuthorName: "Amina", Body: "First", CreatedAt: now}
	c2 := &forum.Comment{ID: secret.NewID(), IssueID: b.ID, ForumID: f2.ID, AuthorID: "u1", AuthorName: "Amina", Body: "Second", CreatedAt: now.Add(time.Minute)}
	c3 := &forum.Comment{ID: secret.NewID(), IssueID: a.ID, ForumID: f1.ID, AuthorID: "u2", AuthorName: "Bea", Body: "Bea's", CreatedAt: now}
	for _, c := range []*forum.Comment{c2, c1, c3} {
		must(t, s.AddComment(ctx, c))
	}
	comments, err := s.ListCommentsByAuthor(ctx, "u1")
	must(t, err)
	if len(comments) != 2 || comments[0].ID != c1.ID || comments[1].ID != c2.ID {
		t.Fatalf("u1's comments: %+v", comments)
	}
	must(t, s.AddSupport(ctx, &forum.Support{IssueID: other.ID, Key: "u:u1", At: now}))
	must(t, s.AddSupport(ctx, &forum.Support{IssueID: b.ID, Key: "u:u1", At: now.Add(time.Minute)}))
	must(t, s.AddSupport(ctx, &forum.Support{IssueID: other.ID, Key: "u:u2", At: now}))
	sups, err := s.ListSupportsByKey(ctx, "u:u1")
	must(t, err)
	if len(sups) != 2 || sups[0].IssueID != other.ID || sups[1].IssueID != b.ID {
		t.Fatalf("u1's supports: %+v", sups)
	}
	must(t, s.AddFollow(ctx, &forum.Follow{IssueID: b.ID, UserID: "u1", At: now}))
	must(t, s.AddFollow(ctx, &forum.Follow{IssueID: b.ID, UserID: "u2", At: now}))
	follows, err := s.ListFollowsByUser(ctx, "u1")
	must(t, err)
	if len(follows) != 1 || follows[0].IssueID != b.ID || follows[0].UserID != "u1" {
		t.Fatalf("u1's follows: %+v", follows)
	}
	must(t, s.AddReport(ctx, &forum.Report{ID: secret.NewID(), ForumID: f2.ID, IssueID: b.ID, ReporterID: "u1", Reason: forum.ReportOther, Detail: "My words", At: now}))
	must(t, s.AddReport(ctx, &forum.Report{ID: secret.NewID(), ForumID: f1.ID, IssueID: a.ID, ReporterID: "u2", Reason: forum.ReportOther, Detail: "Bea's words", At: now}))
	reports, err := s.ListReportsByReporter(ctx, "u1")
	must(t, err)
	if len(reports) != 1 || reports[0].Detail != "My words" || reports[0].IssueID != b.ID {
		t.Fatalf("u1's reports: %+v", reports)
	}
}

// testForget puts a person everywhere a store keeps one, forgets them, and
// checks that only the former member's ID and name remain, with every
// count intact.
func testForget(t *testing.T, open ErasureOpener) {
	s, ctx := open(t), ctxFor(t)
	u := newUser("amina@example.org")
	admin := newUser("ada@example.org")
	must(t, s.CreateUser(ctx, u))
	must(t, s.CreateUser(ctx, admin))
	uid := u.ID
	must(t, s.AddGrant(ctx, account.Grant{UserID: uid, Role: account.RoleOrgAdmin, Scope: account.OrganisationScope("o1"), CreatedAt: now}))
	must(t, s.CreateSession(ctx, &account.Session{IDHash: "session-hash", UserID: uid, CreatedAt: now, LastSeenAt: now}))
	must(t, s.CreateReset(ctx, &account.Reset{ID: secret.NewID(), TokenHash: "reset-hash", UserID: uid, CreatedBy: admin.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	used := &account.Invitation{ID: secret.NewID(), TokenHash: "inv-hash", Role: account.RoleOrgAdmin, Scope: account.OrganisationScope("o1"),
		Note: "For Amina Example", CreatedBy: admin.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	made := &account.Invitation{ID: secret.NewID(), TokenHash: "inv-hash-2", Role: account.RoleOrgAdmin, Scope: account.OrganisationScope("o1"),
		Note: "For Bea", CreatedBy: uid, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	naming := &account.Invitation{ID: secret.NewID(), TokenHash: "inv-hash-3", Role: account.RoleOrgAdmin, Scope: account.OrganisationScope("o1"),
		Note: "Tell AMINA@example.org about it", CreatedBy: admin.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	must(t, s.CreateInvitation(ctx, used))
	must(t, s.CreateInvitation(ctx, made))
	must(t, s.CreateInvitation(ctx, naming))
	must(t, s.AddClaim(ctx, account.Claim{Key: "invitation:" + used.ID, By: uid, At: now}))
	must(t, s.AppendEntry(ctx, &audit.Entry{ID: secret.NewID(), At: now, ActorID: uid, Action: "issue.raise", Subject: "issue:x"}))
	must(t, s.AppendEntry(ctx, &audit.Entry{ID: secret.NewID(), At: now, ActorID: admin.ID, Action: "role.grant", Subject: "user:" + uid}))
	req := &account.ErasureRequest{ID: secret.NewID(), UserID: uid, Status: account.ErasureRequested, RequestedAt: now}
	must(t, s.AddErasureRequest(ctx, req))

	f := newForum("Forum")
	f.SafeguardingLeadID = uid
	must(t, s.CreateForum(ctx, f))
	must(t, s.AddMember(ctx, &forum.Member{ForumID: f.ID, UserID: uid, DisplayName: "Amina D", Role: forum.RoleMember, JoinedAt: now}))
	iss := newIssue(f.ID, "Amina's issue", now)
	iss.AuthorID = uid
	others := newIssue(f.ID, "Bea's issue", now)
	others.AuthorID, others.AuthorName = "u2", "Bea"
	must(t, s.CreateIssue(ctx, iss))
	must(t, s.CreateIssue(ctx, others))
	must(t, s.AddComment(ctx, &forum.Comment{ID: secret.NewID(), IssueID: others.ID, ForumID: f.ID, AuthorID: uid, AuthorName: "Amina D", Body: "", CreatedAt: now}))
	must(t, s.AddEvent(ctx, &forum.Event{IssueID: others.ID, Seq: 1, Kind: forum.EventResponse, Actor: forum.ActorFacilitator, ActorID: uid, Note: "A response", At: now}))
	must(t, s.AddSupport(ctx, &forum.Support{IssueID: others.ID, Key: "u:" + uid, At: now}))
	must(t, s.AddSupport(ctx, &forum.Support{IssueID: others.ID, Key: "u:u2", At: now}))
	must(t, s.AddFollow(ctx, &forum.Follow{IssueID: others.ID, UserID: uid, At: now}))
	must(t, s.AddNotification(ctx, &forum.Notification{ID: secret.NewID(), UserID: uid, IssueID: others.ID, Title: "Bea's issue", Kind: forum.NoticeStatus, At: now}))
	must(t, s.AddReport(ctx, &forum.Report{ID: secret.NewID(), ForumID: f.ID, IssueID: others.ID, ReporterID: uid, Reason: forum.ReportOther, Detail: "Amina's own words", At: now}))
	must(t, s.AddQuote(ctx, &forum.Quote{ID: secret.NewID(), IssueID: others.ID, ForumID: f.ID, Text: "A passage", ByID: uid, At: now}))

	g := &steering.Group{ID: secret.NewID(), OrgID: "o1", Name: "Group", ForumIDs: []string{f.ID}, CreatedAt: now}
	must(t, s.CreateGroup(ctx, g))
	must(t, s.AddGroupMember(ctx, &steering.Member{GroupID: g.ID, UserID: uid, Name: "Amina Seat", Role: steering.RoleParentRep, Organisation: steering.OrgParentForum, AddedAt: now}))
	m := &steering.Meeting{ID: secret.NewID(), GroupID: g.ID, Title: "Meeting", StartsAt: now, Minutes: 60, Status: steering.MeetingInProgress, CreatedAt: now}
	must(t, s.CreateMeeting(ctx, m))
	it := &steering.Item{ID: secret.NewID(), MeetingID: m.ID, Order: 1, Kind: steering.ItemIssue, Title: "Item", IssueID: others.ID, LeadID: uid, Minutes: 10, CreatedAt: now}
	must(t, s.AddItem(ctx, it))
	must(t, s.AddDecision(ctx, &steering.Decision{ID: secret.NewID(), GroupID: g.ID, MeetingID: m.ID, ItemID: it.ID, Text: "Agreed text", Type: steering.DecisionAgreed, ByID: uid, At: now}))
	act := &steering.Action{ID: secret.NewID(), GroupID: g.ID, MeetingID: m.ID, ItemID: it.ID, Description: "Action text", OwnerOrg: steering.OrgICB, Owner: " amina seat ", Due: "2026-12-01", CreatedAt: now}
	kept := &steering.Action{ID: secret.NewID(), GroupID: g.ID, MeetingID: m.ID, ItemID: it.ID, Description: "Another", OwnerOrg: steering.OrgICB, Owner: "Commissioner", Due: "2026-12-01", CreatedAt: now}
	must(t, s.CreateAction(ctx, act))
	must(t, s.CreateAction(ctx, kept))
	must(t, s.AddActionEvent(ctx, &steering.ActionEvent{ActionID: act.ID, Seq: 1, Status: steering.ActionAgreed, ByID: uid, At: now}))
	must(t, s.SaveMinutes(ctx, &steering.Minutes{MeetingID: m.ID, Text: "Minutes text", ChairID: uid, ParentRepID: "u2",
		Amendments: []steering.Amendment{{Text: "Amended", ByID: uid, At: now}, {Text: "By Bea", ByID: "u2", At: now}}, UpdatedAt: now}))
	q := &steering.Question{ID: secret.NewID(), MeetingID: m.ID, Seq: 1, Text: "A question", Status: steering.QuestionApproved}
	must(t, s.AddQuestion(ctx, q))
	must(t, s.AddQuestionSupport(ctx, q.ID, "u:"+uid))

	must(t, s.SavePreferences(ctx, &notify.Preferences{UserID: uid, Frequency: notify.Daily, UpdatedAt: now}))
	must(t, s.AddDelivery(ctx, &notify.Delivery{Key: "notice:n1", UserID: uid, Kind: notify.DeliverNotice, Ref: "n1", At: now}))
	_, err := s.Append(ctx, "issue:"+others.ID, "comment.added", []byte(`{"author":"Amina D","body":"words"}`))
	must(t, err)
	_, err = s.Append(ctx, "issue:"+others.ID, "comment.added", []byte(`{"author":"Bea","body":"other words"}`))
	must(t, err)

	former := &account.User{ID: secret.NewID(), Email: "former@erased.invalid", Name: account.FormerMember, Disabled: true, CreatedAt: now}
	for run := 1; run <= 2; run++ { // a second run (after a failure) changes nothing more
		must(t, s.ForgetPerson(ctx, uid, former.ID, account.FormerMember))
		must(t, s.ForgetSeatHolder(ctx, uid, former.ID, account.FormerMember, []string{"Amina Seat"}))
		must(t, s.ForgetMail(ctx, uid))
		n, err := s.ScrubLiveEvents(ctx, [][]byte{[]byte(`"Amina D"`), []byte(uid)})
		must(t, err)
		if want := map[int]int{1: 1, 2: 0}[run]; n != want {
			t.Fatalf("run %d emptied %d live events; want %d", run, n, want)
		}
		must(t, s.ForgetUser(ctx, uid, former))
	}

	_, err = s.FindUserByID(ctx, uid)
	wantErr(t, err, fault.ErrNotFound)
	_, err = s.FindUserByEmail(ctx, "amina@example.org")
	wantErr(t, err, fault.ErrNotFound)
	fu, err := s.FindUserByID(ctx, former.ID)
	must(t, err)
	if fu.Name != account.FormerMember || fu.Email != former.Email || !fu.Disabled || fu.PasswordHash != "" || fu.TOTPSecret != "" {
		t.Fatalf("former member %+v", fu)
	}
	for _, id := range []string{uid, former.ID} {
		if gs, err := s.ListGrants(ctx, id); err != nil || len(gs) != 0 {
			t.Fatalf("grants of %s: %v %v", id, gs, err)
		}
	}
	_, err = s.FindSession(ctx, "session-hash")
	wantErr(t, err, fault.ErrNotFound)
	_, err = s.FindResetByToken(ctx, "reset-hash")
	wantErr(t, err, fault.ErrNotFound)
	if inv, err := s.FindInvitation(ctx, used.ID); err != nil || inv.Note != "" {
		t.Fatalf("the used invitation keeps its note: %+v %v", inv, err)
	}
	if inv, err := s.FindInvitation(ctx, naming.ID); err != nil || inv.Note != "" {
		t.Fatalf("an invitation whose note names the person's email keeps it: %+v %v", inv, err)
	}
	if inv, err := s.FindInvitation(ctx, made.ID); err != nil || inv.CreatedBy != former.ID || inv.Note != "For Bea" {
		t.Fatalf("the invitation they made: %+v %v", inv, err)
	}
	if cl, err := s.FindClaim(ctx, "invitation:"+used.ID); err != nil || cl.By != former.ID {
		t.Fatalf("claim %+v %v", cl, err)
	}
	if es, err := s.ListEntries(ctx, audit.Filter{ActorID: uid}); err != nil || len(es) != 0 {
		t.Fatalf("audit entries by the person: %+v %v", es, err)
	}
	if es, err := s.ListEntries(ctx, audit.Filter{ActorID: former.ID}); err != nil || len(es) != 1 || es[0].Action != "issue.raise" {
		t.Fatalf("audit entries by the former member: %+v %v", es, err)
	}
	if es, err := s.ListEntries(ctx, audit.Filter{Subject: "user:" + former.ID}); err != nil || len(es) != 1 || es[0].ActorID != admin.ID {
		t.Fatalf("audit entries about the former member: %+v %v", es, err)
	}
	if r, err := s.FindErasureRequest(ctx, req.ID); err != nil || r.UserID != former.ID {
		t.Fatalf("request %+v %v", r, err)
	}

	if ms, err := s.ListMemberships(ctx, uid); err != nil || len(ms) != 0 {
		t.Fatalf("memberships %+v %v", ms, err)
	}
	got, err := s.FindIssue(ctx, iss.ID)
	must(t, err)
	if got.AuthorID != former.ID || got.AuthorName != account.FormerMember {
		t.Fatalf("issue author %q %q", got.AuthorID, got.AuthorName)
	}
	if got, err := s.FindIssue(ctx, others.ID); err != nil || got.AuthorName != "Bea" {
		t.Fatalf("someone else's issue changed: %+v %v", got, err)
	}
	cs, err := s.ListCommentsByAuthor(ctx, former.ID)
	must(t, err)
	if len(cs) != 1 || cs[0].AuthorName != account.FormerMember {
		t.Fatalf("comments %+v", cs)
	}
	evs, err := s.ListEvents(ctx, others.ID)
	must(t, err)
	if len(evs) != 1 || evs[0].ActorID != former.ID || evs[0].Note != "A response" {
		t.Fatalf("events %+v", evs)
	}
	if n, err := s.CountSupports(ctx, others.ID); err != nil || n != 2 {
		t.Fatalf("support count %d %v; want 2", n, err)
	}
	if ok, err := s.HasSupport(ctx, others.ID, "u:"+former.ID); err != nil || !ok {
		t.Fatalf("the support does not count under the former member: %v", err)
	}
	if fs, err := s.ListFollowsByUser(ctx, uid); err != nil || len(fs) != 0 {
		t.Fatalf("follows %+v %v", fs, err)
	}
	if ns, err := s.ListNotifications(ctx, uid, 10); err != nil || len(ns) != 0 {
		t.Fatalf("notifications %+v %v", ns, err)
	}
	rs, err := s.ListReportsByReporter(ctx, former.ID)
	must(t, err)
	if len(rs) != 1 || rs[0].Detail != "" || rs[0].Reason != forum.ReportOther {
		t.Fatalf("reports %+v", rs)
	}
	if qs, err := s.ListQuotes(ctx, others.ID); err != nil || len(qs) != 1 || qs[0].ByID != former.ID {
		t.Fatalf("quotes %+v %v", qs, err)
	}
	if ff, err := s.FindForum(ctx, f.ID); err != nil || ff.SafeguardingLeadID != "" {
		t.Fatalf("forum lead %+v %v", ff, err)
	}

	if ms, err := s.ListGroupMemberships(ctx, uid); err != nil || len(ms) != 0 {
		t.Fatalf("seats %+v %v", ms, err)
	}
	if got, err := s.FindItem(ctx, it.ID); err != nil || got.LeadID != former.ID {
		t.Fatalf("item %+v %v", got, err)
	}
	ds, err := s.ListDecisions(ctx, g.ID, m.ID)
	must(t, err)
	if len(ds) != 1 || ds[0].ByID != former.ID || ds[0].Text != "Agreed text" {
		t.Fatalf("decisions %+v", ds)
	}
	if a, err := s.FindAction(ctx, act.ID); err != nil || a.Owner != account.FormerMember || a.Description != "Action text" {
		t.Fatalf("action %+v %v", a, err)
	}
	if a, err := s.FindAction(ctx, kept.ID); err != nil || a.Owner != "Commissioner" {
		t.Fatalf("another owner changed: %+v %v", a, err)
	}
	aes, err := s.ListActionEvents(ctx, []string{act.ID})
	must(t, err)
	if len(aes) != 1 || aes[0].ByID != former.ID {
		t.Fatalf("action events %+v", aes)
	}
	mins, err := s.FindMinutes(ctx, m.ID)
	must(t, err)
	if mins.ChairID != former.ID || mins.ParentRepID != "u2" || len(mins.Amendments) != 2 ||
		mins.Amendments[0].ByID != former.ID || mins.Amendments[1].ByID != "u2" || mins.Text != "Minutes text" {
		t.Fatalf("minutes %+v", mins)
	}
	qs, err := s.ListQuestions(ctx, m.ID)
	must(t, err)
	if len(qs) != 1 || qs[0].Supports != 1 {
		t.Fatalf("questions %+v", qs)
	}

	_, err = s.FindPreferences(ctx, uid)
	wantErr(t, err, fault.ErrNotFound)
	_, err = s.FindDelivery(ctx, "notice:n1")
	wantErr(t, err, fault.ErrNotFound)

	evts, err := s.Since(ctx, "issue:"+others.ID, 0, 10)
	must(t, err)
	if len(evts) != 2 || evts[0].Seq != 1 || evts[0].Type != "erased" || len(evts[0].Data) != 0 ||
		evts[1].Type != "comment.added" || !bytes.Contains(evts[1].Data, []byte("Bea")) {
		t.Fatalf("live events %+v", evts)
	}
	if slices.ContainsFunc(evts, func(e realtime.Event) bool { return bytes.Contains(e.Data, []byte("Amina")) }) {
		t.Fatal("a live event still names the person")
	}
}
