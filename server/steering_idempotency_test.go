package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"chorus/account"
	"chorus/steering"
)

// TestTenIdenticalSteeringPosts: every steering form that creates, sent ten
// times at once with the key its page gave it, creates one record, and every
// answer is the success the first one got (for an invitation: its link).
func TestTenIdenticalSteeringPosts(t *testing.T) { onEachStore(t, testTenIdenticalSteeringPosts) }

func testTenIdenticalSteeringPosts(t *testing.T, store string) {
	se := newSteeringEnv(t, store)
	ctx := context.Background()
	g := se.Group
	chair := principalFor(t, se.env, "chris@icb.example")
	allSucceed := func(t *testing.T, rs []response) {
		t.Helper()
		for i, r := range rs {
			if r.Status != 303 {
				t.Fatalf("attempt %d answered %d; want 303 like the first\n%s", i, r.Status, r.Body)
			}
		}
	}

	t.Run("group", func(t *testing.T) {
		form := formIn(t, se.Admin, "/groups/new", "/groups", url.Values{"organisation": {se.Forum.OrgID},
			"name": {"Rutland keyworker steering group"}, "forums": {se.Forum.ID}})
		allSucceed(t, tenAtOnce(t, se.Admin, "/groups", form))
		groups, err := se.Steering.Groups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := countWhere(groups, func(g *steering.Group) bool { return g.Name == "Rutland keyworker steering group" }); n != 1 {
			t.Fatalf("%d groups from ten identical POSTs; want 1", n)
		}
	})

	var meetingID string
	t.Run("meeting", func(t *testing.T) {
		form := formIn(t, se.Chair, "/groups/"+g.ID, "/groups/"+g.ID+"/meetings", url.Values{"title": {"February meeting"},
			"date": {"2027-02-04"}, "time": {"10:00"}, "length": {"60"}})
		allSucceed(t, tenAtOnce(t, se.Chair, "/groups/"+g.ID+"/meetings", form))
		meetings, err := se.Store.ListMeetings(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(meetings) != 1 {
			t.Fatalf("%d meetings from ten identical POSTs; want 1", len(meetings))
		}
		meetingID = meetings[0].ID
	})
	if meetingID == "" {
		t.FailNow()
	}
	items := func(t *testing.T, match func(*steering.AgendaEntry) bool) int {
		t.Helper()
		v, err := se.Steering.Meeting(ctx, chair, meetingID, "")
		if err != nil {
			t.Fatal(err)
		}
		return countWhere(v.Agenda, match)
	}

	t.Run("standing item", func(t *testing.T) {
		agenda := "/meetings/" + meetingID + "/agenda"
		form := formIn(t, se.Chair, agenda, "/meetings/"+meetingID+"/items", url.Values{"kind": {"standing"}, "title": {"Welcome"}, "minutes": {"5"}})
		allSucceed(t, tenAtOnce(t, se.Chair, "/meetings/"+meetingID+"/items", form))
		if n := items(t, func(e *steering.AgendaEntry) bool { return e.Title == "Welcome" }); n != 1 {
			t.Fatalf("%d standing items from ten identical POSTs; want 1", n)
		}
	})

	t.Run("issue item", func(t *testing.T) {
		// The suggestion's own form: sent again, it is the success it was,
		// not "already on this agenda".
		agenda := "/meetings/" + meetingID + "/agenda"
		r := se.Chair.get(agenda)
		i := strings.Index(r.Body, `name="issue" value="`+se.IssueID+`"`)
		if i < 0 {
			t.Fatal("the issue is not suggested")
		}
		start := strings.LastIndex(r.Body[:i], "<form")
		m := idemRe.FindStringSubmatch(r.Body[start:i])
		if m == nil {
			t.Fatal("the suggestion's form carries no idempotency key")
		}
		form := url.Values{"csrf": {se.Chair.csrf(agenda)}, "idem": {m[1]}, "kind": {"issue"}, "issue": {se.IssueID}}
		allSucceed(t, tenAtOnce(t, se.Chair, "/meetings/"+meetingID+"/items", form))
		if n := items(t, func(e *steering.AgendaEntry) bool { return e.IssueID == se.IssueID }); n != 1 {
			t.Fatalf("%d items for the issue from ten identical POSTs; want 1", n)
		}
	})

	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/status", url.Values{"status": {"published"}}), 303)
	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/status", url.Values{"status": {"in_progress"}}), 303)
	v, err := se.Steering.Meeting(ctx, chair, meetingID, "")
	if err != nil {
		t.Fatal(err)
	}
	itemID := v.Agenda[0].ID
	page := "/meetings/" + meetingID

	t.Run("decision", func(t *testing.T) {
		form := formIn(t, se.Chair, page, "/items/"+itemID+"/decisions", url.Values{"meeting": {meetingID}, "decision": {"Agreed once"}, "type": {"agreed"}})
		allSucceed(t, tenAtOnce(t, se.Chair, "/items/"+itemID+"/decisions", form))
		v, err := se.Steering.Meeting(ctx, chair, meetingID, "")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(v.Agenda[0].Decisions); n != 1 {
			t.Fatalf("%d decisions from ten identical POSTs; want 1", n)
		}
	})

	var actionID string
	t.Run("action", func(t *testing.T) {
		form := formIn(t, se.Chair, page, "/items/"+itemID+"/actions", url.Values{"meeting": {meetingID}, "description": {"Done once"},
			"owner_org": {"icb"}, "owner": {"Commissioner"}, "due": {"2027-03-31"}})
		allSucceed(t, tenAtOnce(t, se.Chair, "/items/"+itemID+"/actions", form))
		v, err := se.Steering.Meeting(ctx, chair, meetingID, "")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(v.Agenda[0].Actions); n != 1 {
			t.Fatalf("%d actions from ten identical POSTs; want 1", n)
		}
		actionID = v.Agenda[0].Actions[0].ID
	})

	t.Run("action update", func(t *testing.T) {
		if actionID == "" {
			t.Skip("no action (the previous step failed)")
		}
		path := "/actions/" + actionID
		form := formIn(t, se.Rep, path, path, url.Values{"status": {"in_progress"}, "note": {"Started once"}})
		allSucceed(t, tenAtOnce(t, se.Rep, path, form))
		a, err := se.Steering.Action(ctx, principalFor(t, se.env, "priya@example.org"), actionID)
		if err != nil {
			t.Fatal(err)
		}
		if n := countWhere(a.Action.History, func(e *steering.ActionEvent) bool { return e.Note == "Started once" }); n != 1 {
			t.Fatalf("%d progress entries from ten identical POSTs; want 1", n)
		}
	})

	t.Run("quiet-voice question", func(t *testing.T) {
		form := formIn(t, se.Rep, page, "/meetings/"+meetingID+"/questions", url.Values{"text": {"Asked once?"}})
		allSucceed(t, tenAtOnce(t, se.Rep, "/meetings/"+meetingID+"/questions", form))
		v, err := se.Steering.Meeting(ctx, chair, meetingID, "")
		if err != nil {
			t.Fatal(err)
		}
		if n := countWhere(v.Questions, func(q *steering.Question) bool { return q.Text == "Asked once?" }); n != 1 {
			t.Fatalf("%d questions from ten identical POSTs; want 1", n)
		}
	})

	t.Run("group invitation", func(t *testing.T) {
		path := "/groups/" + g.ID + "/invitations"
		form := formIn(t, se.Chair, path, path, url.Values{"role": {"member"}, "note": {"For the provider, once"}})
		for i, r := range tenAtOnce(t, se.Chair, path, form) { // each shows the one link made
			if r.Status != 200 || !strings.Contains(r.Body, "/invitations/") {
				t.Fatalf("attempt %d answered %d without the link", i, r.Status)
			}
		}
		invs, err := se.Accounts.Invitations(ctx, principalFor(t, se.env, "ada@example.org"))
		if err != nil {
			t.Fatal(err)
		}
		if n := countWhere(invs, func(i *account.Invitation) bool { return i.Note == "For the provider, once" }); n != 1 {
			t.Fatalf("%d invitations from ten identical POSTs; want 1", n)
		}
	})
}

// countWhere counts the elements of list that match.
func countWhere[T any](list []T, match func(T) bool) int {
	n := 0
	for _, v := range list {
		if match(v) {
			n++
		}
	}
	return n
}
