package server_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"chorus/account"
	"chorus/audit"
	"chorus/forum"
	"chorus/internal/secret"

	"github.com/fasthttp/websocket"
)

// joinMember makes a new account, signs it in and joins the forum under name.
func (fe *forumEnv) joinMember(email, name string) *client {
	fe.t.Helper()
	u := &account.User{ID: secret.NewID(), Email: email, Name: email, PasswordHash: secret.HashPassword("password " + email), CreatedAt: time.Now()}
	if err := fe.Store.CreateUser(context.Background(), u); err != nil {
		fe.t.Fatal(err)
	}
	c := fe.client()
	c.signIn(email, "password "+email)
	c.get("/forums/" + fe.Forum.ID)
	wantStatus(fe.t, c.post("/forums/"+fe.Forum.ID+"/join", url.Values{"csrf": {c.csrf("/forums/" + fe.Forum.ID)}, "display_name": {name}}), 303)
	return c
}

var commentIDRe = regexp.MustCompile(`id="comment-([a-z2-7]+)"`)

// TestReportsHoldThenHide: three members report a comment, it is held for
// review (gone for everyone but its author and facilitators), the
// facilitator hides it with a reason, and viewers see the reason in its
// place; its author hears why.
func TestReportsHoldThenHide(t *testing.T) { onEachStore(t, testReportsHoldThenHide) }

