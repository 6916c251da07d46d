package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"chorus/internal/fault"
	"chorus/internal/secret"
	"chorus/steering"
)

// SteeringStore is what an adapter implements for steering groups.
type SteeringStore interface {
	steering.Store
}

// SteeringOpener returns a new, empty store for one test.
type SteeringOpener func(t *testing.T) SteeringStore

// RunSteering runs the steering contract against stores made by open:
// groups, members, meetings, agendas, decisions, actions and their
// histories, the quiet voice and minutes.
func RunSteering(t *testing.T, open SteeringOpener) {
	t.Run("Groups", func(t *testing.T) { testSteeringGroups(t, open) })
	t.Run("GroupMembers", func(t *testing.T) { testSteeringMembers(t, open) })
	t.Run("Meetings", func(t *testing.T) { testMeetings(t, open) })
	t.Run("Items", func(t *testing.T) { testAgendaItems(t, open) })
	t.Run("Decisions", func(t *testing.T) { testDecisions(t, open) })
	t.Run("Actions", func(t *testing.T) { testActions(t, open) })
	t.Run("ActionEvents", func(t *testing.T) { testActionEvents(t, open) })
	t.Run("ActionEventRace", func(t *testing.T) { testActionEventRace(t, open) })
	t.Run("Questions", func(t *testing.T) { testQuestions(t, open) })
	t.Run("QuestionSupportRace", func(t *testing.T) { testQuestionSupportRace(t, open) })
	t.Run("Minutes", func(t *testing.T) { testMinutes(t, open) })
}

func testSteeringGroups(t *testing.T, open SteeringOpener) {
	s, ctx := open(t), ctxFor(t)
	r := &steering.Group{ID: secret.NewID(), OrgID: "org-a", Name: "Rutland keyworker group", Description: "Meets monthly",
		ForumIDs: []string{"f1", "f2"}, CreatedAt: now}
	l := &steering.Group{ID: secret.NewID(), OrgID: "org-b", Name: "Leicester keyworker group", CreatedAt: now.Add(time.Minute)}
	must(t, s.CreateGroup(ctx, r))
	must(t, s.CreateGroup(ctx, l))
	wantErr(t, s.CreateGroup(ctx, &steering.Group{ID: r.ID, OrgID: "org-c", Name: "Another", CreatedAt: now}), fault.ErrConflict)

	got, err := s.FindGroup(ctx, r.ID)
	must(t, err)
	if got.ID != r.ID || got.OrgID != "org-a" || got.Name != r.Name || got.Description != "Meets monthly" || !slices.Equal(got.ForumIDs, r.ForumIDs) {
		t.Fatalf("FindGroup = %+v; want %+v", got, r)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, now)
	got, err = s.FindGroup(ctx, l.ID)
	must(t, err)
	if got.Description != "" || len(got.ForumIDs) != 0 || got.OrgID != "org-b" {
		t.Fatalf("FindGroup (no forums) = %+v", got)
	}
	_, err = s.FindGroup(ctx, "nope")
	wantErr(t, err, fault.ErrNotFound)

	// An update replaces the name, description and forums, nothing else.
	up := *r
	up.Name, up.Description, up.ForumIDs = "Rutland steering group", "", []string{"f3"}
	up.OrgID, up.CreatedAt = "org-z", now.Add(time.Hour)
	must(t, s.UpdateGroup(ctx, &up))
	got, err = s.FindGroup(ctx, r.ID)
	must(t, err)
	if got.Name != "Rutland steering group" || got.Description != "" || !slices.Equal(got.ForumIDs, []string{"f3"}) || got.OrgID != "org-a" {
		t.Fatalf("after UpdateGroup: %+v", got)
	}
	sameTime(t, "CreatedAt after update", got.CreatedAt, now)
	wantErr(t, s.UpdateGroup(ctx, &steering.Group{ID: "nope", Name: "x"}), fault.ErrNotFound)

	all, err := s.ListGroups(ctx)
	must(t, err)
	if len(all) != 2 || all[0].ID != l.ID || all[1].ID != r.ID {
		t.Fatalf("ListGroups = %+v; want Leicester then Rutland", all)
	}
	if !slices.Equal(all[1].ForumIDs, []string{"f3"}) {
		t.Fatalf("ListGroups forums = %v", all[1].ForumIDs)
	}
}

