package server_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/secret"
	"chorus/steering"
)

// steeringEnv is a forum with an anonymous issue, and a steering group
// linked to it with a chair and a parent carer representative.
type steeringEnv struct {
	*forumEnv
	Group   *steering.Group
	Chair   *client
	Rep     *client
	IssueID string
	Code    string // the anonymous submitter's follow-up code
}

var idRe = regexp.MustCompile(`/(?:meetings|actions|items|questions)/([a-z0-9]+)`)

func newSteeringEnv(t *testing.T, store string) *steeringEnv {
	t.Helper()
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	se := &steeringEnv{forumEnv: fe}
	ctx := context.Background()
	by := principalFor(t, fe.env, "ada@example.org")

	// An anonymous family raises an issue; a member supports it.
	r := fe.raise(fe.client(), url.Values{"title": {"Nobody calls back after a crisis"}, "body": {"We waited three weeks for a call."}, "anonymous": {"yes"}})
	wantStatus(t, r, 200)
	se.Code = codeRe.FindStringSubmatch(r.Body)[1]
	list := fe.Member.get("/forums/" + fe.Forum.ID)
	se.IssueID = regexp.MustCompile(`href="/issues/([a-z0-9]+)"`).FindStringSubmatch(list.Body)[1]
	fe.Member.get("/issues/" + se.IssueID)
	wantStatus(t, fe.Member.post("/issues/"+se.IssueID+"/support", nil), 303)

	// The administrator creates the group through the form, linked to the forum.
	se.Admin.get("/groups/new")
	r = se.Admin.post("/groups", url.Values{"organisation": {fe.Forum.OrgID}, "name": {"LLR keyworker steering group"},
		"description": {"Steers the keyworker service."}, "forums": {fe.Forum.ID}, "idem": {secret.NewToken()}})
	wantStatus(t, r, 303)
	groupID := strings.TrimPrefix(r.Header.Get("Location"), "/groups/")
	g, err := fe.Store.FindGroup(ctx, groupID)
	if err != nil {
		t.Fatal(err)
	}
	se.Group = g

	// A chair (an ICB commissioner) and a parent carer representative.
	person := func(email string) *account.User {
		u := &account.User{ID: secret.NewID(), Email: email, Name: email, PasswordHash: secret.HashPassword("password " + email), CreatedAt: time.Now()}
		if err := fe.Store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		// An organisation administrator may only add people who share a scope;
		// the installation administrator may add anyone.
		return u
	}
	chair, rep := person("chris@icb.example"), person("priya@example.org")
	for _, m := range []struct {
		u    *account.User
		role steering.Role
		org  steering.OrgKind
	}{{chair, steering.RoleChair, steering.OrgICB}, {rep, steering.RoleParentRep, steering.OrgParentForum}} {
		se.Admin.get("/groups/" + g.ID)
		wantStatus(t, se.Admin.post("/groups/"+g.ID+"/members", url.Values{"user": {m.u.ID}, "role": {string(m.role)}, "member_org": {string(m.org)}}), 303)
	}
	if _, err := fe.Steering.AddMember(ctx, by, g.ID, chair.ID, "", steering.RoleChair, ""); err != steering.ErrAlreadyMember {
		t.Fatalf("adding twice: %v", err)
	}
	se.Chair, se.Rep = fe.client(), fe.client()
	se.Chair.signIn("chris@icb.example", "password chris@icb.example")
	se.Rep.signIn("priya@example.org", "password priya@example.org")
	return se
}

// TestSteeringJourney: the chair builds an agenda from the forum's top
// issue, publishes it (the anonymous family sees "on an agenda"), runs the
// meeting while a parent representative sends a quiet-voice question that
// becomes an agenda item, records a decision and an action, and marks the
// action done: the family reads the outcome with their code, the issue is
// resolved, and the public "you said, we did" shows it.
func TestSteeringJourney(t *testing.T) { onEachStore(t, testSteeringJourney) }

