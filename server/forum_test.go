package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/secret"
)

// forumEnv is a running Chorus with an organisation, a forum, a facilitator
// and a member, each with a browser of their own.
type forumEnv struct {
	*env
	Admin       *client // the installation's administrator, signed in
	Forum       *forum.Forum
	Facilitator *client
	Member      *client
	MemberUser  *account.User
}

func newForumEnv(t *testing.T, store string, settings forum.ForumSettings, opts ...envOption) *forumEnv {
	t.Helper()
	e := newEnvOn(t, store, opts...)
	admin, _ := e.setupAdmin()
	ctx := context.Background()
	by := principalFor(t, e, "ada@example.org")
	org, err := e.Accounts.CreateOrganisation(ctx, by, "Leicester, Leicestershire and Rutland")
	if err != nil {
		t.Fatal(err)
	}
	settings.OrgID = org.ID
	if settings.Name == "" {
		settings.Name = "Leicester Parent Carer Forum"
	}
	settings.OpenJoin = true
	f, err := e.Forums.CreateForum(ctx, by, settings)
	if err != nil {
		t.Fatal(err)
	}
	fe := &forumEnv{env: e, Admin: admin, Forum: f}
	user := func(email string) *account.User {
		u := &account.User{ID: secret.NewID(), Email: email, Name: email, PasswordHash: secret.HashPassword("password " + email), CreatedAt: time.Now()}
		if err := e.Store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	fac := user("fiona@example.org")
	fe.MemberUser = user("amina@example.org")
	fe.Facilitator, fe.Member = e.client(), e.client()
	fe.Facilitator.signIn("fiona@example.org", "password fiona@example.org")
	fe.Member.signIn("amina@example.org", "password amina@example.org")
	for _, j := range []struct {
		c    *client
		name string
	}{{fe.Facilitator, "Fiona (facilitator)"}, {fe.Member, "Amina"}} {
		j.c.get("/forums/" + f.ID)
		wantStatus(t, j.c.post("/forums/"+f.ID+"/join", url.Values{"csrf": {j.c.csrf("/forums/" + f.ID)}, "display_name": {j.name}}), 303)
	}
	if err := e.Forums.SetRole(ctx, by, f.ID, fac.ID, forum.RoleFacilitator); err != nil {
		t.Fatal(err)
	}
	fe.Facilitator.signIn("fiona@example.org", "password fiona@example.org") // a new role ends the session
	return fe
}

var codeRe = regexp.MustCompile(`id="followup-code"[^>]*>([A-Z ]+)<`)

// raise posts an issue through the form as c, checking first as the form does.
func (fe *forumEnv) raise(c *client, form url.Values) response {
	fe.t.Helper()
	path := "/forums/" + fe.Forum.ID + "/raise"
	r := c.get(path)
	wantStatus(fe.t, r, 200)
	idem := regexp.MustCompile(`name="idem" value="([^"]+)"`).FindStringSubmatch(r.Body)[1]
	if form.Get("idem") == "" {
		form.Set("idem", idem)
	}
	form.Set("csrf", c.csrf(path))
	form.Set("action", "check")
	wantStatus(fe.t, c.post(path, form), 200)
	form.Set("action", "post")
	return c.post(path, form)
}

func TestAnonymousIssueJourney(t *testing.T) { onEachStore(t, testAnonymousIssueJourney) }

func testAnonymousIssueJourney(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	visitor := fe.client()
	r := fe.raise(visitor, url.Values{"title": {"نگہداشت کے لیے لمبا انتظار"}, "body": {"We waited **eight months** for a keyworker."}, "anonymous": {"yes"}})
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Keep this follow-up code", "cannot be recovered", `action="/follow-up/download"`)
	m := codeRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no code shown:\n%s", r.Body)
	}
	code := m[1]
	if n := len(strings.ReplaceAll(code, " ", "")); n != forum.CodeLen {
		t.Fatalf("code %q has %d letters", code, n)
	}

	// The issue is public, anonymous, open.
	list := fe.Member.get("/forums/" + fe.Forum.ID)
	wantContains(t, list.Body, "نگہداشت کے لیے لمبا انتظار", "Raised anonymously")
	issueID := regexp.MustCompile(`href="/issues/([a-z2-7]+)"`).FindStringSubmatch(list.Body)[1]

	// Later, with only the code (typed in lower case with dashes), the
	// submitter sees the status timeline.
	later := fe.client()
	later.get("/follow-up")
	r = later.post("/follow-up", url.Values{"code": {strings.ToLower(strings.ReplaceAll(code, " ", "-"))}})
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Your issue", "Status: Open", "eight months")

	// A facilitator asks privately; the question is on the follow-up page only.
	fe.Facilitator.get("/issues/" + issueID)
	wantStatus(t, fe.Facilitator.post("/issues/"+issueID+"/ask", url.Values{"question": {"Which area do you live in?"}}), 303)
	if strings.Contains(fe.Member.get("/issues/"+issueID).Body, "Which area") {
		t.Fatal("a private question is visible to members")
	}
	r = later.post("/follow-up", url.Values{"code": {code}})
	wantContains(t, r.Body, "Which area do you live in?")
	r = later.post("/follow-up/detail", url.Values{"code": {code}, "text": {"Leicester city"}, "answer": {"yes"}})
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Leicester city", "added to your issue")
	wantContains(t, fe.Facilitator.get("/issues/"+issueID).Body, "Leicester city")

	// Resolving needs a response first; then the submitter reads it.
	fe.Facilitator.get("/issues/" + issueID)
	r = fe.Facilitator.post("/issues/"+issueID+"/status", url.Values{"status": {"resolved"}, "note": {"done"}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Write a response the family can read")
	wantStatus(t, fe.Facilitator.post("/issues/"+issueID+"/respond", url.Values{"note": {"The keyworker service has agreed to **call within 2 weeks**."}}), 303)
	wantStatus(t, fe.Facilitator.post("/issues/"+issueID+"/status", url.Values{"status": {"resolved"}, "note": {"Agreed by the service"}}), 303)
	r = later.post("/follow-up", url.Values{"code": {code}})
	wantContains(t, r.Body, "Status: Resolved", "<strong>call within 2 weeks</strong>")

	t.Run("ErrWrongCode", func(t *testing.T) {
		c := fe.client()
		c.get("/follow-up")
		r := c.post("/follow-up", url.Values{"code": {"AAAA AAAA AAAA AAAA AAAA AAAA AAAA"}})
		if !strings.Contains(r.Body, `value="AAAA`) {
			t.Fatalf("the typed code was lost:\n%s", r.Body)
		}
		wantStatus(t, r, 400)
		wantContains(t, r.Body, "That follow-up code is not right", `value="AAAA AAAA AAAA AAAA AAAA AAAA AAAA"`)
		wantStatus(t, c.post("/follow-up", url.Values{"code": {"<script>x</script>"}}), 400)
	})
	t.Run("Download", func(t *testing.T) {
		later.post("/follow-up", url.Values{"code": {code}})
		r := later.post("/follow-up/download", url.Values{"code": {code}})
		wantStatus(t, r, 200)
		if !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(r.Body, code) {
			t.Fatalf("download: %q %q", r.Header.Get("Content-Disposition"), r.Body)
		}
	})
}

// TestAnonymousStoresNothingIdentifying submits as a signed-in member who
// chooses anonymity, with a distinctive user agent, then searches everything
// the store holds (the SQLite files, or every MongoDB document) and the logs
// for the user agent, the IP, the session and the form's key: nothing.
func TestAnonymousStoresNothingIdentifying(t *testing.T) {
	onEachStore(t, testAnonymousStoresNothingIdentifying)
}

func testAnonymousStoresNothingIdentifying(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	const agent = "DistinctiveAgent/7.7 (anonymity-test)"
	c := fe.Member
	path := "/forums/" + fe.Forum.ID + "/raise"
	c.get(path)
	req := newRequest(t, "POST", fe.URL+path)
	form := url.Values{"csrf": {c.csrf(path)}, "title": {"Anonymous from a member"}, "body": {"Text"}, "anonymous": {"yes"}, "action": {"post"}, "idem": {"idem-anon-1"}}
	req.Body = nopCloser(form.Encode())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", agent)
	r := c.do(req)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Keep this follow-up code")

	sessionToken := ""
	for _, ck := range c.http.Jar.Cookies(mustURL(t, fe.URL)) {
		if ck.Name == "chorus_session" {
			sessionToken = ck.Value
		}
	}
	if sessionToken == "" {
		t.Fatal("member has no session cookie")
	}
	// The anonymous issue is linked to no account and keeps only the day.
	view, err := fe.Forums.Issues(context.Background(), forum.Viewer{}, forum.IssueFilter{ForumID: fe.Forum.ID, Query: "Anonymous from a member"})
	if err != nil || view.Total != 1 {
		t.Fatalf("issue not found: %v", err)
	}
	iss := view.Issues[0]
	if iss.AuthorID != "" || iss.AuthorName != "" || !iss.Anonymous || !iss.CreatedAt.Equal(iss.CreatedAt.Truncate(24*time.Hour)) {
		t.Fatalf("anonymous issue keeps %+v", iss.Issue)
	}
	// A follow-up conversation: a facilitator asks privately, the member
	// answers with the code from the same browser (session and user agent).
	// Then the store, the logs, every audit export, the dashboard's CSV and
	// the metrics must hold nothing that leads back to them.
	code := codeRe.FindStringSubmatch(r.Body)[1]
	issuePath := "/issues/" + iss.ID
	fe.Facilitator.get(issuePath)
	wantStatus(t, fe.Facilitator.post(issuePath+"/ask", url.Values{"question": {"Which service was it?"}}), 303)
	c.get("/follow-up")
	req = newRequest(t, "POST", fe.URL+"/follow-up/detail")
	req.Body = nopCloser(url.Values{"csrf": {c.csrf("/follow-up")}, "code": {code}, "text": {"The community team"}, "answer": {"yes"}, "idem": {"idem-anon-2"}}.Encode())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", agent)
	wantStatus(t, c.do(req), 200)
	places := map[string][]byte{}
	for _, path := range []string{"/admin/audit.json", "/admin/audit.csv", "/forums/" + fe.Forum.ID + "/audit.json",
		"/forums/" + fe.Forum.ID + "/audit.csv", "/forums/" + fe.Forum.ID + "/dashboard.csv?chart=months"} {
		r := fe.Admin.get(path)
		wantStatus(t, r, 200)
		places[path] = []byte(r.Body)
	}
	rec := httptest.NewRecorder()
	fe.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	places["metrics"] = rec.Body.Bytes()
	places["store and logs"] = append(storedBytes(t, fe.env), []byte(fe.Logs.String())...) // last: it closes SQLite
	if !bytes.Contains(places["store and logs"], []byte("The community team")) || !bytes.Contains(places["/admin/audit.json"], []byte(iss.ID)) {
		t.Fatal("the conversation or its audit entries are missing: the search cannot be trusted")
	}
	for where, b := range places {
		for _, secretText := range []string{agent, "127.0.0.1", sessionToken, "idem-anon-1", "idem-anon-2"} {
			if bytes.Contains(b, []byte(secretText)) {
				t.Errorf("%s hold %q", where, secretText)
			}
		}
	}
	if strings.Contains(string(places["store and logs"]), fe.MemberUser.ID+`","Anonymous`) {
		t.Fatal("the member's account ID sits beside the anonymous issue")
	}
	var entries []struct{ ActorID, Subject string }
	if err := json.Unmarshal(places["/admin/audit.json"], &entries); err != nil {
		t.Fatalf("audit export: %v", err)
	}
	for _, en := range entries {
		if strings.Contains(en.Subject, iss.ID) && en.ActorID == fe.MemberUser.ID {
			t.Fatalf("the audit trail names the member as acting on their anonymous issue: %+v", en)
		}
	}
}

func TestIdempotentSubmission(t *testing.T) { onEachStore(t, testIdempotentSubmission) }

func testIdempotentSubmission(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	c := fe.client()
	path := "/forums/" + fe.Forum.ID + "/raise"
	c.get(path)
	form := url.Values{"csrf": {c.csrf(path)}, "title": {"Sent ten times"}, "body": {"A flaky connection"}, "anonymous": {"yes"}, "action": {"post"}, "idem": {"same-key-for-all"}}
	const n = 10
	var wg sync.WaitGroup
	codes := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := c.postRaw(path, form.Encode(), fe.URL)
			if m := codeRe.FindStringSubmatch(r.Body); m != nil {
				codes[i] = m[1]
			} else {
				t.Errorf("attempt %d: status %d", i, r.Status)
			}
		}()
	}
	wg.Wait()
	for _, code := range codes[1:] {
		if code != codes[0] {
			t.Fatalf("retries showed different codes: %v", codes)
		}
	}
	view, err := fe.Forums.Issues(context.Background(), forum.Viewer{}, forum.IssueFilter{ForumID: fe.Forum.ID, Query: "Sent ten times"})
	if err != nil {
		t.Fatal(err)
	}
	if view.Total != 1 {
		t.Fatalf("%d issues from 10 identical submissions; want 1", view.Total)
	}
}