func testSteeringMembers(t *testing.T, open SteeringOpener) {
	s, ctx := open(t), ctxFor(t)
	zara := &steering.Member{GroupID: "g1", UserID: "u1", Name: "Zara Khan", Role: steering.RoleParentRep,
		Organisation: steering.OrgParentForum, AddedAt: now}
	amina := &steering.Member{GroupID: "g1", UserID: "u2", Name: "Amina Begum", Role: steering.RoleChair,
		Organisation: steering.OrgICB, AddedAt: now.Add(time.Minute)}
	elsewhere := &steering.Member{GroupID: "g2", UserID: "u1", Name: "Zara K", Role: steering.RoleMember,
		Organisation: steering.OrgParentForum, AddedAt: now}
	for _, m := range []*steering.Member{zara, amina, elsewhere} {
		must(t, s.AddGroupMember(ctx, m))
	}
	again := *zara
	again.Name, again.Role = "Someone else", steering.RoleObserver
	wantErr(t, s.AddGroupMember(ctx, &again), fault.ErrConflict)

	list, err := s.ListGroupMembers(ctx, "g1")
	must(t, err)
	if len(list) != 2 || list[0].UserID != "u2" || list[1].UserID != "u1" {
		t.Fatalf("ListGroupMembers = %+v; want Amina then Zara", list)
	}
	if m := list[1]; m.GroupID != "g1" || m.Name != "Zara Khan" || m.Role != steering.RoleParentRep || m.Organisation != steering.OrgParentForum {
		t.Fatalf("member = %+v", m)
	}
	sameTime(t, "AddedAt", list[1].AddedAt, now)
	sameTime(t, "AddedAt", list[0].AddedAt, now.Add(time.Minute))

	up := *zara
	up.Name, up.Role, up.Organisation, up.AddedAt = "Zara Khan (PCF)", steering.RoleObserver, steering.OrgVoluntary, now.Add(time.Hour)
	must(t, s.UpdateGroupMember(ctx, &up))
	list, err = s.ListGroupMembers(ctx, "g1")
	must(t, err)
	if m := list[1]; len(list) != 2 || m.UserID != "u1" || m.Name != "Zara Khan (PCF)" || m.Role != steering.RoleObserver || m.Organisation != steering.OrgVoluntary {
		t.Fatalf("after UpdateGroupMember: %+v", list)
	}
	sameTime(t, "AddedAt after update", list[1].AddedAt, now)
	wantErr(t, s.UpdateGroupMember(ctx, &steering.Member{GroupID: "g9", UserID: "u1", Name: "x"}), fault.ErrNotFound)

	mine, err := s.ListGroupMemberships(ctx, "u1")
	must(t, err)
	if len(mine) != 2 || !sameSet(groupsOf(mine), []string{"g1", "g2"}) {
		t.Fatalf("ListGroupMemberships = %+v", mine)
	}
	for _, m := range mine {
		if m.GroupID == "g2" && (m.Name != "Zara K" || m.Role != steering.RoleMember) {
			t.Fatalf("membership = %+v", m)
		}
	}

	must(t, s.RemoveGroupMember(ctx, "g1", "u1"))
	wantErr(t, s.RemoveGroupMember(ctx, "g1", "u1"), fault.ErrNotFound)
	wantErr(t, s.RemoveGroupMember(ctx, "g1", "u9"), fault.ErrNotFound)
	if list, _ = s.ListGroupMembers(ctx, "g1"); len(list) != 1 || list[0].UserID != "u2" {
		t.Fatalf("after RemoveGroupMember: %+v", list)
	}
	if mine, _ = s.ListGroupMemberships(ctx, "u1"); len(mine) != 1 || mine[0].GroupID != "g2" {
		t.Fatalf("memberships after removal: %+v", mine)
	}
	must(t, s.AddGroupMember(ctx, zara)) // a removed member may be added again
	if empty, err := s.ListGroupMembers(ctx, "g9"); err != nil || len(empty) != 0 {
		t.Fatalf("ListGroupMembers of no group = %v, %v", empty, err)
	}
}

