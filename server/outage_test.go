package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/testenv/mongotest"
	"chorus/store/mongo"
)

// urUnavailable is the start of the Urdu "storage unreachable" message.
const urUnavailable = "کورس اس وقت اپنے ڈیٹا تک نہیں پہنچ پا رہا"

// TestStoreOutage: the database goes away under a running Chorus (FerretDB,
// the MongoDB adapter's test server, is stopped) and comes back. Meanwhile
// every page answers 503 with a clear message in the person's language, a
// form sent during the outage leaves the typed text in the browser (the
// page's draft is kept until a success notice clears it), and when the
// database is back Chorus serves again by itself, without a restart, and the
// form sent again with its key makes one issue.
func TestStoreOutage(t *testing.T) {
	db := mongotest.Own(t)
	ctx := context.Background()
	// Short waits for an unreachable server, so that each request during the
	// outage fails in a second rather than the production ten.
	store, err := mongo.Open(ctx, strings.TrimSuffix(db.URI(), "/")+"/?serverSelectionTimeoutMS=1000&connectTimeoutMS=1000", "outage")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(context.Background()) })

	e := serveEnv(t, store, time.Now, account.DefaultSettings)
	accounts, forums := e.Accounts, e.Forums

	admin, err := accounts.AddUser(ctx, nil, account.NewUser{Email: "ada@example.org", Name: "Ada", Password: "a long passphrase"}, account.RoleAdmin, account.Installation)
	if err != nil {
		t.Fatal(err)
	}
	by := &account.Principal{User: admin, Grants: []account.Grant{{UserID: admin.ID, Role: account.RoleAdmin, Scope: account.Installation}}}
	org, err := accounts.CreateOrganisation(ctx, by, "Leicester, Leicestershire and Rutland")
	if err != nil {
		t.Fatal(err)
	}
	f, err := forums.CreateForum(ctx, by, forum.ForumSettings{OrgID: org.ID, Name: "Leicester Parent Carer Forum", Area: "Leicester",
		Languages: []string{"en", "ur"}, AllowAnonymous: true, OpenJoin: true})
	if err != nil {
		t.Fatal(err)
	}
	u, err := accounts.AddPlainUser(ctx, account.NewUser{Email: "dan@example.org", Name: "Dan", Password: "password for dan"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := forums.Join(ctx, &account.Principal{User: u}, f.ID, "Dan"); err != nil {
		t.Fatal(err)
	}
	raised, err := forums.RaiseIssue(ctx, forum.Viewer{Principal: &account.Principal{User: u}}, f.ID, forum.Draft{Title: "Keyworker changed again", Body: "Third time this year."})
	if err != nil {
		t.Fatal(err)
	}
	issuePath := "/issues/" + raised.Issue.ID
	member := e.client()
	member.signIn("dan@example.org", "password for dan")
	member.http.Jar.SetCookies(mustURL(t, e.URL), cookies("chorus_lang", "ur")) // Dan chose Urdu
	r := member.get(issuePath)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `data-draft="comment-`+raised.Issue.ID+`"`) // the browser keeps a draft of the comment
	comment := url.Values{"csrf": {csrfRe.FindStringSubmatch(r.Body)[1]}, "idem": {idemRe.FindStringSubmatch(r.Body)[1]}, "body": {"Same for us."}}

	// Amina opens the form while all is well, in Urdu through her browser's
	// language, and starts typing.
	amina := e.client()
	raisePath := "/forums/" + f.ID + "/raise"
	urdu := func(c *client, method, path string, form url.Values) response {
		t.Helper()
		var req *http.Request
		if form == nil {
			req = newRequest(t, method, e.URL+path)
		} else {
			req = newRequest(t, method, e.URL+path)
			req.Body = nopCloser(form.Encode())
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", e.URL)
		}
		req.Header.Set("Accept-Language", "ur-PK,ur;q=0.9,en;q=0.5")
		return c.do(req)
	}
	r = urdu(amina, "GET", raisePath, nil)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `data-draft="raise-`+f.ID+`"`) // the browser keeps a draft of this form
	form := url.Values{"csrf": {csrfRe.FindStringSubmatch(r.Body)[1]}, "idem": {idemRe.FindStringSubmatch(r.Body)[1]},
		"title": {"رات کو کوئی مدد نہیں"}, "body": {"کرائسس لائن پر کوئی جواب نہیں دیتا۔"}, "anonymous": {"yes"}, "action": {"post"}}

	db.StopFerretDB()
	stopped := time.Now()

	unavailable := func(what string, r response) {
		t.Helper()
		if r.Status != 503 {
			t.Fatalf("%s during the outage: status %d, want 503\n%s", what, r.Status, r.Body)
		}
		wantContains(t, r.Body, urUnavailable, `lang="ur"`, `dir="rtl"`)
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("%s: a 503 without Retry-After", what)
		}
		// A success notice would make the browser drop its drafts.
		if strings.Contains(r.Body, "notice ok") || strings.Contains(r.Body, "data-draft-clear") {
			t.Fatalf("%s: the outage page would clear the browser's draft:\n%s", what, r.Body)
		}
	}
	unavailable("the forum page (Accept-Language)", urdu(amina, "GET", "/forums/"+f.ID, nil))
	unavailable("sending the form", urdu(amina, "POST", raisePath, form))
	unavailable("the forum page (signed in, Urdu chosen)", member.get("/forums/"+f.ID))
	unavailable("a comment (signed in, Urdu chosen)", member.post(issuePath+"/comments", comment))
	r = member.get("/readyz")
	if r.Status != 503 {
		t.Fatalf("/readyz during the outage: %d, want 503", r.Status)
	}
	if strings.Contains(e.Logs.String(), `"status":500`) {
		t.Fatalf("an outage request was logged as an internal error (500), not 503:\n%s", e.Logs.String())
	}
	t.Logf("outage requests answered in %s", time.Since(stopped).Round(100*time.Millisecond))

	// The database comes back; nobody restarts Chorus.
	db.StartFerretDB()
	back := time.Now()
	for {
		r = urdu(amina, "GET", "/forums/"+f.ID, nil)
		if r.Status == 200 {
			break
		}
		if time.Since(back) > 30*time.Second {
			t.Fatalf("Chorus still answers %d 30s after the database came back\n%s", r.Status, r.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("serving again %s after the database came back", time.Since(back).Round(100*time.Millisecond))
	wantStatus(t, member.get("/forums/"+f.ID), 200)

	// Amina sends her kept text again, with the same form (and key): one issue.
	r = urdu(amina, "POST", raisePath, form)
	wantStatus(t, r, 200)
	if codeRe.FindStringSubmatch(r.Body) == nil {
		t.Fatalf("no follow-up code after the database came back:\n%s", r.Body)
	}
	view, err := forums.Issues(ctx, forum.Viewer{}, forum.IssueFilter{ForumID: f.ID, Query: "رات کو کوئی مدد نہیں"})
	if err != nil {
		t.Fatal(err)
	}
	if view.Total != 1 {
		t.Fatalf("after the outage the forum holds %d issues sent during it; want 1", view.Total)
	}
	// Dan's comment, sent again: once.
	wantStatus(t, member.post(issuePath+"/comments", comment), 303)
	wantStatus(t, member.post(issuePath+"/comments", comment), 303)
	iv, err := forums.Issue(ctx, forum.Viewer{}, raised.Issue.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(iv.Comments) != 1 || iv.Comments[0].Body != "Same for us." {
		t.Fatalf("after the outage the issue has %d comments; want the one sent", len(iv.Comments))
	}
}