func TestSupportAndComment(t *testing.T) { onEachStore(t, testSupportAndComment) }

func testSupportAndComment(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	r := fe.raise(fe.Member, url.Values{"title": {"School transport is late"}, "body": {"The bus is late every day."}, "anonymous": {"no"}})
	wantStatus(t, r, 303)
	issuePath := r.Location
	r = fe.Member.get(issuePath)
	wantContains(t, r.Body, "Raised by Amina", "0 families affected", "Your issue is posted")

	// Another member finds it as similar before posting, and supports instead.
	m := fe.Facilitator
	path := "/forums/" + fe.Forum.ID + "/raise"
	m.get(path)
	r = m.post(path, url.Values{"title": {"Late school bus"}, "body": {"Our school transport bus is late."}, "action": {"check"}})
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Others have raised something similar", "School transport is late")
	wantStatus(t, m.post(issuePath+"/support", url.Values{"csrf": {m.csrf(path)}}), 303)
	wantStatus(t, m.post(issuePath+"/support", url.Values{"csrf": {m.csrf(path)}}), 303) // twice: still one
	r = m.get(issuePath)
	wantContains(t, r.Body, "1 family affected", "Take back my support")

	// Comments: kept, escaped, Markdown rendered.
	r = m.post(issuePath+"/comments", url.Values{"body": {"Same for us. <script>alert(1)</script> **every** day"}, "idem": {"c1"}})
	wantStatus(t, r, 303)
	wantStatus(t, m.post(issuePath+"/comments", url.Values{"csrf": {m.csrf(issuePath)}, "body": {"Same for us. <script>alert(1)</script> **every** day"}, "idem": {"c1"}}), 303)
	r = m.get(issuePath)
	wantContains(t, r.Body, "1 comment", "<strong>every</strong>")
	if strings.Contains(r.Body, "<script>alert(1)") {
		t.Fatal("script in a comment reached the page")
	}
	r = m.post(issuePath+"/comments", url.Values{"body": {"   "}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Write your comment first")

	wantStatus(t, m.post(issuePath+"/unsupport", url.Values{"csrf": {m.csrf(issuePath)}}), 303)
	wantContains(t, m.get(issuePath).Body, "0 families affected")
}

func TestRaiseBadInput(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true, Themes: []string{"Referrals"}})
	c := fe.Member
	path := "/forums/" + fe.Forum.ID + "/raise"
	c.get(path)
	for _, tc := range []struct {
		name, title, body, want string
	}{
		{"ErrEmptyTitle", "", "text", "Give your issue a short title"},
		{"ErrLongTitle", strings.Repeat("t", 200), "text", "160 characters or fewer"},
		{"ErrEmptyBody", "Title", "  ", "Tell us about the issue"},
		{"ErrLongBody", "Title", strings.Repeat("b", 10001), "10,000 characters or fewer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.post(path, url.Values{"title": {tc.title}, "body": {tc.body}, "anonymous": {"no"}, "action": {"post"}})
			wantStatus(t, r, 400)
			wantContains(t, r.Body, tc.want)
			if tc.title != "" && !strings.Contains(r.Body, `value="`+tc.title+`"`) {
				t.Fatal("the typed title was lost")
			}
		})
	}
	t.Run("HTMLAndRTLKept", func(t *testing.T) {
		title := `<img src=x onerror=alert(1)> میرا 😀`
		r := c.post(path, url.Values{"title": {title}, "body": {""}, "anonymous": {"no"}, "action": {"post"}})
		wantStatus(t, r, 400)
		wantContains(t, r.Body, `value="&lt;img src=x onerror=alert(1)&gt; میرا 😀"`)
	})
	t.Run("IdentifyingDetailsOffered", func(t *testing.T) {
		body := "My son Jayden has waited since March. Call 07700 900123."
		r := c.post(path, url.Values{"title": {"Waiting"}, "body": {body}, "action": {"check"}})
		wantStatus(t, r, 200)
		wantContains(t, r.Body, "Check for personal details", "Phone number", "07700 900123", `value="redact"`)
		r = c.post(path, url.Values{"title": {"Waiting"}, "body": {body}, "action": {"redact"}})
		wantStatus(t, r, 200)
		if strings.Contains(r.Body, "07700 900123</textarea>") || !strings.Contains(r.Body, "[removed]") {
			t.Fatalf("details not removed:\n%s", r.Body)
		}
	})
	t.Run("ErrUnknownForum", func(t *testing.T) {
		wantStatus(t, c.get("/forums/nope/raise"), 404)
		wantStatus(t, c.get("/issues/nope"), 404)
	})
}