func groupsOf(ms []*steering.Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.GroupID)
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func testMeetings(t *testing.T, open SteeringOpener) {
	s, ctx := open(t), ctxFor(t)
	spring := &steering.Meeting{ID: secret.NewID(), GroupID: "g1", Title: "Spring meeting", StartsAt: now.Add(48 * time.Hour),
		Minutes: 90, Place: "Room 1, City Hall", Online: "https://meet.example.org/abc", Status: steering.MeetingDraft,
		OpenLink: true, LinkKey: "link-key-1", CreatedAt: now}
	winter := &steering.Meeting{ID: secret.NewID(), GroupID: "g1", Title: "Winter meeting", StartsAt: now.Add(24 * time.Hour),
		Minutes: 60, Status: steering.MeetingPublished, LinkKey: "link-key-2", CreatedAt: now.Add(time.Minute)}
	other := &steering.Meeting{ID: secret.NewID(), GroupID: "g2", Title: "Elsewhere", StartsAt: now, Status: steering.MeetingDraft, CreatedAt: now}
	for _, m := range []*steering.Meeting{spring, winter, other} {
		must(t, s.CreateMeeting(ctx, m))
	}
	wantErr(t, s.CreateMeeting(ctx, &steering.Meeting{ID: winter.ID, GroupID: "g3", Title: "x", StartsAt: now, CreatedAt: now}), fault.ErrConflict)

	got, err := s.FindMeeting(ctx, spring.ID)
	must(t, err)
	if got.ID != spring.ID || got.GroupID != "g1" || got.Title != "Spring meeting" || got.Minutes != 90 || got.Place != spring.Place ||
		got.Online != spring.Online || got.Status != steering.MeetingDraft || got.Current != "" || !got.OpenLink || got.LinkKey != "link-key-1" {
		t.Fatalf("FindMeeting = %+v; want %+v", got, spring)
	}
	sameTime(t, "StartsAt", got.StartsAt, spring.StartsAt)
	sameTime(t, "CreatedAt", got.CreatedAt, now)
	_, err = s.FindMeeting(ctx, "nope")
	wantErr(t, err, fault.ErrNotFound)

	list, err := s.ListMeetings(ctx, "g1")
	must(t, err)
	if len(list) != 2 || list[0].ID != winter.ID || list[1].ID != spring.ID {
		t.Fatalf("ListMeetings = %+v; want winter then spring", list)
	}

	// The chair moves the spring meeting earlier and runs it; the link key
	// and creation time stay.
	up := *spring
	up.Title, up.StartsAt, up.Minutes, up.Place, up.Online = "Spring meeting (moved)", now.Add(time.Hour+time.Second), 75, "", ""
	up.Status, up.Current, up.OpenLink = steering.MeetingInProgress, "item-1", false
	up.LinkKey, up.CreatedAt = "changed", now.Add(time.Hour)
	must(t, s.UpdateMeeting(ctx, &up))
	got, err = s.FindMeeting(ctx, spring.ID)
	must(t, err)
	if got.Title != "Spring meeting (moved)" || got.Minutes != 75 || got.Place != "" || got.Online != "" ||
		got.Status != steering.MeetingInProgress || got.Current != "item-1" || got.OpenLink || got.LinkKey != "link-key-1" || got.GroupID != "g1" {
		t.Fatalf("after UpdateMeeting: %+v", got)
	}
	sameTime(t, "StartsAt after update", got.StartsAt, now.Add(time.Hour+time.Second))
	sameTime(t, "CreatedAt after update", got.CreatedAt, now)
	wantErr(t, s.UpdateMeeting(ctx, &steering.Meeting{ID: "nope", Title: "x"}), fault.ErrNotFound)

	list, err = s.ListMeetings(ctx, "g1")
	must(t, err)
	if len(list) != 2 || list[0].ID != spring.ID || list[1].ID != winter.ID {
		t.Fatalf("ListMeetings after the move = %+v; want spring then winter", list)
	}
	if list[1].Status != steering.MeetingPublished || list[1].OpenLink {
		t.Fatalf("listed meeting = %+v", list[1])
	}
	if none, err := s.ListMeetings(ctx, "g9"); err != nil || len(none) != 0 {
		t.Fatalf("ListMeetings of no group = %v, %v", none, err)
	}
}

func testAgendaItems(t *testing.T, open SteeringOpener) {
	s, ctx := open(t), ctxFor(t)
	welcome := &steering.Item{ID: secret.NewID(), MeetingID: "m1", Order: 1, Kind: steering.ItemStanding, Title: "Welcome",
		Minutes: 5, CreatedAt: now}
	issue := &steering.Item{ID: secret.NewID(), MeetingID: "m1", Order: 2, Kind: steering.ItemIssue, Title: "Waiting times",
		IssueID: "issue-1", LeadID: "u1", Minutes: 20, CreatedAt: now.Add(time.Minute)}
	carried := &steering.Item{ID: secret.NewID(), MeetingID: "m1", Order: 3, Kind: steering.ItemAction, Title: "Letter to schools",
		ActionID: "a1", Minutes: 10, CreatedAt: now.Add(2 * time.Minute)}
	other := &steering.Item{ID: secret.NewID(), MeetingID: "m2", Order: 1, Kind: steering.ItemQuiet, Title: "A question", CreatedAt: now}
	for _, it := range []*steering.Item{issue, carried, welcome, other} {
		must(t, s.AddItem(ctx, it))
	}
	wantErr(t, s.AddItem(ctx, &steering.Item{ID: welcome.ID, MeetingID: "m3", Order: 1, Kind: steering.ItemStanding, Title: "x", CreatedAt: now}), fault.ErrConflict)

	got, err := s.FindItem(ctx, issue.ID)
	must(t, err)
	if got.ID != issue.ID || got.MeetingID != "m1" || got.Order != 2 || got.Kind != steering.ItemIssue || got.Title != "Waiting times" ||
		got.IssueID != "issue-1" || got.ActionID != "" || got.LeadID != "u1" || got.Minutes != 20 || got.Notes != "" {
		t.Fatalf("FindItem = %+v; want %+v", got, issue)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, now.Add(time.Minute))
	if got, err = s.FindItem(ctx, carried.ID); err != nil || got.ActionID != "a1" || got.Kind != steering.ItemAction {
		t.Fatalf("FindItem (carried) = %+v, %v", got, err)
	}
	_, err = s.FindItem(ctx, "nope")
	wantErr(t, err, fault.ErrNotFound)

	list, err := s.ListItems(ctx, "m1")
	must(t, err)
	if ids := itemIDs(list); !slices.Equal(ids, []string{welcome.ID, issue.ID, carried.ID}) {
		t.Fatalf("ListItems = %v; want in order", ids)
	}

	// Moved to the top, with notes and a new lead; its kind and links stay.
	up := *carried
	up.Order, up.Title, up.LeadID, up.Minutes, up.Notes = 0, "Letter to schools (overdue)", "u2", 15, "Agreed to send by Friday."
	up.Kind, up.ActionID, up.IssueID, up.MeetingID = steering.ItemStanding, "a9", "issue-9", "m9"
	must(t, s.UpdateItem(ctx, &up))
	got, err = s.FindItem(ctx, carried.ID)
	must(t, err)
	if got.Order != 0 || got.Title != "Letter to schools (overdue)" || got.LeadID != "u2" || got.Minutes != 15 || got.Notes != "Agreed to send by Friday." ||
		got.Kind != steering.ItemAction || got.ActionID != "a1" || got.IssueID != "" || got.MeetingID != "m1" {
		t.Fatalf("after UpdateItem: %+v", got)
	}
	wantErr(t, s.UpdateItem(ctx, &steering.Item{ID: "nope", Title: "x"}), fault.ErrNotFound)
	list, err = s.ListItems(ctx, "m1")
	must(t, err)
	if ids := itemIDs(list); !slices.Equal(ids, []string{carried.ID, welcome.ID, issue.ID}) {
		t.Fatalf("ListItems after reorder = %v", ids)
	}
	if list[0].Notes != "Agreed to send by Friday." {
		t.Fatalf("listed item = %+v", list[0])
	}

	must(t, s.RemoveItem(ctx, welcome.ID))
	wantErr(t, s.RemoveItem(ctx, welcome.ID), fault.ErrNotFound)
	_, err = s.FindItem(ctx, welcome.ID)
	wantErr(t, err, fault.ErrNotFound)
	list, err = s.ListItems(ctx, "m1")
	must(t, err)
	if ids := itemIDs(list); !slices.Equal(ids, []string{carried.ID, issue.ID}) {
		t.Fatalf("ListItems after removal = %v", ids)
	}
	if list, err = s.ListItems(ctx, "m2"); err != nil || len(list) != 1 || list[0].Kind != steering.ItemQuiet {
		t.Fatalf("other meeting's agenda = %+v, %v", list, err)
	}
}