func testSteeringJourney(t *testing.T, store string) {
	se := newSteeringEnv(t, store)
	g := se.Group

	// The chair plans a meeting.
	wantContains(t, se.Chair.get("/groups/"+g.ID).Body, "Plan a meeting")
	r := se.Chair.post("/groups/"+g.ID+"/meetings", url.Values{"title": {"December meeting"}, "date": {"2026-12-03"}, "time": {"10:00"},
		"length": {"90"}, "place": {"County Hall"}, "idem": {secret.NewToken()}})
	wantStatus(t, r, 303)
	meetingID := idRe.FindStringSubmatch(r.Header.Get("Location"))[1]
	// A draft is the chair's alone.
	wantStatus(t, se.Rep.get("/meetings/"+meetingID), 404)

	// The agenda builder suggests the most supported open issue; one press adds it.
	r = se.Chair.get("/meetings/" + meetingID + "/agenda")
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Most supported open issues", "Nobody calls back after a crisis")
	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/items", url.Values{"kind": {"issue"}, "issue": {se.IssueID}}), 303)
	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/items", url.Values{"kind": {"standing"}, "title": {"Welcome"}, "minutes": {"5"}}), 303)
	r = se.Chair.post("/meetings/"+meetingID+"/items", url.Values{"kind": {"issue"}, "issue": {se.IssueID}})
	wantStatus(t, r, 409)
	wantContains(t, r.Body, "already on this agenda")
	// Bad input keeps what was typed and says why.
	r = se.Chair.post("/meetings/"+meetingID+"/items", url.Values{"kind": {"standing"}, "title": {"Budget"}, "minutes": {"999"}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "up to 4 hours", `value="Budget"`)

	// Reorder without JavaScript: the welcome goes first.
	r = se.Chair.get("/meetings/" + meetingID + "/agenda")
	items := regexp.MustCompile(`id="item-([a-z0-9]+)"`).FindAllStringSubmatch(r.Body, -1)
	if len(items) != 2 {
		t.Fatalf("agenda has %d items", len(items))
	}
	wantStatus(t, se.Chair.post("/items/"+items[1][1]+"/move", url.Values{"meeting": {meetingID}, "direction": {"up"}}), 303)
	r = se.Chair.get("/meetings/" + meetingID + "/agenda")
	if strings.Index(r.Body, "Welcome") > strings.Index(r.Body, "Nobody calls back") {
		t.Fatal("the item did not move up")
	}
	issueItem := items[0][1]

	// Publishing puts the issue on an agenda, and the family sees it.
	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/status", url.Values{"status": {"published"}}), 303)
	later := se.client()
	later.get("/follow-up")
	r = later.post("/follow-up", url.Values{"code": {se.Code}})
	wantContains(t, r.Body, "Status: On a steering group agenda", "On a steering group&#39;s agenda", "LLR keyworker steering group: December meeting")

	// The meeting starts; the representative follows it.
	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/status", url.Values{"status": {"in_progress"}}), 303)
	wantStatus(t, se.Chair.post("/items/"+issueItem+"/current", url.Values{"meeting": {meetingID}}), 303)
	r = se.Rep.get("/meetings/" + meetingID)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `data-live-room="meeting:`+meetingID, "Now", "Nobody calls back after a crisis", "The quiet voice")

	// The quiet voice: sent without a name, approved, taken onto the agenda.
	wantStatus(t, se.Rep.post("/meetings/"+meetingID+"/questions", url.Values{"text": {"Will families be asked how the new call-back works?"}, "idem": {secret.NewToken()}}), 303)
	if strings.Contains(se.Member.get("/meetings/"+meetingID).Body, "Will families be asked") {
		t.Fatal("a question is shown before anyone approved it")
	}
	r = se.Chair.get("/meetings/" + meetingID)
	wantContains(t, r.Body, "Will families be asked", "Waiting to be read")
	qID := regexp.MustCompile(`/questions/([a-z0-9]+)/moderate`).FindStringSubmatch(r.Body)[1]
	wantStatus(t, se.Chair.post("/questions/"+qID+"/moderate", url.Values{"meeting": {meetingID}, "decision": {"approved"}}), 303)
	wantStatus(t, se.Member.post("/questions/"+qID+"/support", url.Values{"meeting": {meetingID}}), 303)
	wantStatus(t, se.Member.post("/questions/"+qID+"/support", url.Values{"meeting": {meetingID}}), 303) // once each
	r = se.Member.get("/meetings/" + meetingID)
	wantContains(t, r.Body, "Will families be asked", "1 person supports this")
	wantStatus(t, se.Chair.post("/questions/"+qID+"/take", url.Values{"meeting": {meetingID}, "to": {"agenda"}}), 303)
	wantContains(t, se.Rep.get("/meetings/"+meetingID).Body, "Quiet voice", "Taken up by the meeting")

	// A decision and an action on the issue's item.
	wantStatus(t, se.Chair.post("/items/"+issueItem+"/decisions", url.Values{"meeting": {meetingID}, "decision": {"Call families back within 48 hours"},
		"type": {"agreed"}, "agreed_by": {"icb", "keyworker_service"}, "idem": {secret.NewToken()}}), 303)
	r = se.Chair.post("/items/"+issueItem+"/actions", url.Values{"meeting": {meetingID}, "description": {"Set up a call-back rota"},
		"owner_org": {"keyworker_service"}, "owner": {"Service manager"}, "due": {"2027-01-31"}, "idem": {secret.NewToken()}})
	wantStatus(t, r, 303)
	r = se.Rep.get("/meetings/" + meetingID)
	wantContains(t, r.Body, "Call families back within 48 hours", "Set up a call-back rota", "Integrated care board (NHS)")
	actionID := regexp.MustCompile(`/actions/([a-z0-9]+)"`).FindStringSubmatch(r.Body)[1]
	r = later.post("/follow-up", url.Values{"code": {se.Code}})
	wantContains(t, r.Body, "Status: Action agreed", "Set up a call-back rota")

	// Done needs evidence and an outcome for families.
	se.Rep.get("/actions/" + actionID)
	r = se.Rep.post("/actions/"+actionID, url.Values{"status": {"done"}, "note": {"Rota in place"}, "idem": {secret.NewToken()}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Write what changed, for families", "Rota in place")
	idem := secret.NewToken()
	for range 2 { // sent twice: recorded once
		wantStatus(t, se.Rep.post("/actions/"+actionID, url.Values{"status": {"done"}, "note": {"Rota in place since 5 January"},
			"outcome": {"Families now get a call back within 48 hours of a crisis."}, "idem": {idem}}), 303)
	}
	r = se.Rep.get("/actions/" + actionID)
	if n := strings.Count(r.Body, "Rota in place since 5 January"); n != 1 {
		t.Fatalf("the update is in the history %d times", n)
	}
	r = later.post("/follow-up", url.Values{"code": {se.Code}})
	wantContains(t, r.Body, "Status: Resolved", "The action is done", "Families now get a call back within 48 hours of a crisis.")

	// An observer of the public board sees you said, we did.
	r = se.client().get("/groups/" + g.ID + "/you-said-we-did")
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Nobody calls back after a crisis", "Call families back within 48 hours", "Families now get a call back", "Fewer than 5 issues taken up")
	r = se.client().get("/forums/" + se.Forum.ID + "/you-said-we-did")
	wantContains(t, r.Body, "Nobody calls back after a crisis", "Families now get a call back")

	// Minutes: drafted, signed by both, published, then only amended.
	se.Chair.get("/meetings/" + meetingID)
	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/minutes", url.Values{"minutes_text": {"Agreed a call-back rota."}}), 303)
	r = se.Chair.post("/meetings/"+meetingID+"/minutes/publish", nil)
	wantStatus(t, r, 409)
	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/minutes/sign", nil), 303)
	wantStatus(t, se.Rep.post("/meetings/"+meetingID+"/minutes/sign", nil), 303)
	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/minutes/publish", nil), 303)
	r = se.Chair.post("/meetings/"+meetingID+"/minutes", url.Values{"minutes_text": {"Rewritten."}})
	wantStatus(t, r, 409)
	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/minutes/amend", url.Values{"amendment": {"Correction: the rota starts in January."}}), 303)
	r = se.Member.get("/meetings/" + meetingID)
	wantContains(t, r.Body, "Agreed a call-back rota.", "Amendments", "Correction: the rota starts in January.", "Signed off by a parent carer representative")

	// The register lists the action with its rating.
	r = se.Rep.get("/groups/" + g.ID + "/register")
	wantContains(t, r.Body, "Set up a call-back rota", "Finished", "Call families back within 48 hours")
}

// TestSteeringPermissions: who may do what in a group.
func TestSteeringPermissions(t *testing.T) {
	se := newSteeringEnv(t, "sqlite")
	g := se.Group
	se.Chair.get("/groups/" + g.ID)
	se.Rep.get("/groups/" + g.ID)
	r := se.Chair.post("/groups/"+g.ID+"/meetings", url.Values{"title": {"January"}, "date": {"2027-01-14"}, "time": {"10:00"}, "idem": {secret.NewToken()}})
	meetingID := idRe.FindStringSubmatch(r.Header.Get("Location"))[1]
	// Only the chair (or an administrator) plans meetings and builds agendas.
	wantStatus(t, se.Rep.post("/groups/"+g.ID+"/meetings", url.Values{"title": {"x"}, "date": {"2027-01-14"}, "time": {"10:00"}}), 403)
	wantStatus(t, se.Rep.get("/meetings/"+meetingID+"/agenda"), 404)
	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/status", url.Values{"status": {"published"}}), 303)
	wantStatus(t, se.Rep.get("/meetings/"+meetingID+"/agenda"), 403)
	wantStatus(t, se.Rep.post("/meetings/"+meetingID+"/status", url.Values{"status": {"in_progress"}}), 403)
	// A forum member may follow a published meeting; a stranger may not.
	wantStatus(t, se.Member.get("/meetings/"+meetingID), 200)
	stranger := se.joinNobody(t)
	wantStatus(t, stranger.get("/meetings/"+meetingID), 404)
	wantStatus(t, stranger.get("/groups/"+g.ID), 404)
	// Visitors are asked to sign in; the public board is open to all.
	wantStatus(t, se.client().get("/meetings/"+meetingID), 403)
	wantStatus(t, se.client().get("/groups/"+g.ID+"/you-said-we-did"), 200)
	// Questions only while the meeting is in progress.
	se.Member.get("/meetings/" + meetingID)
	r = se.Member.post("/meetings/"+meetingID+"/questions", url.Values{"text": {"Hello"}})
	wantStatus(t, r, 409)
	wantContains(t, r.Body, "only while the meeting is in progress")
}

// joinNobody signs in someone with no part in the forum or the group.
func (se *steeringEnv) joinNobody(t *testing.T) *client {
	u := &account.User{ID: secret.NewID(), Email: "sam@example.org", Name: "Sam", PasswordHash: secret.HashPassword("password sam"), CreatedAt: time.Now()}
	if err := se.Store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	c := se.client()
	c.signIn("sam@example.org", "password sam")
	return c
}

// TestMeetingLive: those who may see a meeting follow its room and hear
// each change as the chair makes it; someone with no part in it is refused.
func TestMeetingLive(t *testing.T) { onEachStore(t, testMeetingLive) }

func testMeetingLive(t *testing.T, store string) {
	se := newSteeringEnv(t, store)
	ctx := context.Background()
	chair := principalFor(t, se.env, "chris@icb.example")
	m, err := se.Steering.CreateMeeting(ctx, chair, se.Group.ID, steering.MeetingSettings{Title: "Live", StartsAt: time.Now()}, "")
	if err != nil {
		t.Fatal(err)
	}
	it, err := se.Steering.AddItem(ctx, chair, m.ID, steering.ItemSettings{Kind: steering.ItemIssue, IssueID: se.IssueID})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []steering.MeetingStatus{steering.MeetingPublished, steering.MeetingInProgress} {
		if err := se.Steering.SetMeetingStatus(ctx, chair, m.ID, st); err != nil {
			t.Fatal(err)
		}
	}
	room := steering.MeetingRoom(m.ID)
	if _, msg := followAs(t, se.env, se.joinNobody(t), room); msg.Type != "error" {
		t.Fatalf("a stranger followed the meeting: %+v", msg)
	}
	ws, msg := followAs(t, se.env, se.Rep, room)
	if msg.Type != "subscribed" {
		t.Fatalf("the representative could not follow: %+v", msg)
	}
	defer ws.Close()
	wantStatus(t, se.Chair.post("/items/"+it.ID+"/current", url.Values{"csrf": {se.Chair.csrf("/meetings/" + m.ID)}}), 303)
	for _, want := range []string{"meeting.current", "meeting.decision"} {
		if want == "meeting.decision" {
			wantStatus(t, se.Chair.post("/items/"+it.ID+"/decisions", url.Values{"decision": {"Agreed"}, "type": {"agreed"}}), 303)
		}
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			var got liveMsg
			if err := ws.ReadJSON(&got); err != nil {
				t.Fatalf("waiting for %s: %v", want, err)
			}
			if got.Type == want {
				if !strings.Contains(string(got.Data), m.ID) {
					t.Fatalf("%s names another meeting: %s", want, got.Data)
				}
				break
			}
		}
	}
}

// TestGroupInvitation: the chair makes a one-time link for a seat; a new
// person opens it, creates their account with a name for the group's
// papers, and takes the seat; the link then works no more.
func TestGroupInvitation(t *testing.T) { onEachStore(t, testGroupInvitation) }

func testGroupInvitation(t *testing.T, store string) {
	se := newSteeringEnv(t, store)
	g := se.Group
	r := se.Chair.get("/groups/" + g.ID + "/invitations")
	wantStatus(t, r, 200)
	if strings.Contains(r.Body, `value="chair"`) {
		t.Fatal("a chair may not invite another chair")
	}
	wantStatus(t, se.Rep.get("/groups/"+g.ID+"/invitations"), 403)
	r = se.Chair.post("/groups/"+g.ID+"/invitations", url.Values{"role": {"parent_rep"}, "note": {"For Jo"}, "idem": {secret.NewToken()}})
	wantStatus(t, r, 200)
	link := regexp.MustCompile(`id="once-link">[^<]*(/invitations/[^<]+)<`).FindStringSubmatch(r.Body)
	if link == nil {
		t.Fatalf("no link shown:\n%s", r.Body)
	}
	r = se.Chair.post("/groups/"+g.ID+"/invitations", url.Values{"role": {"chair"}, "idem": {secret.NewToken()}})
	wantStatus(t, r, 403)

	jo := se.client()
	r = jo.get(link[1])
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "You are invited to join LLR keyworker steering group as Parent carer representative.")
	r = jo.post(link[1], url.Values{"display_name": {"Jo (parent rep)"}, "email": {"jo@example.org"}, "password": {"long enough pw"}, "password2": {"long enough pw"}})
	wantStatus(t, r, 303)
	jo.signIn("jo@example.org", "long enough pw")
	r = jo.get("/groups/" + g.ID)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Jo (parent rep)", "Parent carer representative")
	wantStatus(t, se.client().get(link[1]), 410)
}