func TestPreModeratedIssueWaits(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true, PreModerate: true})
	r := fe.raise(fe.Member, url.Values{"title": {"Needs approval"}, "body": {"Text"}, "anonymous": {"no"}})
	wantStatus(t, r, 303)
	issuePath := r.Location
	wantContains(t, fe.Member.get(issuePath).Body, "Waiting for a facilitator")
	wantStatus(t, fe.client().get(issuePath), 404)
	if strings.Contains(fe.client().get("/forums/"+fe.Forum.ID).Body, "Needs approval") {
		t.Fatal("an issue in review is listed to visitors")
	}
	if r := fe.Facilitator.get(issuePath); r.Status != 200 || !strings.Contains(r.Body, "csrf") {
		t.Fatalf("facilitator on %s: %d %s", issuePath, r.Status, r.Body[:min(len(r.Body), 3000)])
	}
	wantStatus(t, fe.Facilitator.post(issuePath+"/status", url.Values{"status": {"open"}}), 303)
	wantStatus(t, fe.client().get(issuePath), 200)
}

func TestForumListing(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true})
	for i, title := range []string{"Referral delays", "Respite care", "Transport to school"} {
		r := fe.raise(fe.Member, url.Values{"title": {title}, "body": {"Body " + title}, "anonymous": {[]string{"no", "yes", "no"}[i]}})
		if r.Status != 303 && r.Status != 200 {
			t.Fatalf("raise %q: %d", title, r.Status)
		}
	}
	c := fe.client()
	r := c.get("/forums/" + fe.Forum.ID + "?q=REFERRAL&sort=newest")
	wantContains(t, r.Body, "Referral delays", "1 issue")
	if strings.Contains(r.Body, "Respite care") {
		t.Fatal("search did not filter")
	}
	r = c.get("/forums/" + fe.Forum.ID + "?status=resolved")
	wantContains(t, r.Body, "0 issues")
	r = c.get("/forums/" + fe.Forum.ID + "?sort=nonsense&page=-3&status=<script>")
	wantStatus(t, r, 200)
	wantStatus(t, c.get("/forums"), 200)
}

