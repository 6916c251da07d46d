package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"chorus/audit"
	"chorus/forum"
	"chorus/server"
	"chorus/steering"
	"chorus/store/sqlite"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodriver "go.mongodb.org/mongo-driver/v2/mongo"
	mongooptions "go.mongodb.org/mongo-driver/v2/mongo/options"
)

var withdrawRe = regexp.MustCompile(`action="/account/erasure/([a-z2-7]+)/withdraw"`)

// TestErasure: a member who wrote under her name (an issue, a comment, a
// report), supported, followed, holds a steering seat (an agenda item she
// leads, an action she owns) and raised an anonymous issue asks for
// erasure. The administrators are told; another person cannot touch her
// request, a non-administrator cannot see the page. The administrator
// carries it out: she is emailed first, signed out and cannot sign in;
// nothing of her (email, names, ID, words) is left anywhere in the store,
// nor in later exports (audit CSV and JSON, the action register, the pack);
// counts, the anonymous issue, the decision's text and the audit record of
// the erasure stay.
func TestErasure(t *testing.T) { onEachStore(t, testErasure) }

func testErasure(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	ctx := context.Background()
	sink := newSMTPSink(t)
	fe.Notify.SetSender(sink.sender(t))
	m, fac, admin := fe.Member, fe.Facilitator, fe.Admin
	u := fe.MemberUser
	u.Name = "Amina Quoteworthy"
	if err := fe.Store.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	uid := u.ID

	r := fe.raise(m, url.Values{"title": {"Zebra crossing worry"}, "body": {"Zebrawords from the named issue."}, "anonymous": {"no"}})
	wantStatus(t, r, 303)
	named := r.Location
	r = fe.raise(m, url.Values{"title": {"Anonymous respite worry"}, "body": {"Nobody may link this respite worry."}, "anonymous": {"yes"}})
	wantStatus(t, r, 200)
	r = fe.raise(fac, url.Values{"title": {"Facilitator waiting lists"}, "body": {"Facilitator words about waiting lists."}, "anonymous": {"no"}})
	wantStatus(t, r, 303)
	other := r.Location
	m.get(other)
	wantStatus(t, m.post(other+"/support", url.Values{"csrf": {m.csrf(other)}}), 303)
	wantStatus(t, m.post(other+"/follow", url.Values{"csrf": {m.csrf(other)}}), 303)
	wantStatus(t, m.post(other+"/comments", url.Values{"csrf": {m.csrf(other)}, "body": {"Member comment zanzibar"}, "idem": {"m1"}}), 303)
	wantStatus(t, m.post(other+"/report", url.Values{"csrf": {m.csrf(other)}, "reason": {"other"}, "detail": {"Member report xylophone"}}), 303)
	wantStatus(t, fac.post(named+"/comments", url.Values{"csrf": {fac.csrf(named)}, "body": {"Facilitator reply"}, "idem": {"f1"}}), 303)
	namedID := strings.TrimPrefix(named, "/issues/")
	otherID := strings.TrimPrefix(other, "/issues/")
	vf := forum.Viewer{Principal: principalFor(t, fe.env, "fiona@example.org")}
	if _, err := fe.Forums.AddQuote(ctx, vf, namedID, "Zebrawords from the named issue", "[removed]"); err != nil {
		t.Fatal(err)
	}

	by := principalFor(t, fe.env, "ada@example.org")
	g, err := fe.Steering.CreateGroup(ctx, by, steering.GroupSettings{OrgID: fe.Forum.OrgID, Name: "Keyworker steering group", ForumIDs: []string{fe.Forum.ID}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fe.Steering.AddMember(ctx, by, g.ID, uid, "Amina Seatholder", steering.RoleParentRep, steering.OrgParentForum); err != nil {
		t.Fatal(err)
	}
	mt, err := fe.Steering.CreateMeeting(ctx, by, g.ID, steering.MeetingSettings{Title: "December meeting", StartsAt: time.Now()}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []steering.MeetingStatus{steering.MeetingPublished, steering.MeetingInProgress} {
		if err := fe.Steering.SetMeetingStatus(ctx, by, mt.ID, st); err != nil {
			t.Fatal(err)
		}
	}
	it, err := fe.Steering.AddItem(ctx, by, mt.ID, steering.ItemSettings{Kind: steering.ItemIssue, IssueID: namedID, LeadID: uid})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fe.Steering.Decide(ctx, by, it.ID, steering.DecisionSettings{Text: "The crossing gets a warden", Type: steering.DecisionAgreed}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := fe.Steering.AddAction(ctx, by, it.ID, steering.ActionSettings{Description: "Ask the council for a warden", OwnerOrg: steering.OrgParentForum,
		Owner: "Amina Seatholder", Due: time.Now().AddDate(0, 1, 0).Format("2006-01-02")}, ""); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, m.post("/account/data", url.Values{"csrf": {m.csrf("/account")}}), 200)
	before, err := fe.Store.CountSupports(ctx, otherID)
	if err != nil {
		t.Fatal(err)
	}

	// She asks, from her account page; the page says what is kept.
	wantContains(t, m.get("/account").Body, `href="/account/erasure"`)
	r = m.get("/account/erasure")
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Issues you raised anonymously stay as they are", "“Former member”", "We will email you")
	r = m.post("/account/erasure", url.Values{"csrf": {m.csrf("/account/erasure")}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Tick the box to say you understand")
	wantStatus(t, m.post("/account/erasure", url.Values{"csrf": {m.csrf("/account/erasure")}, "confirm": {"yes"}}), 303)
	r = m.get("/account/erasure")
	wantContains(t, r.Body, "Waiting for an administrator", "Your request was sent to the administrators.")
	wm := withdrawRe.FindStringSubmatch(r.Body)
	if wm == nil {
		t.Fatalf("no withdraw form:\n%s", r.Body)
	}
	reqID := wm[1]
	r = m.post("/account/erasure", url.Values{"csrf": {m.csrf("/account/erasure")}, "confirm": {"yes"}})
	wantStatus(t, r, 409)
	wantContains(t, r.Body, "You have already asked")
	es, err := audit.NewLog(fe.Store, time.Now).List(ctx, audit.Filter{Action: "rights.erasure_request"})
	if err != nil || len(es) != 1 || es[0].ActorID != uid || es[0].Subject != "erasure:"+reqID {
		t.Fatalf("audit of the request: %+v %v", es, err)
	}

	// The administrators are told, without her name.
	r = admin.get("/notifications")
	wantContains(t, r.Body, "There is news about a request for erasure", `href="/admin/erasure"`)
	if strings.Contains(r.Body, "Amina") {
		t.Fatal("the administrators' notification names her")
	}
	// Someone else's request does not exist for them; the page is the
	// installation administrators'.
	fac.get("/account")
	wantStatus(t, fac.post("/account/erasure/"+reqID+"/withdraw", url.Values{"csrf": {fac.csrf("/account")}}), 404)
	wantStatus(t, fac.get("/admin/erasure"), 403)
	wantStatus(t, fac.post("/admin/erasure/"+reqID+"/carry-out", url.Values{"csrf": {fac.csrf("/account")}, "confirm": {"yes"}}), 403)

	r = admin.get("/admin/erasure")
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Amina Quoteworthy", "amina@example.org", "/admin/erasure/"+reqID+"/carry-out")
	r = admin.post("/admin/erasure/"+reqID+"/carry-out", url.Values{"csrf": {admin.csrf("/admin/erasure")}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Tick the box to confirm the erasure.")
	r = admin.post("/admin/erasure/"+reqID+"/carry-out", url.Values{"csrf": {admin.csrf("/admin/erasure")}, "confirm": {"yes"}})
	wantStatus(t, r, 303)
	wantContains(t, admin.get("/admin/erasure").Body, "The person was erased.", "Erased")

	// She was emailed first; she is signed out and cannot sign in.
	mail := sink.next(t)
	if len(mail.To) != 1 || mail.To[0] != "amina@example.org" || !strings.Contains(mail.Parts["text/plain"], "last email") {
		t.Fatalf("erasure email: %+v", mail)
	}
	r = m.get("/account")
	if r.Status != 303 || !strings.HasPrefix(r.Location, "/signin") {
		t.Fatalf("her session survived: %d %q", r.Status, r.Location)
	}
	c := fe.client()
	c.get("/signin")
	if r := c.post("/signin", url.Values{"email": {"amina@example.org"}, "password": {"password amina@example.org"}}); r.Status == 303 {
		t.Fatal("she can still sign in")
	}

	// What stays: the anonymous issue, the support count, the decision's
	// words, the tombstone, and the record that the erasure happened.
	if n, err := fe.Store.CountSupports(ctx, otherID); err != nil || n != before {
		t.Fatalf("support count %d, %v; want %d", n, err, before)
	}
	wantContains(t, fe.client().get("/forums/"+fe.Forum.ID).Body, "Anonymous respite worry")
	wantContains(t, fac.get(named).Body, "Former member")
	es, err = audit.NewLog(fe.Store, time.Now).List(ctx, audit.Filter{Action: "rights.erasure_done"})
	if err != nil || len(es) != 1 || es[0].ActorID != by.User.ID || es[0].Subject != "erasure:"+reqID || es[0].Detail != "" || es[0].Before != "" {
		t.Fatalf("audit of the erasure: %+v %v", es, err)
	}

	// Later exports know nothing of her.
	never := []string{"amina", "quoteworthy", "seatholder", "zebrawords", "zanzibar", "xylophone", strings.ToLower(uid)}
	for _, p := range []struct {
		who  *client
		path string
	}{
		{admin, "/admin/audit.csv"}, {admin, "/admin/audit.json"}, {admin, "/admin/audit"},
		{fac, "/forums/" + fe.Forum.ID + "/audit.csv"}, {fac, "/forums/" + fe.Forum.ID + "/audit.json"},
		{admin, "/groups/" + g.ID + "/actions.csv"}, {admin, "/groups/" + g.ID + "/actions.json"}, {admin, "/groups/" + g.ID + "/actions.md"},
		{admin, "/groups/" + g.ID + "/decisions.csv"}, {admin, "/meetings/" + mt.ID + "/pack"}, {admin, "/meetings/" + mt.ID},
		{fac, named}, {fac, other}, {admin, "/admin/users"}, {admin, "/admin/erasure"},
	} {
		r := p.who.get(p.path)
		wantStatus(t, r, 200)
		for _, w := range never {
			if strings.Contains(strings.ToLower(r.Body), w) {
				t.Errorf("%s shows %q after the erasure", p.path, w)
			}
		}
	}
	wantContains(t, admin.get("/groups/"+g.ID+"/decisions.csv").Body, "The crossing gets a warden")
	wantContains(t, admin.get("/groups/"+g.ID+"/actions.csv").Body, "Ask the council for a warden", "Former member")

	// Nothing of her anywhere in the store.
	all := bytes.ToLower(storedBytesWithBinary(t, fe.env))
	for _, sure := range []string{"anonymous respite worry", "former member", "the crossing gets a warden", "facilitator words about waiting lists", `"author":"fiona (facilitator)"`} {
		if !bytes.Contains(all, []byte(sure)) {
			t.Fatalf("the search does not see %q: it cannot be trusted", sure)
		}
	}
	for _, w := range never {
		if i := bytes.Index(all, []byte(w)); i >= 0 {
			t.Errorf("the store still holds %q: …%q…", w, all[max(0, i-80):min(len(all), i+80)])
		}
	}
}

// base64Re finds binary values in MongoDB extended JSON.
var base64Re = regexp.MustCompile(`"base64":"([A-Za-z0-9+/=]+)"`)

// storedBytesWithBinary is storedBytes with MongoDB's binary values (the
// live event log keeps its data as binary, which extended JSON shows in
// base64) decoded, so that a search sees inside them too.
func storedBytesWithBinary(t *testing.T, e *env) []byte {
	t.Helper()
	all := storedBytes(t, e)
	if e.mongoURI == "" {
		return all
	}
	var decoded []byte
	for _, m := range base64Re.FindAllSubmatch(all, -1) {
		b, err := base64.StdEncoding.DecodeString(string(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		decoded = append(decoded, b...)
	}
	return append(all, decoded...)
}

// TestErasureRefused: a person whose post is held for safeguarding asks;
// carrying out is refused with a clear message (never silently), the page
// warns of the hold, a refusal needs a reason, and the person reads the
// reason on their page and in their notifications.
func TestErasureRefused(t *testing.T) { onEachStore(t, testErasureRefused) }

func testErasureRefused(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	m, admin := fe.Member, fe.Admin
	r := fe.raise(m, url.Values{"title": {"Worried about home"}, "body": {"My son says he wants to die and I am scared."}, "anonymous": {"no"}})
	wantStatus(t, r, 303)
	if held, err := fe.Forums.ErasureHolds(context.Background(), fe.MemberUser.ID); err != nil || held != 1 {
		t.Fatalf("holds %d, %v; want the risk term to hold the issue", held, err)
	}
	m.get("/account/erasure")
	wantStatus(t, m.post("/account/erasure", url.Values{"csrf": {m.csrf("/account/erasure")}, "confirm": {"yes"}}), 303)
	reqID := withdrawRe.FindStringSubmatch(m.get("/account/erasure").Body)[1]

	r = admin.get("/admin/erasure")
	wantContains(t, r.Body, "1 post by this person is held for safeguarding")
	r = admin.post("/admin/erasure/"+reqID+"/carry-out", url.Values{"csrf": {admin.csrf("/admin/erasure")}, "confirm": {"yes"}})
	wantStatus(t, r, 409)
	wantContains(t, r.Body, "held for safeguarding. The safeguarding lead must deal with them first")
	if _, err := fe.Store.FindUserByID(context.Background(), fe.MemberUser.ID); err != nil {
		t.Fatalf("the account went despite the hold: %v", err)
	}
	r = admin.post("/admin/erasure/"+reqID+"/refuse", url.Values{"csrf": {admin.csrf("/admin/erasure")}, "reason": {"  "}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Write why the request is refused")
	reason := "A safeguarding lead must review your post first; ask again afterwards."
	wantStatus(t, admin.post("/admin/erasure/"+reqID+"/refuse", url.Values{"csrf": {admin.csrf("/admin/erasure")}, "reason": {reason}}), 303)
	r = admin.post("/admin/erasure/"+reqID+"/carry-out", url.Values{"csrf": {admin.csrf("/admin/erasure")}, "confirm": {"yes"}})
	wantStatus(t, r, 409)
	wantContains(t, r.Body, "already been dealt with")

	r = m.get("/account/erasure")
	wantContains(t, r.Body, "Refused", "ask again afterwards", `action="/account/erasure"`)
	wantContains(t, m.get("/notifications").Body, "There is news about a request for erasure", `href="/account/erasure"`)
	es, err := audit.NewLog(fe.Store, time.Now).List(context.Background(), audit.Filter{Action: "rights.erasure_refuse"})
	if err != nil || len(es) != 1 || es[0].Reason != reason {
		t.Fatalf("audit of the refusal: %+v %v", es, err)
	}
	// She may withdraw a new request; a withdrawn one cannot be carried out.
	wantStatus(t, m.post("/account/erasure", url.Values{"csrf": {m.csrf("/account/erasure")}, "confirm": {"yes"}}), 303)
	again := withdrawRe.FindStringSubmatch(m.get("/account/erasure").Body)[1]
	wantStatus(t, m.post("/account/erasure/"+again+"/withdraw", url.Values{"csrf": {m.csrf("/account/erasure")}}), 303)
	wantContains(t, m.get("/account/erasure").Body, "Withdrawn")
	wantStatus(t, admin.post("/admin/erasure/"+again+"/carry-out", url.Values{"csrf": {admin.csrf("/admin/erasure")}, "confirm": {"yes"}}), 409)
}

// TestPersonalDataAfterLeaving: what a person wrote in a forum they no
// longer belong to is still in their download (it is read by author).
func TestPersonalDataAfterLeaving(t *testing.T) { onEachStore(t, testPersonalDataAfterLeaving) }

func testPersonalDataAfterLeaving(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	m, fac := fe.Member, fe.Facilitator
	r := fe.raise(m, url.Values{"title": {"Left-behind issue"}, "body": {"Written before leaving."}, "anonymous": {"no"}})
	wantStatus(t, r, 303)
	r = fe.raise(fac, url.Values{"title": {"Facilitator issue"}, "body": {"Facilitator words."}, "anonymous": {"no"}})
	wantStatus(t, r, 303)
	other := r.Location
	m.get(other)
	wantStatus(t, m.post(other+"/support", url.Values{"csrf": {m.csrf(other)}}), 303)
	wantStatus(t, m.post(other+"/comments", url.Values{"csrf": {m.csrf(other)}, "body": {"Comment before leaving"}, "idem": {"c1"}}), 303)
	wantStatus(t, m.post(other+"/report", url.Values{"csrf": {m.csrf(other)}, "reason": {"other"}, "detail": {"Report before leaving"}}), 303)

	leaveForum(t, fe.env, fe.Forum.ID, fe.MemberUser.ID)
	if ms, err := fe.Store.ListMemberships(context.Background(), fe.MemberUser.ID); err != nil || len(ms) != 0 {
		t.Fatalf("still a member: %v %v", ms, err)
	}
	r = m.post("/account/data", url.Values{"csrf": {m.csrf("/account")}})
	wantStatus(t, r, 200)
	for _, want := range []string{"Left-behind issue", "Written before leaving.", "Comment before leaving", "Report before leaving", `"title": "Facilitator issue"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the download after leaving lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "Facilitator words.") {
		t.Error("the download holds someone else's words")
	}
}

// leaveForum removes a membership directly in the store, as leaving (or an
// administrator's removal) would: Chorus has no leave button yet.
func leaveForum(t *testing.T, e *env, forumID, userID string) {
	t.Helper()
	ctx := context.Background()
	if d, ok := e.Store.(interface{ Dir() string }); ok {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(d.Dir(), sqlite.FileName)+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, `DELETE FROM members WHERE forum_id = ? AND user_id = ?`, forumID, userID); err != nil {
			t.Fatal(err)
		}
		return
	}
	client, err := mongodriver.Connect(mongooptions.Client().ApplyURI(e.mongoURI))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	if _, err := client.Database(e.mongoDB).Collection("members").DeleteMany(ctx, bson.D{{Key: "forum_id", Value: forumID}, {Key: "user_id", Value: userID}}); err != nil {
		t.Fatal(err)
	}
}

// TestPrivacyPluralPeriods: a period of 1 reads "1 month", "1 day", in
// every language's own plural forms.
func TestPrivacyPluralPeriods(t *testing.T) {
	e := newEnv(t, func(o *server.Options) {
		o.Privacy = server.Privacy{FollowUpMonths: 1, AuditMonths: 1, NotificationDays: 1}
	})
	r := e.client().get("/privacy")
	wantContains(t, r.Body, "removed 1 month after the issue is closed", "removed after 1 day.", "The audit trail: removed after 1 month.")
	for _, wrong := range []string{"1 months", "1 days"} {
		if strings.Contains(r.Body, wrong) {
			t.Errorf("/privacy says %q", wrong)
		}
	}
	pl := e.client()
	pl.get("/privacy?lang=pl") // remembers the choice
	wantContains(t, pl.get("/privacy").Body, "po 1 miesiącu od zamknięcia", "po 1 dniu.")
	e2 := newEnv(t, func(o *server.Options) {
		o.Privacy = server.Privacy{FollowUpMonths: 5, AuditMonths: 2, NotificationDays: 22}
	})
	pl = e2.client()
	pl.get("/privacy?lang=pl")
	wantContains(t, pl.get("/privacy").Body, "po 5 miesiącach", "po 2 miesiącach", "po 22 dniach")
	wantContains(t, e2.client().get("/privacy").Body, "removed 5 months after", "removed after 22 days.")
}