// TestQuietVoiceByLink: when the chair opens the meeting's link, someone
// with no account follows the meeting with it, sends a question and
// supports an approved one; without the key the meeting stays closed to
// them, and a meeting without an open link refuses the key.
func TestQuietVoiceByLink(t *testing.T) {
	se := newSteeringEnv(t, "sqlite")
	ctx := context.Background()
	chair := principalFor(t, se.env, "chris@icb.example")
	m, err := se.Steering.CreateMeeting(ctx, chair, se.Group.ID, steering.MeetingSettings{Title: "Open", StartsAt: time.Now(), OpenLink: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []steering.MeetingStatus{steering.MeetingPublished, steering.MeetingInProgress} {
		if err := se.Steering.SetMeetingStatus(ctx, chair, m.ID, st); err != nil {
			t.Fatal(err)
		}
	}
	r := se.Chair.get("/meetings/" + m.ID)
	share := regexp.MustCompile(`id="share-url">[^<]*(/meetings/[^<]+)<`).FindStringSubmatch(r.Body)
	if share == nil {
		t.Fatalf("the chair is not shown the link:\n%s", r.Body)
	}
	path := strings.ReplaceAll(share[1], "&amp;", "&")
	visitor := se.client()
	wantStatus(t, visitor.get("/meetings/"+m.ID), 403) // no key: sign in
	wantStatus(t, visitor.get("/meetings/"+m.ID+"?key=wrong"), 403)
	r = visitor.get(path)
	wantStatus(t, r, 200)
	key := strings.SplitN(path, "key=", 2)[1]
	wantStatus(t, visitor.post("/meetings/"+m.ID+"/questions", url.Values{"key": {key}, "text": {"Can the rota cover weekends?"}, "idem": {secret.NewToken()}}), 303)
	if _, msg := followAs(t, se.env, visitor, steering.MeetingRoom(m.ID)); msg.Type != "subscribed" {
		t.Fatalf("a link holder cannot follow the meeting: %+v", msg)
	}
	r = se.Chair.get("/meetings/" + m.ID)
	qID := regexp.MustCompile(`/questions/([a-z0-9]+)/moderate`).FindStringSubmatch(r.Body)[1]
	wantStatus(t, se.Chair.post("/questions/"+qID+"/moderate", url.Values{"decision": {"approved"}}), 303)
	visitor.get(path)
	wantStatus(t, visitor.post("/questions/"+qID+"/support", url.Values{"key": {key}, "meeting": {m.ID}}), 303)
	r = visitor.get(path)
	wantContains(t, r.Body, "Can the rota cover weekends?", "1 person supports this")

	// Closing the link closes the door.
	settings := m.Settings()
	settings.OpenLink = false
	if _, err := se.Steering.UpdateMeeting(ctx, chair, m.ID, settings); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, visitor.get(path), 403)
}