func TestFollowNotifyReportEdit(t *testing.T) { onEachStore(t, testFollowNotifyReportEdit) }

func testFollowNotifyReportEdit(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	r := fe.raise(fe.Member, url.Values{"title": {"Respite stopped"}, "body": {"No notice given."}, "anonymous": {"no"}})
	wantStatus(t, r, 303)
	issuePath := r.Location

	// The author follows their own named issue, and hears when it moves.
	wantContains(t, fe.Member.get(issuePath).Body, "You follow this issue")
	fac := fe.Facilitator
	fac.get(issuePath)
	wantStatus(t, fac.post(issuePath+"/status", url.Values{"status": {"on_agenda"}, "note": {"For the March meeting"}}), 303)
	wantStatus(t, fac.post(issuePath+"/respond", url.Values{"note": {"The group will discuss it."}}), 303)
	r = fe.Member.get("/notifications")
	wantContains(t, r.Body, "Notifications (2 new)", "now On a steering group agenda", "a response was published")
	wantStatus(t, fe.Member.post("/notifications/read", url.Values{"csrf": {fe.Member.csrf("/notifications")}}), 303)
	if strings.Contains(fe.Member.get("/notifications").Body, "new)") {
		t.Fatal("notifications still unread after marking them read")
	}
	// The facilitator acted, so is not told of their own change.
	if strings.Contains(fac.get("/notifications").Body, "Respite stopped") {
		t.Fatal("the facilitator was notified of their own change")
	}

	// Unfollow: no more notifications.
	fe.Member.get(issuePath)
	wantStatus(t, fe.Member.post(issuePath+"/unfollow", nil), 303)
	wantStatus(t, fac.post(issuePath+"/status", url.Values{"csrf": {fac.csrf(issuePath)}, "status": {"open"}}), 303)
	if strings.Contains(fe.Member.get("/").Body, "new)") {
		t.Fatal("notified after unfollowing")
	}

	// Comments: the author edits within 15 minutes; the facilitator sees the first text.
	fe.Member.get(issuePath)
	wantStatus(t, fe.Member.post(issuePath+"/comments", url.Values{"body": {"First thoughts"}, "idem": {"e1"}}), 303)
	r = fe.Member.get(issuePath)
	editPath := regexp.MustCompile(`href="(/comments/[a-z2-7]+/edit\?issue=[a-z2-7]+)"`).FindStringSubmatch(r.Body)
	if editPath == nil {
		t.Fatalf("no edit link for the author:\n%s", r.Body)
	}
	r = fe.Member.get(strings.ReplaceAll(editPath[1], "&amp;", "&"))
	wantStatus(t, r, 200)
	commentID := strings.Split(editPath[1], "/")[2]
	wantStatus(t, fe.Member.post("/comments/"+commentID+"/edit", url.Values{"issue": {strings.TrimPrefix(issuePath, "/issues/")}, "body": {"Second thoughts"}}), 303)
	wantContains(t, fe.Member.get(issuePath).Body, "Second thoughts", "(edited)")
	wantContains(t, fac.get(issuePath).Body, "Earlier versions", "First thoughts")
	if strings.Contains(fe.client().get(issuePath).Body, "First thoughts") {
		t.Fatal("a visitor sees the comment's earlier text")
	}
	wantStatus(t, fac.get(strings.ReplaceAll(editPath[1], "&amp;", "&")), 403)

	// Reports are stored for facilitators.
	r = fac.post(issuePath+"/report", url.Values{"csrf": {fac.csrf(issuePath)}, "comment": {commentID}, "reason": {""}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Choose a reason.")
	wantStatus(t, fac.post(issuePath+"/report", url.Values{"csrf": {fac.csrf(issuePath)}, "comment": {commentID}, "reason": {"personal"}, "detail": {"Names a school"}}), 303)
	wantContains(t, fac.get("/forums/"+fe.Forum.ID+"/reports").Body, "Names a school", "A comment", "It shares someone&#39;s personal details")
	wantStatus(t, fe.Member.get("/forums/"+fe.Forum.ID+"/reports"), 403)
}

func TestVisitorSupportByDevice(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true, VisitorSupport: true})
	r := fe.raise(fe.Member, url.Values{"title": {"Open to everyone"}, "body": {"Text"}, "anonymous": {"no"}})
	issuePath := r.Location
	v := fe.client()
	r = v.get(issuePath)
	wantContains(t, r.Body, "Anyone can say this affects them too")
	wantStatus(t, v.post(issuePath+"/support", url.Values{"csrf": {v.csrf(issuePath)}}), 303)
	wantStatus(t, v.post(issuePath+"/support", url.Values{"csrf": {v.csrf(issuePath)}}), 303)
	wantContains(t, v.get(issuePath).Body, "1 family affected", "Take back my support")
	other := fe.client()
	wantStatus(t, other.post(issuePath+"/support", url.Values{"csrf": {other.csrf(issuePath)}}), 303)
	wantContains(t, other.get(issuePath).Body, "2 families affected")
}