func itemIDs(list []*steering.Item) []string {
	var out []string
	for _, it := range list {
		out = append(out, it.ID)
	}
	return out
}

func testDecisions(t *testing.T, open SteeringOpener) {
	s, ctx := open(t), ctxFor(t)
	agreed := &steering.Decision{ID: secret.NewID(), GroupID: "g1", MeetingID: "m1", ItemID: "i1", Text: "Write to every school",
		Type: steering.DecisionAgreed, AgreedBy: []steering.OrgKind{steering.OrgICB, steering.OrgLocalAuthority}, ByID: "u1", At: now}
	declined := &steering.Decision{ID: secret.NewID(), GroupID: "g1", MeetingID: "m2", ItemID: "i7", Text: "A new clinic",
		Type: steering.DecisionDeclined, Reason: "No budget this year", Dissent: "The parent carer forum disagreed", ByID: "u2", At: now.Add(time.Minute)}
	deferred := &steering.Decision{ID: secret.NewID(), GroupID: "g1", MeetingID: "m1", ItemID: "i2", Text: "Transport review",
		Type: steering.DecisionDeferred, Reason: "Waiting for figures", ByID: "u1", At: now.Add(2 * time.Minute)}
	other := &steering.Decision{ID: secret.NewID(), GroupID: "g2", MeetingID: "m1", Text: "Elsewhere", Type: steering.DecisionAgreed, At: now}
	for _, d := range []*steering.Decision{deferred, agreed, other, declined} {
		must(t, s.AddDecision(ctx, d))
	}
	wantErr(t, s.AddDecision(ctx, &steering.Decision{ID: agreed.ID, GroupID: "g3", Text: "x", Type: steering.DecisionAgreed, At: now}), fault.ErrConflict)

	all, err := s.ListDecisions(ctx, "g1", "")
	must(t, err)
	if ids := decisionIDs(all); !slices.Equal(ids, []string{agreed.ID, declined.ID, deferred.ID}) {
		t.Fatalf("ListDecisions = %v; want oldest first", ids)
	}
	if d := all[0]; d.GroupID != "g1" || d.MeetingID != "m1" || d.ItemID != "i1" || d.Text != agreed.Text || d.Type != steering.DecisionAgreed ||
		d.Reason != "" || d.Dissent != "" || d.ByID != "u1" || !slices.Equal(d.AgreedBy, agreed.AgreedBy) {
		t.Fatalf("agreed decision = %+v; want %+v", d, agreed)
	}
	sameTime(t, "At", all[0].At, now)
	if d := all[1]; d.Type != steering.DecisionDeclined || d.Reason != "No budget this year" || d.Dissent != declined.Dissent ||
		len(d.AgreedBy) != 0 || d.MeetingID != "m2" || d.ByID != "u2" {
		t.Fatalf("declined decision = %+v; want %+v", d, declined)
	}

	one, err := s.ListDecisions(ctx, "g1", "m1")
	must(t, err)
	if ids := decisionIDs(one); !slices.Equal(ids, []string{agreed.ID, deferred.ID}) {
		t.Fatalf("ListDecisions of m1 = %v", ids)
	}
	if none, err := s.ListDecisions(ctx, "g9", ""); err != nil || len(none) != 0 {
		t.Fatalf("ListDecisions of no group = %v, %v", none, err)
	}
	if none, err := s.ListDecisions(ctx, "g1", "m9"); err != nil || len(none) != 0 {
		t.Fatalf("ListDecisions of no meeting = %v, %v", none, err)
	}
}