func testReportsHoldThenHide(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	r := fe.raise(fe.Member, url.Values{"title": {"Short breaks cut"}, "body": {"Our respite was cut."}, "anonymous": {"no"}})
	wantStatus(t, r, 303)
	issuePath := r.Location
	author := fe.joinMember("bea@example.org", "Bea")
	author.get(issuePath)
	wantStatus(t, author.post(issuePath+"/comments", url.Values{"body": {"Some sharp words here"}, "idem": {"c1"}}), 303)
	commentID := commentIDRe.FindStringSubmatch(author.get(issuePath).Body)[1]

	reporters := []*client{fe.Member, fe.joinMember("cai@example.org", "Cai"), fe.joinMember("dee@example.org", "Dee")}
	// A missing reason keeps the page and says so; "other" needs words.
	fe.Member.get(issuePath)
	r = fe.Member.post(issuePath+"/report", url.Values{"comment": {commentID}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Choose a reason.")
	r = fe.Member.post(issuePath+"/report", url.Values{"csrf": {fe.Member.csrf(issuePath)}, "comment": {commentID}, "reason": {"other"}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Please say a few words")
	for i, c := range reporters {
		c.get(issuePath)
		wantStatus(t, c.post(issuePath+"/report", url.Values{"csrf": {c.csrf(issuePath)}, "comment": {commentID}, "reason": {"unkind"}, "detail": {"Rude"}}), 303)
		if i == 0 { // reporting twice counts once
			wantStatus(t, c.post(issuePath+"/report", url.Values{"csrf": {c.csrf(issuePath)}, "comment": {commentID}, "reason": {"unkind"}}), 303)
			if strings.Contains(fe.client().get(issuePath).Body, "Some sharp words") == false {
				t.Fatal("the comment was held after one member's reports")
			}
		}
	}
	visitor := fe.client()
	if body := visitor.get(issuePath).Body; strings.Contains(body, "Some sharp words") || strings.Contains(body, "comment-"+commentID) {
		t.Fatal("a held comment is still shown to visitors")
	}
	wantContains(t, author.get(issuePath).Body, "Some sharp words", "Waiting for a facilitator to review it")
	fac := fe.Facilitator
	queue := "/forums/" + fe.Forum.ID + "/moderation?tab=reports"
	r = fac.get(queue)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Some sharp words", "It is unkind or abusive", "3 reports", "/moderate?tab=reports&amp;comment="+commentID)
	wantContains(t, fac.get(issuePath+"/moderate?tab=reports&comment="+commentID).Body, `name="tab" value="reports"`)
	if strings.Contains(r.Body, "cai@example.org") || strings.Contains(r.Body, "Cai") {
		t.Fatal("the queue names a reporter")
	}
	wantStatus(t, fe.Member.get(queue), 403)

	// Hiding needs a reason; the typed choice survives the refusal.
	modPath := issuePath + "/moderate?comment=" + commentID
	fac.get(modPath)
	r = fac.post(issuePath+"/moderate", url.Values{"csrf": {fac.csrf(modPath)}, "comment": {commentID}, "action": {"hide"}, "reason": {" "}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, `value="hide" checked`)
	r = fac.post(issuePath+"/moderate", url.Values{"csrf": {fac.csrf(modPath)}, "comment": {commentID}, "action": {"hide"}, "reason": {"Unkind words", "x"}, "tab": {"reports"}})
	wantStatus(t, r, 303)
	if !strings.HasPrefix(r.Location, "/forums/"+fe.Forum.ID+"/moderation?tab=reports") {
		t.Fatalf("after a decision from the queue, went to %q", r.Location)
	}
	body := visitor.get(issuePath).Body
	wantContains(t, body, "Hidden by a facilitator: Unkind words")
	if strings.Contains(body, "Some sharp words") {
		t.Fatal("a hidden comment's text is shown to visitors")
	}
	wantContains(t, fac.get(issuePath).Body, "Some sharp words", "Hidden by a facilitator: Unkind words")
	wantContains(t, author.get("/notifications").Body, "your post was hidden by a facilitator", "Reason: Unkind words")
	if strings.Contains(fac.get(queue).Body, "Some sharp words") {
		t.Fatal("a decided item is still in the reports queue")
	}

	// Restore shows it again; edit with a reason keeps the earlier text.
	fac.get(modPath)
	wantStatus(t, fac.post(issuePath+"/moderate", url.Values{"csrf": {fac.csrf(modPath)}, "comment": {commentID}, "action": {"restore"}}), 303)
	wantStatus(t, fac.post(issuePath+"/moderate/edit", url.Values{"csrf": {fac.csrf(modPath)}, "comment": {commentID},
		"body": {"Some words"}, "edit_reason": {"softened"}}), 303)
	body = visitor.get(issuePath).Body
	wantContains(t, body, "Some words", "Edited by a facilitator: softened")
	if strings.Contains(body, "Some sharp words") {
		t.Fatal("a visitor sees the text before a facilitator's edit")
	}
	wantContains(t, fac.get(modPath).Body, "Earlier versions", "Some sharp words")
}

// TestRiskTermHeldForLead: an anonymous post with a risk term is held for
// the safeguarding lead; its poster sees at once where to get help; other
// facilitators see that something waits but not what; the lead reads it
// (recorded) and releases it.
func TestRiskTermHeldForLead(t *testing.T) { onEachStore(t, testRiskTermHeldForLead) }

func testRiskTermHeldForLead(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	ctx := context.Background()
	by := principalFor(t, fe.env, "ada@example.org")
	leadUser := &account.User{ID: secret.NewID(), Email: "lee@example.org", Name: "Lee", PasswordHash: secret.HashPassword("password lee@example.org"), CreatedAt: time.Now()}
	if err := fe.Store.CreateUser(ctx, leadUser); err != nil {
		t.Fatal(err)
	}
	settings := fe.Forum.Settings()
	settings.SafeguardingLeadID = leadUser.ID
	if _, err := fe.Forums.UpdateForum(ctx, by, fe.Forum.ID, settings); err != nil {
		t.Fatal(err)
	}

	poster := fe.client()
	r := fe.raise(poster, url.Values{"title": {"Worried tonight"}, "body": {"My son talks about self-harm and I do not know who to call."}, "anonymous": {"yes"}})
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "What happens next", "999", "0808 800 5000", "0800 1111", "116 123")
	if strings.Contains(r.Body, "english-beside") {
		t.Fatal("English help text repeated beside itself")
	}
	code := codeRe.FindStringSubmatch(r.Body)[1]
	poster.get("/follow-up")
	r = poster.post("/follow-up", url.Values{"code": {code}})
	wantContains(t, r.Body, "Worried tonight", "What happens next", "Held for review")

	// Not listed publicly, and not reachable.
	if strings.Contains(fe.client().get("/forums/"+fe.Forum.ID).Body, "Worried tonight") {
		t.Fatal("a held issue is listed publicly")
	}
	queue := "/forums/" + fe.Forum.ID + "/moderation?tab=safeguarding"
	r = fe.Facilitator.get(queue)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Held for the safeguarding lead")
	if strings.Contains(r.Body, "Worried tonight") || strings.Contains(r.Body, "self-harm") {
		t.Fatal("a facilitator who is not the lead reads a safeguarding hold")
	}
	issueID := regexp.MustCompile(`/issues/([a-z2-7]+)/moderate`).FindStringSubmatch(r.Body)[1]
	if strings.Contains(fe.Facilitator.get("/issues/"+issueID).Body, "self-harm") {
		t.Fatal("a facilitator who is not the lead reads a safeguarding hold on its page")
	}
	modPath := "/issues/" + issueID + "/moderate"
	fe.Facilitator.get(modPath)
	r = fe.Facilitator.post(modPath, url.Values{"csrf": {fe.Facilitator.csrf(modPath)}, "action": {"approve"}})
	wantStatus(t, r, 403)
	wantStatus(t, fe.client().get("/issues/"+issueID), 404)

	lead := fe.client()
	lead.signIn("lee@example.org", "password lee@example.org") // sets up two-step sign-in
	r = lead.get(queue)
	wantContains(t, r.Body, "Worried tonight")
	r = lead.get(modPath)
	wantContains(t, r.Body, "self-harm")
	wantStatus(t, lead.post(modPath, url.Values{"csrf": {lead.csrf(modPath)}, "action": {"approve"}, "reason": {"Called the family; fine to share"}}), 303)
	wantContains(t, fe.client().get("/issues/"+issueID).Body, "Worried tonight")
	entries, err := fe.Store.ListEntries(ctx, audit.Filter{Subject: "issue:" + issueID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if !strings.Contains(strings.Join(actions, " "), "safeguarding.view") || !strings.Contains(strings.Join(actions, " "), "safeguarding.approve") {
		t.Fatalf("audit trail for the held issue: %v", actions)
	}
	// In a language whose help text no native speaker has checked yet, the
	// English stands beside it.
	urdu := fe.client()
	urdu.get("/?lang=ur")
	r = fe.raise(urdu, url.Values{"title": {"رات کو فکر"}, "body": {"میرا بیٹا self-harm کی بات کرتا ہے"}, "anonymous": {"yes"}})
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "آگے کیا ہوگا", `class="english-beside" lang="en" dir="ltr"`, "If anyone is in danger now, call 999.")
}

// TestMergeTellsSubmitter: a duplicate is merged; supports combine without
// double counting, and its anonymous submitter sees where it went.
func TestMergeTellsSubmitter(t *testing.T) { onEachStore(t, testMergeTellsSubmitter) }

func testMergeTellsSubmitter(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	r := fe.raise(fe.Member, url.Values{"title": {"Waiting lists for assessments"}, "body": {"Two years for an assessment."}, "anonymous": {"no"}})
	intoPath := r.Location
	poster := fe.client()
	r = fe.raise(poster, url.Values{"title": {"Assessment waits"}, "body": {"We have waited 20 months."}, "anonymous": {"yes"}})
	code := codeRe.FindStringSubmatch(r.Body)[1]
	both := fe.joinMember("bo@example.org", "Bo")
	fromID := ""
	for _, sum := range listIssues(t, fe) {
		if sum.Title == "Assessment waits" {
			fromID = sum.ID
		}
	}
	fromPath := "/issues/" + fromID
	for _, c := range []*client{both, fe.Member} {
		c.get(fromPath)
		wantStatus(t, c.post(fromPath+"/support", url.Values{"csrf": {c.csrf(fromPath)}}), 303)
	}
	both.get(intoPath)
	wantStatus(t, both.post(intoPath+"/support", url.Values{"csrf": {both.csrf(intoPath)}}), 303) // Bo supports both
	fac := fe.Facilitator
	fac.get(fromPath + "/moderate")
	r = fac.post(fromPath+"/merge", url.Values{"csrf": {fac.csrf(fromPath + "/moderate")}, "into": {strings.TrimPrefix(intoPath, "/issues/")}, "merge_reason": {"Same issue"}})
	wantStatus(t, r, 303)
	body := fe.client().get(intoPath).Body
	wantContains(t, body, "2 families affected", "Another issue was merged into this one")
	wantContains(t, fe.client().get(fromPath).Body, "This issue was merged into another", "Joined with another issue")
	poster.get("/follow-up")
	r = poster.post("/follow-up", url.Values{"code": {code}})
	wantContains(t, r.Body, "This issue was merged into another", `href="`+intoPath+`"`)
	wantContains(t, both.get("/notifications").Body, "was merged into this one")
	// Merging needs another open issue of the same forum.
	fac.get(intoPath + "/moderate")
	r = fac.post(intoPath+"/merge", url.Values{"csrf": {fac.csrf(intoPath + "/moderate")}, "into": {"nope"}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Choose another open issue in this forum.")
}

func listIssues(t *testing.T, fe *forumEnv) []*forum.IssueSummary {
	t.Helper()
	view, err := fe.Forums.Issues(context.Background(), forum.Viewer{}, forum.IssueFilter{ForumID: fe.Forum.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return view.Issues
}

// TestThemesQuotesErase: a facilitator tags an issue and keeps a quote with
// identifying details removed; an administrator erases the issue for a
// legal request, leaving a tombstone and no trace of its words in earlier
// versions, quotes or the audit trail.
func TestThemesQuotesErase(t *testing.T) { onEachStore(t, testThemesQuotesErase) }

func testThemesQuotesErase(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true, Themes: []string{"Referrals", "Schools"}})
	r := fe.raise(fe.Member, url.Values{"title": {"Waiting for a DSR"}, "body": {"We waited a year for a review. Our GP wrote twice."}, "anonymous": {"no"}})
	issuePath := r.Location
	issueID := strings.TrimPrefix(issuePath, "/issues/")
	fac := fe.Facilitator
	modPath := issuePath + "/moderate"
	fac.get(modPath)
	wantStatus(t, fac.post(issuePath+"/themes", url.Values{"csrf": {fac.csrf(modPath)}, "themes": {"Schools"}}), 303)
	wantContains(t, fe.client().get(issuePath).Body, `<span class="tag">Schools</span>`)
	r = fac.post(issuePath+"/themes", url.Values{"csrf": {fac.csrf(modPath)}, "themes": {"Made up"}})
	wantStatus(t, r, 400)

	r = fac.post(issuePath+"/quotes", url.Values{"csrf": {fac.csrf(modPath)}, "quote": {strings.Repeat("long ", 60)}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "A quote can be up to 280 characters.")
	wantStatus(t, fac.post(issuePath+"/quotes", url.Values{"csrf": {fac.csrf(modPath)}, "quote": {"We waited a year; call me on 07700 900123"}}), 303)
	quotes, err := fe.Forums.Quotes(context.Background(), forum.Viewer{}, issueID)
	if err != nil || len(quotes) != 1 {
		t.Fatalf("Quotes = %v, %v", quotes, err)
	}
	if strings.Contains(quotes[0].Text, "07700") || !strings.Contains(quotes[0].Text, "We waited a year") {
		t.Fatalf("quote kept as %q; want the phone number removed", quotes[0].Text)
	}
	wantStatus(t, fe.Member.post(issuePath+"/quotes", url.Values{"csrf": {fe.Member.csrf(issuePath)}, "quote": {"x"}}), 403)

	// A facilitator's edit keeps the earlier text, in versions and the audit trail...
	wantStatus(t, fac.post(issuePath+"/moderate/edit", url.Values{"csrf": {fac.csrf(modPath)}, "title": {"Waiting for a DSR"},
		"body": {"We waited a year for a review."}, "edit_reason": {"GP detail removed"}}), 303)
	wantContains(t, fac.get(modPath).Body, "Our GP wrote twice")

	// ...until an administrator erases it.
	admin := fe.client()
	admin.signIn("ada@example.org", "long enough pw", secretOf(t, fe.env, adminID(t, fe.env)))
	admin.get(modPath)
	wantContains(t, admin.get(modPath).Body, "Erase for good")
	r = admin.post(issuePath+"/erase", url.Values{"csrf": {admin.csrf(modPath)}, "why": {"legal"}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Please confirm")
	wantStatus(t, fac.post(issuePath+"/erase", url.Values{"csrf": {fac.csrf(modPath)}, "why": {"legal"}, "confirm": {"yes"}}), 403)
	wantStatus(t, admin.post(issuePath+"/erase", url.Values{"csrf": {admin.csrf(modPath)}, "why": {"legal"}, "confirm": {"yes"}}), 303)
	body := fe.client().get(issuePath).Body
	wantContains(t, body, "Removed for legal reasons")
	body += fac.get(modPath).Body + fe.client().get("/forums/"+fe.Forum.ID).Body
	for _, words := range []string{"We waited a year", "Our GP wrote twice", "Waiting for a DSR"} {
		if strings.Contains(body, words) {
			t.Fatalf("erased words %q still shown", words)
		}
	}
	ctx := context.Background()
	if vs, err := fe.Store.ListVersions(ctx, issueID); err != nil || len(vs) != 1 || vs[0].Body != "" || vs[0].Title != "" {
		t.Fatalf("versions after erasure = %+v, %v", vs, err)
	}
	if qs, _ := fe.Store.ListQuotes(ctx, issueID); len(qs) != 0 {
		t.Fatalf("quotes after erasure = %+v", qs)
	}
	entries, err := fe.Store.ListEntries(ctx, audit.Filter{Subject: "issue:" + issueID})
	if err != nil {
		t.Fatal(err)
	}
	var erased bool
	for _, e := range entries {
		if strings.Contains(e.Before+e.After, "waited") {
			t.Fatalf("audit entry %s still holds the erased words", e.Action)
		}
		erased = erased || (e.Action == "moderation.erase" && e.Detail == "legal")
	}
	if !erased || len(entries) < 4 {
		t.Fatalf("audit entries after erasure: %d, erase recorded %v", len(entries), erased)
	}
}

// TestEscalation: a safeguarding hold the lead has not handled in time is
// escalated once to the deputy and the organisation's administrators,
// however often (and by however many instances) the sweep runs.
func TestEscalation(t *testing.T) { onEachStore(t, testEscalation) }

func testEscalation(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	ctx := context.Background()
	by := principalFor(t, fe.env, "ada@example.org")
	settings := fe.Forum.Settings()
	settings.SafeguardingDeputyID, settings.EscalateHours = fe.MemberUser.ID, 2
	if _, err := fe.Forums.UpdateForum(ctx, by, fe.Forum.ID, settings); err != nil {
		t.Fatal(err)
	}
	orgAdmin, err := fe.Accounts.AddUser(ctx, nil, account.NewUser{Email: "oa@example.org", Name: "Org admin", Password: "password oa@example.org"},
		account.RoleOrgAdmin, account.OrganisationScope(fe.Forum.OrgID))
	if err != nil {
		t.Fatal(err)
	}
	recent := &forum.Comment{ID: secret.NewID(), IssueID: "i1", ForumID: fe.Forum.ID, AuthorID: "u", AuthorName: "U", Body: "held now", CreatedAt: time.Now()}
	recent.Held, recent.HeldAt = forum.HoldSafeguarding, time.Now().Add(-time.Hour)
	old := &forum.Comment{ID: secret.NewID(), IssueID: "i1", ForumID: fe.Forum.ID, AuthorID: "u", AuthorName: "U", Body: "held long", CreatedAt: time.Now()}
	old.Held, old.HeldAt = forum.HoldSafeguarding, time.Now().Add(-3*time.Hour)
	for _, c := range []*forum.Comment{recent, old} {
		if err := fe.Store.AddComment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	counts := make(chan int, 3)
	for range 3 { // three instances sweeping at once
		go func() {
			n, err := fe.Forums.EscalateOverdue(ctx)
			if err != nil {
				t.Error(err)
			}
			counts <- n
		}()
	}
	total := <-counts + <-counts + <-counts
	if total != 1 {
		t.Fatalf("escalated %d times; want once", total)
	}
	for _, uid := range []string{fe.MemberUser.ID, orgAdmin.ID} {
		list, err := fe.Store.ListNotifications(ctx, uid, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Kind != forum.NoticeEscalated || strings.Contains(list[0].Title, "held long") {
			t.Fatalf("notifications of %s = %+v", uid, list)
		}
	}
}

// followAs opens a live connection with c's session and joins room; the
// answer ("subscribed" or "error") is returned with the connection.
func followAs(t *testing.T, e *env, c *client, room string) (*websocket.Conn, liveMsg) {
	t.Helper()
	ws := dialLiveAs(t, e, c)
	ws.WriteJSON(map[string]any{"type": "subscribe", "room": room})
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var m liveMsg
		if err := ws.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		if m.Type == "subscribed" || m.Type == "error" {
			return ws, m
		}
	}
}

// TestLiveModeration: facilitators get the facilitator's fragments and the
// queue's room; members neither. A hidden comment changes for everyone
// live, and the event carries no hidden words.
func TestLiveModeration(t *testing.T) { onEachStore(t, testLiveModeration) }

func testLiveModeration(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true, ReportThreshold: 1})
	r := fe.raise(fe.Member, url.Values{"title": {"Live moderation"}, "body": {"Text"}, "anonymous": {"no"}})
	issuePath := r.Location
	room := "issue:" + strings.TrimPrefix(issuePath, "/issues/")
	if _, m := followAs(t, fe.env, fe.Member, "moderation:"+fe.Forum.ID); m.Type != "error" || m.Code != "forbidden" {
		t.Fatalf("a member joining the moderation queue's room: %+v", m)
	}
	queue, m := followAs(t, fe.env, fe.Facilitator, "moderation:"+fe.Forum.ID)
	if m.Type != "subscribed" {
		t.Fatalf("a facilitator joining the moderation queue's room: %+v", m)
	}
	facWS, _ := followAs(t, fe.env, fe.Facilitator, room)
	memberWS, _ := followAs(t, fe.env, fe.Member, room)

	fe.Member.get(issuePath)
	wantStatus(t, fe.Member.post(issuePath+"/comments", url.Values{"body": {"A sharp remark"}, "idem": {"lm1"}}), 303)
	if m := next(t, facWS, "comment.added"); !strings.Contains(m.HTML, "/moderate?comment=") {
		t.Fatalf("the facilitator's fragment lacks moderation controls: %s", m.HTML)
	}
	m = next(t, memberWS, "comment.added")
	if strings.Contains(m.HTML, "/moderate") {
		t.Fatalf("a member's fragment has moderation controls: %s", m.HTML)
	}
	commentID := commentIDRe.FindStringSubmatch(m.HTML)[1]

	// One report holds it (threshold 1): it leaves everyone's page and the
	// queue hears of it.
	other := fe.joinMember("rae@example.org", "Rae")
	other.get(issuePath)
	wantStatus(t, other.post(issuePath+"/report", url.Values{"csrf": {other.csrf(issuePath)}, "comment": {commentID}, "reason": {"unkind"}}), 303)
	next(t, queue, "queue.changed")
	if m := next(t, memberWS, "comment.changed"); strings.TrimSpace(m.HTML) != "" || strings.Contains(string(m.Data), "A sharp remark") {
		t.Fatalf("a held comment's event shows it: %s %s", m.Data, m.HTML)
	}
	fac := fe.Facilitator
	modPath := issuePath + "/moderate?comment=" + commentID
	fac.get(modPath)
	wantStatus(t, fac.post(issuePath+"/moderate", url.Values{"csrf": {fac.csrf(modPath)}, "comment": {commentID}, "action": {"hide"}, "reason": {"Unkind"}}), 303)
	m = next(t, memberWS, "comment.changed")
	if !strings.Contains(m.HTML, "Hidden by a facilitator: Unkind") || strings.Contains(m.HTML+string(m.Data), "A sharp remark") {
		t.Fatalf("hidden comment's live event: %s %s", m.Data, m.HTML)
	}
}

// TestPostOnBehalf: a facilitator posts for a parent who phoned in, only
// with the parent's agreement recorded, and can give them a follow-up code.
func TestPostOnBehalf(t *testing.T) { onEachStore(t, testPostOnBehalf) }

func testPostOnBehalf(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	form := url.Values{"title": {"No respite since June"}, "body": {"A parent phoned: respite stopped in June."}, "on_behalf": {"yes"}, "give_code": {"yes"}}
	r := fe.raise(fe.Facilitator, form)
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Please confirm that the parent agreed", "No respite since June")
	form.Set("consent", "yes")
	form.Del("idem")
	r = fe.raise(fe.Facilitator, form)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Give this code to the parent")
	code := codeRe.FindStringSubmatch(r.Body)[1]
	view, err := fe.Forums.OpenFollowUp(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	if !view.Issue.OnBehalf || !view.Issue.Anonymous || view.Issue.AuthorID != "" {
		t.Fatalf("issue posted on behalf: %+v", view.Issue)
	}
	issuePath := "/issues/" + view.Issue.ID
	wantContains(t, fe.Facilitator.get(issuePath).Body, "Posted by a facilitator for a parent, who agreed.")
	if body := fe.client().get(issuePath).Body; strings.Contains(body, "Posted by a facilitator") || !strings.Contains(body, "No respite since June") {
		t.Fatal("visitors should see the issue, not how it was posted")
	}
	// Members cannot post on behalf of anyone.
	form.Del("idem")
	wantStatus(t, fe.raise(fe.Member, form), 403)
}