func TestForumByInvitation(t *testing.T) { onEachStore(t, testForumByInvitation) }

func testForumByInvitation(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	ctx := context.Background()
	by := principalFor(t, fe.env, "ada@example.org")
	f, err := fe.Forums.CreateForum(ctx, by, forum.ForumSettings{OrgID: fe.Forum.OrgID, Name: "Closed forum", OpenJoin: false})
	if err != nil {
		t.Fatal(err)
	}
	if err := fe.Forums.Accept(ctx, fe.MemberUser, account.Role(forum.RoleFacilitator), forum.ForumScope(f.ID), "Amina (facilitator)"); err != nil {
		t.Fatal(err)
	}
	fac := fe.Member // facilitates the closed forum now

	// Someone signed in but not invited cannot join.
	outsider := fe.Facilitator
	r := outsider.get("/forums/" + f.ID)
	wantContains(t, r.Body, "joined by invitation")
	wantStatus(t, outsider.post("/forums/"+f.ID+"/join", url.Values{"csrf": {outsider.csrf("/forums/" + f.ID)}, "display_name": {"Fiona"}}), 403)

	// The facilitator makes a member invitation; a facilitator one is not theirs to give.
	fac.get("/forums/" + f.ID + "/invitations")
	r = fac.post("/forums/"+f.ID+"/invitations", url.Values{"role": {"facilitator"}})
	wantStatus(t, r, 403)
	fac.get("/forums/" + f.ID + "/invitations")
	r = fac.post("/forums/"+f.ID+"/invitations", url.Values{"role": {"member"}, "note": {"Dan"}})
	wantStatus(t, r, 200)
	m := linkRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no link:\n%s", r.Body)
	}
	link := strings.TrimPrefix(m[1], fe.URL)

	// Dan has no account: he makes one and joins under a display name.
	dan := fe.client()
	r = dan.get(link)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "You are invited to join Closed forum", "Display name")
	r = dan.post(link, url.Values{"display_name": {""}, "email": {"dan@example.org"}, "password": {"dan's password"}, "password2": {"dan's password"}})
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Enter a display name", `value="dan@example.org"`)
	r = dan.post(link, url.Values{"display_name": {"Dan, Theo's dad"}, "email": {"dan@example.org"}, "password": {"dan's password"}, "password2": {"dan's password"}})
	wantStatus(t, r, 303)
	dan.signIn("dan@example.org", "dan's password")
	r = dan.get("/forums/" + f.ID)
	wantContains(t, r.Body, "You are a member of this forum as Dan, Theo&#39;s dad")
	wantContains(t, fac.get("/forums/"+f.ID+"/invitations").Body, "Used")
	wantStatus(t, fe.client().get(link), 410)
}

func TestSafeguardingLeadNeedsMFA(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true})
	admin := fe.client()
	admin.signIn("ada@example.org", "long enough pw", secretOf(t, fe.env, adminID(t, fe.env)))
	editPath := "/forums/" + fe.Forum.ID + "/edit"
	r := admin.get(editPath)
	wantContains(t, r.Body, "Safeguarding lead", "amina@example.org")
	form := url.Values{"name": {fe.Forum.Name}, "response_target": {"28"}, "allow_anonymous": {"on"}, "open_join": {"on"}, "safeguarding_lead": {"made-up-id"}}
	r = admin.post(editPath, form)
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Choose the safeguarding lead from the list")
	form.Set("safeguarding_lead", fe.MemberUser.ID)
	form.Set("csrf", admin.csrf(editPath))
	wantStatus(t, admin.post(editPath, form), 303)

	// The lead's next sign-in asks for two-step sign-in to be set up.
	c := fe.client()
	c.get("/signin")
	r = c.post("/signin", url.Values{"email": {"amina@example.org"}, "password": {"password amina@example.org"}})
	if r.Location != "/signin/mfa-setup" {
		t.Fatalf("the safeguarding lead's sign-in went to %q; want MFA setup", r.Location)
	}
}