func decisionIDs(list []*steering.Decision) []string {
	var out []string
	for _, d := range list {
		out = append(out, d.ID)
	}
	return out
}

func testActions(t *testing.T, open SteeringOpener) {
	s, ctx := open(t), ctxFor(t)
	letter := &steering.Action{ID: secret.NewID(), GroupID: "g1", MeetingID: "m1", ItemID: "i1", Description: "Write to every school",
		OwnerOrg: steering.OrgLocalAuthority, Owner: "SEND lead", Due: "2026-12-31", IssueIDs: []string{"iss1", "iss2"}, CreatedAt: now}
	leaflet := &steering.Action{ID: secret.NewID(), GroupID: "g1", MeetingID: "m1", ItemID: "i2", Description: "Publish a leaflet",
		OwnerOrg: steering.OrgKeyworkerService, Owner: "Keyworker manager", IssueIDs: []string{"iss2"}, CreatedAt: now.Add(time.Minute)}
	review := &steering.Action{ID: secret.NewID(), GroupID: "g1", MeetingID: "m2", Description: "Review transport",
		OwnerOrg: steering.OrgProvider, CreatedAt: now.Add(2 * time.Minute)}
	other := &steering.Action{ID: secret.NewID(), GroupID: "g2", MeetingID: "m9", Description: "Elsewhere",
		OwnerOrg: steering.OrgICB, IssueIDs: []string{"iss1"}, CreatedAt: now.Add(3 * time.Minute)}
	for _, a := range []*steering.Action{review, letter, other, leaflet} {
		must(t, s.CreateAction(ctx, a))
	}
	wantErr(t, s.CreateAction(ctx, &steering.Action{ID: letter.ID, GroupID: "g3", Description: "x", IssueIDs: []string{"iss3"}, CreatedAt: now}), fault.ErrConflict)

	got, err := s.FindAction(ctx, letter.ID)
	must(t, err)
	if got.ID != letter.ID || got.GroupID != "g1" || got.MeetingID != "m1" || got.ItemID != "i1" || got.Description != letter.Description ||
		got.OwnerOrg != steering.OrgLocalAuthority || got.Owner != "SEND lead" || got.Due != "2026-12-31" || !slices.Equal(got.IssueIDs, letter.IssueIDs) ||
		got.Status != "" || got.Outcome != "" || len(got.History) != 0 {
		t.Fatalf("FindAction = %+v; want %+v", got, letter)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, now)
	_, err = s.FindAction(ctx, "nope")
	wantErr(t, err, fault.ErrNotFound)

	list, err := s.ListActions(ctx, "g1")
	must(t, err)
	if ids := actionIDs(list); !slices.Equal(ids, []string{letter.ID, leaflet.ID, review.ID}) {
		t.Fatalf("ListActions = %v; want oldest first", ids)
	}
	if a := list[2]; len(a.IssueIDs) != 0 || a.Due != "" || a.ItemID != "" || a.MeetingID != "m2" {
		t.Fatalf("listed action = %+v", a)
	}

	for issue, want := range map[string][]string{
		"iss1": {letter.ID, other.ID},
		"iss2": {letter.ID, leaflet.ID},
		"iss3": nil, // the conflicting action linked it: not stored
		"iss9": nil,
	} {
		list, err := s.ListActionsFor(ctx, issue)
		must(t, err)
		if ids := actionIDs(list); !slices.Equal(ids, want) {
			t.Fatalf("ListActionsFor(%s) = %v; want %v", issue, ids, want)
		}
	}
	list, err = s.ListActionsFor(ctx, "iss2")
	must(t, err)
	if !slices.Equal(list[0].IssueIDs, letter.IssueIDs) || list[1].Description != "Publish a leaflet" {
		t.Fatalf("ListActionsFor = %+v", list)
	}
}

func actionIDs(list []*steering.Action) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.ID)
	}
	return out
}

