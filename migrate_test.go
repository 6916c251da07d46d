package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"chorus/account"
	"chorus/audit"
	"chorus/forum"
	"chorus/internal/fault"
	"chorus/internal/testenv/mongotest"
	"chorus/notify"
	"chorus/steering"
	"chorus/store/mongo"
	"chorus/store/sqlite"
)

// TestMigrate: an embedded installation with forums, issues, moderation,
// follow-up codes and a steering group's meeting moves to a fresh
// MongoDB-compatible database; the command's own checks pass; Chorus
// started on the target shows the same histories, supports, audit order
// and action history, and an anonymous follow-up code from before still
// opens its issue. A second run refuses the now non-empty database unless
// told, then, told, finds everything already there; a document changed in
// the target since makes it fail without overwriting it.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := seedSteering(t, dir)
	sm := seedSteeringMeeting(t, dir, s)
	a := openApp(t, "--data-dir", dir)
	chair := principal(t, a, chairEmail)
	rep := principal(t, a, repEmail)
	grace := principal(t, a, "grace@example.org")
	fiona := principal(t, a, "fiona@example.org")

	// The action's second event, a supported quiet-voice question, a comment
	// that is edited, a report, a follow and a status change that notifies.
	if err := a.steering.UpdateAction(ctx, chair, sm.ActionID, steering.ActionUpdate{Status: steering.ActionInProgress,
		Note: "Rota drafted"}, ""); err != nil {
		t.Fatal(err)
	}
	qs, err := a.store.ListQuestions(ctx, sm.MeetingID)
	if err != nil {
		t.Fatal(err)
	}
	var approved string
	for _, q := range qs {
		if q.Status == steering.QuestionApproved {
			approved = q.ID
		}
	}
	if err := a.steering.SupportQuestion(ctx, rep, approved, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := a.forums.Follow(ctx, forum.Viewer{Principal: grace}, s.Top[0]); err != nil {
		t.Fatal(err)
	}
	c, err := a.forums.AddComment(ctx, forum.Viewer{Principal: grace}, s.Top[0], "We waited too.", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.forums.EditComment(ctx, forum.Viewer{Principal: grace}, c.ID, "We waited four weeks too."); err != nil {
		t.Fatal(err)
	}
	dan := principal(t, a, "dan@example.org")
	if err := a.forums.Report(ctx, forum.Viewer{Principal: dan}, s.Top[0], c.ID, forum.ReportReason("other"), "Check this"); err != nil {
		t.Fatal(err)
	}
	if err := a.forums.Respond(ctx, forum.Viewer{Principal: fiona}, s.Top[0], "We have raised this with the service.", ""); err != nil {
		t.Fatal(err)
	}

	if _, err := a.forums.AddQuote(ctx, forum.Viewer{Principal: fiona}, s.Top[0], "we waited three weeks", "[removed]"); err != nil {
		t.Fatal(err)
	}
	// Records no journey here makes, straight into the store.
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, err := range []error{
		a.store.CreateInvitation(ctx, &account.Invitation{ID: "inv1", TokenHash: "invitation-hash", Role: account.RoleAdmin,
			Scope: account.Installation, Note: "for Bo", CreatedBy: s.Admin.User.ID, CreatedAt: now, ExpiresAt: now.Add(72 * time.Hour),
			RevokedAt: now.Add(time.Hour)}),
		a.store.AddClaim(ctx, account.Claim{Key: "invitation:inv1", By: grace.User.ID, At: now}),
		a.store.CreateReset(ctx, &account.Reset{ID: "reset1", TokenHash: "reset-hash", UserID: grace.User.ID, CreatedBy: s.Admin.User.ID,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}),
		a.store.AddAttempt(ctx, "signin:someone", now),
		a.store.AddAttempt(ctx, "signin:someone", now),
		a.store.CreateSession(ctx, &account.Session{IDHash: "session-hash", UserID: grace.User.ID, CreatedAt: now, LastSeenAt: now}),
		a.store.SavePreferences(ctx, &notify.Preferences{UserID: grace.User.ID, Frequency: notify.Daily,
			Muted: []forum.NoticeKind{forum.NoticeResponse}, UpdatedAt: now}),
		a.store.AddDelivery(ctx, &notify.Delivery{Key: "sent", UserID: grace.User.ID, Kind: notify.DeliverDaily, Ref: "2026-11-24",
			At: now, Attempts: 1, SentAt: now}),
		a.store.AddDelivery(ctx, &notify.Delivery{Key: "unsent", UserID: grace.User.ID, Kind: notify.DeliverNotice, Ref: "n1",
			At: now, Attempts: 2, Error: "timeout"}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// A held issue and a hidden, erased comment: moderation's fields.
	held, err := a.store.FindIssue(ctx, s.Top[2])
	if err != nil {
		t.Fatal(err)
	}
	held.Moderation = forum.Moderation{Held: forum.HoldSafeguarding, HeldAt: now, EditNote: "Tidied the title"}
	if err := a.store.UpdateIssue(ctx, held); err != nil {
		t.Fatal(err)
	}
	hidden, err := a.store.FindComment(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	hidden.Moderation = forum.Moderation{Hidden: "Unkind", Erased: forum.ErasedByAuthor}
	if err := a.store.UpdateComment(ctx, hidden); err != nil {
		t.Fatal(err)
	}

	// What the embedded installation shows, to compare with the target's.
	before := observe(t, a, s, sm, chair, grace)
	beforeRecords := records(t, a, s, grace, c.ID, now)
	beforeDump := dump(t, a, s, sm, c.ID)
	if len(before.actionHistory) != 2 || before.supports != 2 || len(before.events) < 3 || len(before.audit) < 10 {
		t.Fatalf("the seed is thinner than the test needs: %+v", before)
	}
	a.close()

	uri, name := os.Getenv(mongotest.EnvURI), "migrate_"+randHex(6)
	if uri == "" {
		uri = mongotest.Own(t).URI()
	}
	migrateArgs := []string{"--data-dir", dir, "migrate", "--from", dir, "--to", uri, "--database", name}
	var out strings.Builder
	if err := run(ctx, migrateArgs, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	t.Logf("migrate said:\n%s", out.String())
	for _, want := range []string{"Verified", "sessions", "audit", "action_events", "follow_ups", "minutes"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the migration's report does not mention %q", want)
		}
	}
	if strings.Contains(out.String(), "FAILED") {
		t.Error("the migration reported a failure but exited zero")
	}

	// Chorus on the target: the same data through the services. The data
	// directory still gives it the secret file.
	m := openApp(t, "--data-dir", dir, "--mongodb-uri", uri, "--mongodb-database", name)
	if _, ok := m.store.(*mongo.DB); !ok {
		t.Fatalf("the target app runs on %T", m.store)
	}
	after := observe(t, m, s, sm, chair, grace)
	if !slices.Equal(after.events, before.events) {
		t.Errorf("issue history:\n before %v\n after  %v", before.events, after.events)
	}
	if after.supports != before.supports || after.status != before.status {
		t.Errorf("supports and status: before %d %s, after %d %s", before.supports, before.status, after.supports, after.status)
	}
	if !slices.Equal(after.audit, before.audit) {
		t.Errorf("audit order:\n before %v\n after  %v", before.audit, after.audit)
	}
	if !slices.Equal(after.actionHistory, before.actionHistory) {
		t.Errorf("action history:\n before %v\n after  %v", before.actionHistory, after.actionHistory)
	}
	if after.followUp != before.followUp || after.followUp == "" {
		t.Errorf("the follow-up code opened %q before and %q after", before.followUp, after.followUp)
	}
	if after.questionSupports != 1 || after.minutes != before.minutes || after.comment != before.comment ||
		after.notices != before.notices || after.following != true {
		t.Errorf("steering, comment, notices and follow: before %+v, after %+v", before, after)
	}
	if got := records(t, m, s, grace, c.ID, now); got != beforeRecords {
		t.Errorf("records:\n before %s\n after  %s", beforeRecords, got)
	}
	if got := dump(t, m, s, sm, c.ID); got != beforeDump {
		t.Errorf("what the stores list differs:\n before %s\n after  %s", beforeDump, got)
	}
	if _, err := m.store.FindSession(ctx, "session-hash"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("a session was moved: %v", err)
	}
	if _, _, err := m.accounts.SignIn(ctx, "grace@example.org", "password for grace@example.org"); err != nil {
		t.Errorf("signing in on the target: %v", err)
	}
	// New appends continue the numbering.
	if err := m.steering.UpdateAction(ctx, chair, sm.ActionID, steering.ActionUpdate{Status: steering.ActionInProgress,
		Note: "Rota tried for a week"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := m.forums.AddComment(ctx, forum.Viewer{Principal: grace}, s.Top[0], "Any news?", ""); err != nil {
		t.Fatal(err)
	}
	entries, err := m.audit.List(ctx, audit.Filter{Limit: 1})
	if err != nil || len(entries) != 1 || entries[0].Seq <= int64(len(before.audit)) {
		t.Errorf("the next audit entry after the migration: %+v, %v", entries, err)
	}

	// Run again: refused without --into-nonempty.
	out.Reset()
	err = run(ctx, migrateArgs, func(string) string { return "" }, nil, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "--into-nonempty") {
		t.Fatalf("a migration into a non-empty database: %v", err)
	}

	// Told, it adds nothing new: what it finds is identical... except what
	// changed on the target since, which it leaves alone and reports.
	changed, err := m.store.FindIssue(ctx, s.Top[1])
	if err != nil {
		t.Fatal(err)
	}
	changed.Title = "Changed on the new store"
	if err := m.store.UpdateIssue(ctx, changed); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, append(migrateArgs, "--into-nonempty"), func(string) string { return "" }, nil, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "FAILED") || !strings.Contains(err.Error(), "issues") {
		t.Fatalf("a migration over a changed document: %v\n%s", err, out.String())
	}
	t.Logf("into the changed database it said:\n%s", out.String())
	if got, err := m.store.FindIssue(ctx, s.Top[1]); err != nil || got.Title != "Changed on the new store" {
		t.Fatalf("the migration overwrote a document: %+v, %v", got, err)
	}
	m.close()
}

// observed is what the test compares between the two stores.
type observed struct {
	events           []string // the anonymous issue's history: seq kind status note
	status           forum.Status
	supports         int
	audit            []string // every audit entry's ID, in sequence order
	actionHistory    []string
	followUp         string // the title the follow-up code opens
	questionSupports int
	minutes          string
	comment          string
	notices          int
	following        bool
}

func observe(t *testing.T, a *app, s *steeringSeed, sm *sweptMeeting, chair, grace *account.Principal) observed {
	t.Helper()
	ctx := context.Background()
	var o observed
	view, err := a.forums.Issue(ctx, forum.Viewer{Principal: grace}, s.Top[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range view.Events {
		o.events = append(o.events, fmt.Sprint(e.Seq, " ", e.Kind, " ", e.Status, " ", e.Note))
	}
	o.status, o.supports, o.following = view.Status, view.Supports, view.Following
	for _, c := range view.Comments {
		o.comment += c.Body
	}
	fu, err := a.forums.OpenFollowUp(ctx, s.AnonCode)
	if err != nil {
		t.Fatalf("the follow-up code: %v", err)
	}
	o.followUp = fu.Issue.Title
	for before := int64(0); ; {
		list, err := a.audit.List(ctx, audit.Filter{Before: before, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			o.audit = append(o.audit, e.ID)
		}
		if len(list) < 100 {
			break
		}
		before = list[len(list)-1].Seq
	}
	slices.Reverse(o.audit)
	av, err := a.steering.Action(ctx, chair, sm.ActionID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range av.Action.History {
		o.actionHistory = append(o.actionHistory, string(e.Status)+" "+e.Note+" "+e.At.Format(time.RFC3339Nano))
	}
	qs, err := a.store.ListQuestions(ctx, sm.MeetingID)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		o.questionSupports += q.Supports
	}
	mins, err := a.store.FindMinutes(ctx, sm.MeetingID)
	if err != nil {
		t.Fatal(err)
	}
	o.minutes = mins.Text
	n, err := a.forums.Notifications(ctx, grace)
	if err != nil {
		t.Fatal(err)
	}
	o.notices = len(n.List)
	return o
}

// records reads back what TestMigrate put straight into the store.
func records(t *testing.T, a *app, s *steeringSeed, grace *account.Principal, commentID string, now time.Time) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	add := func(v any, err error) {
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%+v\n", reflect.Indirect(reflect.ValueOf(v)))
	}
	add(a.store.FindInvitation(ctx, "inv1"))
	add(a.store.FindClaim(ctx, "invitation:inv1"))
	add(a.store.FindResetByToken(ctx, "reset-hash"))
	add(a.store.CountAttempts(ctx, "signin:someone", now.Add(-time.Minute)))
	add(a.store.FindPreferences(ctx, grace.User.ID))
	add(a.store.FindDelivery(ctx, "sent"))
	add(a.store.FindDelivery(ctx, "unsent"))
	add(a.store.FindIssue(ctx, s.Top[2]))
	heldList, err := a.store.ListHeldIssues(ctx, s.Forums[2].ID)
	for _, i := range heldList {
		add("held: "+i.ID, err)
	}
	if len(heldList) != 1 {
		t.Fatalf("%d held issues", len(heldList))
	}
	add(a.store.FindComment(ctx, commentID))
	quotes, err := a.store.ListQuotes(ctx, s.Top[0])
	for _, q := range quotes {
		add(q, err)
	}
	if len(quotes) != 1 {
		t.Fatalf("%d quotes", len(quotes))
	}
	return b.String()
}

// dump lists, through the store's own queries, what the seeded
// installation holds: people, forums and their members, reports and held
// comments, each seeded issue's history, supports, comments, earlier texts,
// followers and quotes, everyone's notifications, the steering group's
// members, meetings, agendas, decisions, actions and their events,
// questions and minutes, and the live events of the meeting's room. Each
// list is sorted (order is checked where it matters, above) and written as
// JSON.
func dump(t *testing.T, a *app, s *steeringSeed, sm *sweptMeeting, commentID string) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	list := func(name string, v any, err error) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var lines []string
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice {
			rv = reflect.ValueOf([]any{v})
		}
		for i := 0; i < rv.Len(); i++ {
			j, err := json.Marshal(rv.Index(i).Interface())
			if err != nil {
				t.Fatal(err)
			}
			// The adapters read an empty list back as [] and as nil: the same
			// thing to every caller.
			lines = append(lines, strings.ReplaceAll(string(j), ":[]", ":null"))
		}
		slices.Sort(lines)
		fmt.Fprintf(&b, "%s (%d):\n  %s\n", name, len(lines), strings.Join(lines, "\n  "))
	}
	users, err := a.store.ListUsers(ctx)
	list("users", users, err)
	for _, u := range users {
		grants, err := a.store.ListGrants(ctx, u.ID)
		list("grants of "+u.Email, grants, err)
		notes, err := a.store.ListNotifications(ctx, u.ID, 100)
		list("notifications of "+u.Email, notes, err)
	}
	orgs, err := a.store.ListOrganisations(ctx)
	list("organisations", orgs, err)
	invs, err := a.store.ListInvitations(ctx)
	list("invitations", invs, err)
	forums, err := a.store.ListForums(ctx)
	list("forums", forums, err)
	for _, f := range forums {
		members, err := a.store.ListMembers(ctx, f.ID)
		list("members of "+f.Name, members, err)
		reports, err := a.store.ListReports(ctx, f.ID, false)
		list("reports in "+f.Name, reports, err)
		heldComments, err := a.store.ListHeldComments(ctx, f.ID)
		list("held comments in "+f.Name, heldComments, err)
	}
	for _, id := range append([]string{s.IssueID}, s.Top[:]...) {
		iss, err := a.store.FindIssue(ctx, id)
		list("issue", iss, err)
		events, err := a.store.ListEvents(ctx, id)
		list("events", events, err)
		supports, err := a.store.ListSupports(ctx, id)
		list("supports", supports, err)
		comments, err := a.store.ListComments(ctx, id)
		list("comments", comments, err)
		versions, err := a.store.ListVersions(ctx, id)
		list("versions", versions, err)
		followers, err := a.store.ListFollowers(ctx, id)
		list("followers", followers, err)
		quotes, err := a.store.ListQuotes(ctx, id)
		list("quotes", quotes, err)
		fu, err := a.store.ListActionsFor(ctx, id)
		list("actions for the issue", fu, err)
	}
	versions, err := a.store.ListVersions(ctx, commentID)
	list("the comment's versions", versions, err)
	groups, err := a.store.ListGroups(ctx)
	list("groups", groups, err)
	for _, g := range groups {
		members, err := a.store.ListGroupMembers(ctx, g.ID)
		list("group members", members, err)
		meetings, err := a.store.ListMeetings(ctx, g.ID)
		list("meetings", meetings, err)
		for _, m := range meetings {
			items, err := a.store.ListItems(ctx, m.ID)
			list("agenda", items, err)
			questions, err := a.store.ListQuestions(ctx, m.ID)
			list("questions", questions, err)
		}
		decisions, err := a.store.ListDecisions(ctx, g.ID, "")
		list("decisions", decisions, err)
		actions, err := a.store.ListActions(ctx, g.ID)
		list("actions", actions, err)
		var ids []string
		for _, act := range actions {
			ids = append(ids, act.ID)
		}
		events, err := a.store.ListActionEvents(ctx, ids)
		list("action events", events, err)
	}
	mins, err := a.store.FindMinutes(ctx, sm.MeetingID)
	list("minutes", mins, err)
	live, err := a.store.Since(ctx, steering.MeetingRoom(sm.MeetingID), 0, 1000)
	list("the meeting room's live events", live, err)
	return b.String()
}

func principal(t *testing.T, a *app, email string) *account.Principal {
	t.Helper()
	u, err := a.store.FindUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	grants, err := a.store.ListGrants(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &account.Principal{User: u, Grants: grants}
}

// TestMigrateKnowsEveryTable: every table and column of a fresh embedded
// store is either moved by the migration or named as not moved, so a table
// or column added later fails here until the migration knows it.
func TestMigrateKnowsEveryTable(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	for _, table := range snap.Tables() {
		coll, skip, known := mongo.ImportPlan(table)
		if !known {
			t.Errorf("table %s is unknown to chorus migrate: say in store/mongo/import.go where it goes, or why it stays", table)
			continue
		}
		if coll == "" {
			t.Logf("%s is not moved: %s", table, skip)
			continue
		}
		cols, err := snap.Columns(ctx, table)
		if err != nil {
			t.Fatal(err)
		}
		row := mongo.Row{} // a value of each column's type; "[]" reads as text and as a JSON list
		for _, c := range cols {
			switch c.Type {
			case "INTEGER":
				row[c.Name] = int64(1)
			case "BLOB":
				row[c.Name] = []byte("x")
			default:
				row[c.Name] = "[]"
			}
		}
		if _, _, err := mongo.ConvertRow(table, row); err != nil {
			t.Error(err)
		}
	}
	for _, table := range mongo.ImportTables() {
		if !slices.Contains(snap.Tables(), table) {
			t.Errorf("the migration knows a table %s the embedded store does not have", table)
		}
	}
}

// TestMigrateRefusesUnknownTable: a table the migration does not know stops
// it before anything is written.
func TestMigrateRefusesUnknownTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	seedAll(t, dir)
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE surprises (id TEXT PRIMARY KEY); INSERT INTO surprises VALUES ('x')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// No server is needed: the check comes before the target is opened.
	err = run(ctx, []string{"--data-dir", dir, "migrate", "--from", dir, "--to", "mongodb://127.0.0.1:1/"},
		func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "surprises") || !strings.Contains(err.Error(), "nothing was moved") {
		t.Fatalf("a migration with an unknown table: %v", err)
	}
	// And a directory with no embedded store is not taken for an empty one.
	err = run(ctx, []string{"--data-dir", dir, "migrate", "--from", t.TempDir(), "--to", "mongodb://127.0.0.1:1/"},
		func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no embedded store") {
		t.Fatalf("a migration from an empty directory: %v", err)
	}
}