func testActionEvents(t *testing.T, open SteeringOpener) {
	s, ctx := open(t), ctxFor(t)
	created := &steering.ActionEvent{ActionID: "a1", Seq: 1, Status: steering.ActionAgreed, Due: "2026-12-31", ByID: "u1", At: now, Key: "created"}
	progress := &steering.ActionEvent{ActionID: "a1", Seq: 2, Status: steering.ActionInProgress, Note: "Letter drafted", ByID: "u2",
		At: now.Add(time.Hour)}
	done := &steering.ActionEvent{ActionID: "a1", Seq: 3, Status: steering.ActionDone, Note: "https://example.org/letter",
		Outcome: "Every school has the letter", Due: "2027-01-15", ByID: "u2", At: now.Add(2 * time.Hour), Key: "form-3"}
	// Another action may use the same keys and numbers.
	created2 := &steering.ActionEvent{ActionID: "a2", Seq: 1, Status: steering.ActionAgreed, ByID: "u1", At: now, Key: "created"}
	moved2 := &steering.ActionEvent{ActionID: "a2", Seq: 2, Status: steering.ActionAgreed, Due: "2027-02-01", ByID: "u1", At: now.Add(time.Minute)}
	for _, e := range []*steering.ActionEvent{done, created2, progress, created, moved2} {
		must(t, s.AddActionEvent(ctx, e))
	}

	// A taken (action, seq) is a conflict, whatever the key.
	wantErr(t, s.AddActionEvent(ctx, &steering.ActionEvent{ActionID: "a1", Seq: 2, Status: steering.ActionDone, At: now, Key: "form-x"}), fault.ErrConflict)
	wantErr(t, s.AddActionEvent(ctx, &steering.ActionEvent{ActionID: "a1", Seq: 3, Status: steering.ActionDone, At: now}), fault.ErrConflict)
	// A taken (action, key) is a conflict under another seq: the same form twice.
	wantErr(t, s.AddActionEvent(ctx, &steering.ActionEvent{ActionID: "a1", Seq: 4, Status: steering.ActionDone, At: now, Key: "form-3"}), fault.ErrConflict)
	wantErr(t, s.AddActionEvent(ctx, &steering.ActionEvent{ActionID: "a2", Seq: 3, Status: steering.ActionDone, At: now, Key: "created"}), fault.ErrConflict)
	// An empty key never conflicts: progress (seq 2) has none, nor has this.
	must(t, s.AddActionEvent(ctx, &steering.ActionEvent{ActionID: "a1", Seq: 4, Status: steering.ActionInProgress, Note: "Reopened", ByID: "u3", At: now.Add(3 * time.Hour)}))
	must(t, s.AddActionEvent(ctx, &steering.ActionEvent{ActionID: "a1", Seq: 5, Status: steering.ActionDone, ByID: "u3", At: now.Add(4 * time.Hour)}))

	events, err := s.ListActionEvents(ctx, []string{"a1", "a2"})
	must(t, err)
	if len(events) != 7 {
		t.Fatalf("ListActionEvents = %d events; want 7", len(events))
	}
	if seqs := seqsOf(events, "a1"); !slices.Equal(seqs, []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("a1's history %v; want 1..5 in order", seqs)
	}
	if seqs := seqsOf(events, "a2"); !slices.Equal(seqs, []int64{1, 2}) {
		t.Fatalf("a2's history %v; want 1, 2 in order", seqs)
	}
	byKey := map[string]*steering.ActionEvent{}
	for _, e := range events {
		byKey[fmt.Sprintf("%s/%d", e.ActionID, e.Seq)] = e
	}
	e := byKey["a1/3"]
	if e.Status != steering.ActionDone || e.Note != done.Note || e.Outcome != done.Outcome || e.Due != "2027-01-15" || e.ByID != "u2" || e.Key != "form-3" {
		t.Fatalf("event = %+v; want %+v", e, done)
	}
	sameTime(t, "At", e.At, now.Add(2*time.Hour))
	if e := byKey["a1/2"]; e.Key != "" || e.Note != "Letter drafted" || e.Status != steering.ActionInProgress || e.Outcome != "" || e.Due != "" {
		t.Fatalf("event without a key = %+v", e)
	}
	if e := byKey["a1/1"]; e.Key != "created" || e.Due != "2026-12-31" {
		t.Fatalf("first event = %+v", e)
	}
	if e := byKey["a2/2"]; e.Key != "" || e.Due != "2027-02-01" {
		t.Fatalf("a2's second event = %+v", e)
	}

	one, err := s.ListActionEvents(ctx, []string{"a2"})
	must(t, err)
	if len(one) != 2 || one[0].ActionID != "a2" || one[0].Seq != 1 || one[1].Seq != 2 {
		t.Fatalf("ListActionEvents(a2) = %+v", one)
	}
	for _, ids := range [][]string{nil, {}, {"a9"}} {
		if none, err := s.ListActionEvents(ctx, ids); err != nil || len(none) != 0 {
			t.Fatalf("ListActionEvents(%v) = %v, %v", ids, none, err)
		}
	}
}

func seqsOf(events []*steering.ActionEvent, actionID string) []int64 {
	var out []int64
	for _, e := range events {
		if e.ActionID == actionID {
			out = append(out, e.Seq)
		}
	}
	return out
}

// testActionEventRace: people updating one action at once take the same
// next number; exactly one wins it and the others retry. The same form sent
// at once under different numbers is kept once.
func testActionEventRace(t *testing.T, open SteeringOpener) {
	s, ctx := open(t), ctxFor(t)
	const n = 16
	ok := race(t, n, func(i int) error {
		return s.AddActionEvent(ctx, &steering.ActionEvent{ActionID: "a1", Seq: 1, Status: steering.ActionInProgress,
			Note: fmt.Sprint(i), ByID: fmt.Sprintf("u%d", i), At: now, Key: fmt.Sprintf("form-%d", i)})
	})
	if ok != 1 {
		t.Fatalf("%d of %d events with one seq succeeded; want exactly 1", ok, n)
	}
	events, err := s.ListActionEvents(ctx, []string{"a1"})
	must(t, err)
	if len(events) != 1 || events[0].Seq != 1 {
		t.Fatalf("history after the race = %+v; want one event", events)
	}

	ok = race(t, n, func(i int) error {
		return s.AddActionEvent(ctx, &steering.ActionEvent{ActionID: "a2", Seq: int64(i + 1), Status: steering.ActionDone,
			ByID: "u1", At: now, Key: "the-same-form"})
	})
	if ok != 1 {
		t.Fatalf("%d of %d events with one key succeeded; want exactly 1", ok, n)
	}
	if events, err = s.ListActionEvents(ctx, []string{"a2"}); err != nil || len(events) != 1 || events[0].Key != "the-same-form" {
		t.Fatalf("history after the keyed race = %+v, %v; want one event", events, err)
	}
}

func testQuestions(t *testing.T, open SteeringOpener) {
	s, ctx := open(t), ctxFor(t)
	first := &steering.Question{ID: secret.NewID(), MeetingID: "m1", Seq: 1, Text: "Will there be a session for parents?", Status: steering.QuestionWaiting}
	second := &steering.Question{ID: secret.NewID(), MeetingID: "m1", Seq: 2, Text: "When will the letter go out?", Status: steering.QuestionApproved}
	third := &steering.Question{ID: secret.NewID(), MeetingID: "m1", Seq: 3, Text: "Thank you", Status: steering.QuestionWaiting}
	other := &steering.Question{ID: secret.NewID(), MeetingID: "m2", Seq: 1, Text: "Elsewhere", Status: steering.QuestionApproved}
	for _, q := range []*steering.Question{second, other, third, first} {
		must(t, s.AddQuestion(ctx, q))
	}
	wantErr(t, s.AddQuestion(ctx, &steering.Question{ID: secret.NewID(), MeetingID: "m1", Seq: 2, Text: "x", Status: steering.QuestionWaiting}), fault.ErrConflict)
	wantErr(t, s.AddQuestion(ctx, &steering.Question{ID: first.ID, MeetingID: "m1", Seq: 9, Text: "x", Status: steering.QuestionWaiting}), fault.ErrConflict)

	got, err := s.FindQuestion(ctx, second.ID)
	must(t, err)
	if got.ID != second.ID || got.MeetingID != "m1" || got.Seq != 2 || got.Text != second.Text || got.Status != steering.QuestionApproved || got.Supports != 0 {
		t.Fatalf("FindQuestion = %+v; want %+v", got, second)
	}
	_, err = s.FindQuestion(ctx, "nope")
	wantErr(t, err, fault.ErrNotFound)

	for _, k := range []string{"u:1", "u:2", "d:abc"} {
		must(t, s.AddQuestionSupport(ctx, second.ID, k))
	}
	must(t, s.AddQuestionSupport(ctx, first.ID, "u:1")) // one key may support several questions
	must(t, s.AddQuestionSupport(ctx, other.ID, "u:1"))
	wantErr(t, s.AddQuestionSupport(ctx, second.ID, "u:1"), fault.ErrConflict)

	list, err := s.ListQuestions(ctx, "m1")
	must(t, err)
	if len(list) != 3 || list[0].ID != first.ID || list[1].ID != second.ID || list[2].ID != third.ID {
		t.Fatalf("ListQuestions = %+v; want in seq order", list)
	}
	if list[0].Supports != 1 || list[1].Supports != 3 || list[2].Supports != 0 {
		t.Fatalf("support counts %d, %d, %d; want 1, 3, 0", list[0].Supports, list[1].Supports, list[2].Supports)
	}
	if q := list[1]; q.Text != second.Text || q.Status != steering.QuestionApproved || q.MeetingID != "m1" || q.Seq != 2 {
		t.Fatalf("listed question = %+v", q)
	}

	must(t, s.SetQuestionStatus(ctx, first.ID, steering.QuestionDeclined))
	must(t, s.SetQuestionStatus(ctx, second.ID, steering.QuestionTaken))
	must(t, s.SetQuestionStatus(ctx, second.ID, steering.QuestionTaken)) // unchanged is no error
	wantErr(t, s.SetQuestionStatus(ctx, "nope", steering.QuestionApproved), fault.ErrNotFound)
	if got, err = s.FindQuestion(ctx, first.ID); err != nil || got.Status != steering.QuestionDeclined || got.Text != first.Text || got.Seq != 1 {
		t.Fatalf("after SetQuestionStatus: %+v, %v", got, err)
	}
	list, err = s.ListQuestions(ctx, "m1")
	must(t, err)
	if list[0].Status != steering.QuestionDeclined || list[1].Status != steering.QuestionTaken || list[2].Status != steering.QuestionWaiting || list[1].Supports != 3 {
		t.Fatalf("ListQuestions after status changes = %+v", list)
	}
	if list, err = s.ListQuestions(ctx, "m2"); err != nil || len(list) != 1 || list[0].Supports != 1 {
		t.Fatalf("other meeting's questions = %+v, %v", list, err)
	}
	if list, err = s.ListQuestions(ctx, "m9"); err != nil || len(list) != 0 {
		t.Fatalf("ListQuestions of no meeting = %+v, %v", list, err)
	}
}

// testQuestionSupportRace: one viewer's support sent many times at once is
// counted once; many viewers at once are all counted.
func testQuestionSupportRace(t *testing.T, open SteeringOpener) {
	s, ctx := open(t), ctxFor(t)
	one := &steering.Question{ID: secret.NewID(), MeetingID: "m1", Seq: 1, Text: "Same key", Status: steering.QuestionApproved}
	many := &steering.Question{ID: secret.NewID(), MeetingID: "m1", Seq: 2, Text: "Many keys", Status: steering.QuestionApproved}
	must(t, s.AddQuestion(ctx, one))
	must(t, s.AddQuestion(ctx, many))
	const n = 16
	if ok := race(t, n, func(int) error { return s.AddQuestionSupport(ctx, one.ID, "d:same-device") }); ok != 1 {
		t.Fatalf("%d of %d supports with one key succeeded; want exactly 1", ok, n)
	}
	if ok := race(t, n, func(i int) error { return s.AddQuestionSupport(ctx, many.ID, fmt.Sprintf("u:%d", i)) }); ok != n {
		t.Fatalf("%d of %d supports with distinct keys succeeded; want all", ok, n)
	}
	list, err := s.ListQuestions(ctx, "m1")
	must(t, err)
	if len(list) != 2 || list[0].Supports != 1 || list[1].Supports != n {
		t.Fatalf("ListQuestions after the race = %+v; want counts 1 and %d", list, n)
	}
}

func testMinutes(t *testing.T, open SteeringOpener) {
	s, ctx := open(t), ctxFor(t)
	_, err := s.FindMinutes(ctx, "m1")
	wantErr(t, err, fault.ErrNotFound)

	must(t, s.SaveMinutes(ctx, &steering.Minutes{MeetingID: "m1", Text: "Draft: welcome and apologies.", UpdatedAt: now}))
	got, err := s.FindMinutes(ctx, "m1")
	must(t, err)
	if got.MeetingID != "m1" || got.Text != "Draft: welcome and apologies." || got.ChairID != "" || got.ParentRepID != "" ||
		!got.Published.IsZero() || len(got.Amendments) != 0 || got.Signed() {
		t.Fatalf("FindMinutes (draft) = %+v", got)
	}
	sameTime(t, "UpdatedAt", got.UpdatedAt, now)
	_, err = s.FindMinutes(ctx, "m2")
	wantErr(t, err, fault.ErrNotFound)

	// Signed, published and amended: every field is replaced, and amendment
	// times keep their milliseconds.
	published := &steering.Minutes{MeetingID: "m1", Text: "Final minutes.", ChairID: "u1", ParentRepID: "u2",
		Published: now.Add(time.Hour), UpdatedAt: now.Add(2 * time.Hour),
		Amendments: []steering.Amendment{
			{Text: "Corrected the date of the next meeting.", ByID: "u1", At: now.Add(90 * time.Minute)},
			{Text: "Added apologies from the ICB.", ByID: "u2", At: now.Add(2*time.Hour + 7*time.Millisecond)},
		}}
	must(t, s.SaveMinutes(ctx, published))
	must(t, s.SaveMinutes(ctx, &steering.Minutes{MeetingID: "m2", Text: "Other meeting", UpdatedAt: now}))
	got, err = s.FindMinutes(ctx, "m1")
	must(t, err)
	if got.Text != "Final minutes." || got.ChairID != "u1" || got.ParentRepID != "u2" || !got.Signed() || len(got.Amendments) != 2 {
		t.Fatalf("FindMinutes (published) = %+v", got)
	}
	sameTime(t, "Published", got.Published, now.Add(time.Hour))
	sameTime(t, "UpdatedAt", got.UpdatedAt, now.Add(2*time.Hour))
	for i, a := range got.Amendments {
		want := published.Amendments[i]
		if a.Text != want.Text || a.ByID != want.ByID {
			t.Fatalf("amendment %d = %+v; want %+v", i, a, want)
		}
		sameTime(t, fmt.Sprintf("amendment %d At", i), a.At, want.At)
	}

	// Replaced again by a record without them: nothing of the old one stays.
	must(t, s.SaveMinutes(ctx, &steering.Minutes{MeetingID: "m1", Text: "Reset", UpdatedAt: now.Add(3 * time.Hour)}))
	got, err = s.FindMinutes(ctx, "m1")
	must(t, err)
	if got.Text != "Reset" || got.ChairID != "" || got.ParentRepID != "" || !got.Published.IsZero() || len(got.Amendments) != 0 {
		t.Fatalf("FindMinutes after replacing = %+v", got)
	}
	if other, err := s.FindMinutes(ctx, "m2"); err != nil || other.Text != "Other meeting" {
		t.Fatalf("other meeting's minutes = %+v, %v", other, err)
	}
}
