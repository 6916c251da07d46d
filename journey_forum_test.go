package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/testenv/browser"
)

// seeded is what seedForum made.
type seeded struct {
	Forum   *forum.Forum
	IssueID string   // Grace's issue
	Routes  []string // every route's method and path, from the server's table
}

// openApp opens the app's store and services as the command line would,
// for seeding; the caller closes it before Chorus serves the same store.
func openApp(t *testing.T, args ...string) *app {
	t.Helper()
	cfg, _, err := parseConfig("chorus", args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := open(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// seedRegion adds Ada, the installation's administrator, an organisation,
// and its forum that takes anonymous issues and lets anyone join.
func seedRegion(t *testing.T, a *app, themes ...string) (*account.Principal, *forum.Forum) {
	t.Helper()
	ctx := context.Background()
	admin, err := a.accounts.AddUser(ctx, nil, account.NewUser{Email: "ada@example.org", Name: "Ada", Password: "a long passphrase"}, account.RoleAdmin, account.Installation)
	if err != nil {
		t.Fatal(err)
	}
	by := &account.Principal{User: admin, Grants: []account.Grant{{UserID: admin.ID, Role: account.RoleAdmin, Scope: account.Installation}}}
	org, err := a.accounts.CreateOrganisation(ctx, by, "Leicester, Leicestershire and Rutland")
	if err != nil {
		t.Fatal(err)
	}
	f, err := a.forums.CreateForum(ctx, by, forum.ForumSettings{OrgID: org.ID, Name: "Leicester Parent Carer Forum", Area: "Leicester",
		AllowAnonymous: true, OpenJoin: true, Themes: themes})
	if err != nil {
		t.Fatal(err)
	}
	return by, f
}

// seedForum fills a data directory with what the forum journeys start from:
// an organisation, a forum that takes anonymous issues, a facilitator, a
// member and one existing issue. Returns the forum.
func seedForum(t *testing.T, dir string) *forum.Forum { return seedAll(t, dir).Forum }

func seedAll(t *testing.T, dir string) *seeded {
	t.Helper()
	ctx := context.Background()
	a := openApp(t, "--data-dir", dir)
	defer a.close()
	by, f := seedRegion(t, a, "Referrals", "School transport")
	out := &seeded{Forum: f}
	srv, _, err := a.server()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Routes() {
		out.Routes = append(out.Routes, r.Method+" "+r.Path)
	}
	people := map[string]string{"fiona@example.org": "Fiona (facilitator)", "dan@example.org": "Dan", "grace@example.org": "Grace"}
	for email, display := range people {
		u, err := a.accounts.AddPlainUser(ctx, account.NewUser{Email: email, Name: display, Password: "password for " + email})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.forums.Join(ctx, &account.Principal{User: u}, f.ID, display); err != nil {
			t.Fatal(err)
		}
		if email == "fiona@example.org" {
			if err := a.forums.SetRole(ctx, by, f.ID, u.ID, forum.RoleFacilitator); err != nil {
				t.Fatal(err)
			}
		}
		if email == "grace@example.org" {
			raised, err := a.forums.RaiseIssue(ctx, forum.Viewer{Principal: &account.Principal{User: u}}, f.ID, forum.Draft{
				Title: "DSR referral waiting times", Body: "Our Dynamic Support Register referral has taken months with no news.", Themes: []string{"Referrals"}})
			if err != nil {
				t.Fatal(err)
			}
			out.IssueID = raised.Issue.ID
		}
	}
	return out
}

// signInTab signs a person in through the sign-in page.
func signInTab(t *testing.T, tab context.Context, base, email, password string) {
	t.Helper()
	visit(t, tab, base+"/signin")
	browser.Fill(t, tab, "#email", email)
	browser.Fill(t, tab, "#password", password)
	submit(t, tab, "main form button[type=submit]")
}

var modes = []struct {
	name string
	opts []browser.Option
}{{"JavaScript", nil}, {"NoJavaScript", []browser.Option{browser.WithoutJavaScript()}}}

// inEachMode runs a forum journey with JavaScript on and off, each on a
// fresh seeded installation.
func inEachMode(t *testing.T, journey func(t *testing.T, f *forum.Forum, inst *instance, b *browser.Browser, opts []browser.Option)) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			dir := t.TempDir()
			f := seedForum(t, dir)
			inst := startChorus(t, dir, nil)
			journey(t, f, inst, browser.New(t, mode.opts...), mode.opts)
		})
	}
}

// TestJourneyAnonymousIssue is journey 1: without an account, Amina switches
// the page to Urdu, raises an issue anonymously and keeps the code; later,
// with only the code, she sees the status, answers a facilitator's private
// question, and reads the response.
func TestJourneyAnonymousIssue(t *testing.T) {
	inEachMode(t, func(t *testing.T, f *forum.Forum, inst *instance, b *browser.Browser, opts []browser.Option) {
		amina := b.NewTab(t)

		visit(t, amina, inst.URL+"/forums/"+f.ID)
		browser.ClickAndWait(t, amina, `a[hreflang="ur"]`)
		browser.CheckAxe(t, amina)
		submit(t, amina, `a[href="/forums/`+f.ID+`/raise"]`)
		browser.Fill(t, amina, "#title", "رات کو بحران میں کوئی مدد نہیں")
		browser.Fill(t, amina, "#body", "جب ہمارے بیٹے کو رات کو بحران ہوتا ہے تو کوئی جواب نہیں دیتا۔")
		submit(t, amina, `button[value="check"]`)
		submit(t, amina, `button[value="post"]`)
		code := browser.Text(t, amina, "#followup-code")
		if len(strings.ReplaceAll(code, " ", "")) != forum.CodeLen {
			t.Fatalf("follow-up code %q", code)
		}
		if dir, _ := browserAttr(t, amina, "#followup-code", "dir"); dir != "ltr" {
			t.Fatalf("the code is not kept left to right on an Urdu page: dir=%q", dir)
		}

		// A facilitator asks a private question.
		fiona := b.NewTab(t)
		signInTab(t, fiona, inst.URL, "fiona@example.org", "password for fiona@example.org")
		visit(t, fiona, inst.URL+"/forums/"+f.ID)
		browser.Fill(t, fiona, "#q", "بحران")
		submit(t, fiona, `form[role="search"] button`)
		submit(t, fiona, `ol.issues li:first-child a`)
		issueURL := browser.Location(t, fiona)
		browser.Fill(t, fiona, "#question", "Is this the children's crisis line?")
		submit(t, fiona, `form[action$="/ask"] button`)

		// Later, with only her code, Amina sees the status and the question.
		later := b.NewTab(t, opts...)
		visit(t, later, inst.URL+"/follow-up")
		browser.Fill(t, later, "#code", strings.ToLower(code))
		submit(t, later, "main form button[type=submit]")
		page := browser.Text(t, later, "main")
		for _, want := range []string{"Status: Open", "Is this the children's crisis line?"} {
			if !strings.Contains(page, want) {
				t.Fatalf("follow-up page lacks %q:\n%s", want, page)
			}
		}
		browser.Fill(t, later, "#text", "Yes, the children's line.")
		browser.Click(t, later, "#kind-answer")
		submit(t, later, `form[action="/follow-up/detail"] button[type=submit]`)

		// The facilitator responds and resolves; Amina reads the response.
		visit(t, fiona, issueURL)
		if !strings.Contains(browser.Text(t, fiona, "#timeline"), "Yes, the children's line.") {
			t.Fatal("the facilitator does not see the anonymous answer")
		}
		browser.Fill(t, fiona, "#response", "The crisis team will now answer the children's line through the night.")
		submit(t, fiona, `form[action$="/respond"] button`)
		browser.Fill(t, fiona, "#new-status", "resolved")
		submit(t, fiona, `form[action$="/status"] button`)

		visit(t, later, inst.URL+"/follow-up")
		browser.Fill(t, later, "#code", code)
		submit(t, later, "main form button[type=submit]")
		page = browser.Text(t, later, "main")
		for _, want := range []string{"Status: Resolved", "answer the children's line through the night"} {
			if !strings.Contains(page, want) {
				t.Fatalf("follow-up page lacks %q:\n%s", want, page)
			}
		}
	})
}

// TestJourneySupportInsteadOfPosting is journey 2: a member starts to raise
// an issue, is shown a similar one, supports it instead, then comments.
func TestJourneySupportInsteadOfPosting(t *testing.T) {
	inEachMode(t, func(t *testing.T, f *forum.Forum, inst *instance, b *browser.Browser, opts []browser.Option) {
		dan := b.NewTab(t)
		signInTab(t, dan, inst.URL, "dan@example.org", "password for dan@example.org")
		visit(t, dan, inst.URL+"/forums/"+f.ID)
		submit(t, dan, `a[href="/forums/`+f.ID+`/raise"]`)
		browser.Fill(t, dan, "#title", "Waiting for a DSR referral")
		browser.Fill(t, dan, "#body", "We have been waiting months for the referral.")
		submit(t, dan, `button[value="check"]`)
		if got := browser.Text(t, dan, "#similar-heading"); !strings.Contains(got, "Others have raised something similar") {
			t.Fatalf("similar heading = %q", got)
		}
		submit(t, dan, `section[aria-labelledby="similar-heading"] form button`)
		if got := browser.Text(t, dan, ".support-count"); got != "1 family affected" {
			t.Fatalf("support count = %q after supporting", got)
		}
		browser.Fill(t, dan, "#comment", "Same for us: **eight months** and counting.")
		submit(t, dan, `form[action$="/comments"] button`)
		if got := browser.Text(t, dan, "#comments"); !strings.Contains(got, "eight months and counting") {
			t.Fatalf("comments = %q", got)
		}
		// No new issue was posted.
		visit(t, dan, inst.URL+"/forums/"+f.ID)
		if got := browser.Text(t, dan, "main"); !strings.Contains(got, "1 issue") {
			t.Fatalf("forum page: %s", got)
		}
	})
}

// TestDraftSurvivesReload: with JavaScript, what a parent types is kept in
// the browser until the server confirms it; a reload loses nothing, and a
// confirmed post clears the draft.
func TestDraftSurvivesReload(t *testing.T) {
	dir := t.TempDir()
	f := seedForum(t, dir)
	inst := startChorus(t, dir, nil)
	b := browser.New(t)
	dan := b.NewTab(t)
	signInTab(t, dan, inst.URL, "dan@example.org", "password for dan@example.org")
	raise := inst.URL + "/forums/" + f.ID + "/raise"
	visit(t, dan, raise)
	browser.Fill(t, dan, "#title", "Half-written worry")
	browser.Fill(t, dan, "#body", "I was in the middle of typing this when the signal dropped.")
	visit(t, dan, raise) // a refresh, or coming back after a lost connection
	if got := browser.Value(t, dan, "#title"); got != "Half-written worry" {
		t.Fatalf("after a reload the title is %q; the draft was lost", got)
	}
	if got := browser.Value(t, dan, "#body"); !strings.Contains(got, "signal dropped") {
		t.Fatalf("after a reload the text is %q; the draft was lost", got)
	}
	submit(t, dan, `button[value="check"]`)
	submit(t, dan, `button[value="post"]`)
	visit(t, dan, raise)
	if got := browser.Value(t, dan, "#title"); got != "" {
		t.Fatalf("the draft %q was kept after the server confirmed the post", got)
	}
}

// TestJourneyLiveDiscussion: Grace comments and supports; Dan, watching the
// same issue in another browser, sees both appear without reloading, and
// the updated page still passes axe.
func TestJourneyLiveDiscussion(t *testing.T) {
	dir := t.TempDir()
	s := seedAll(t, dir)
	inst := startChorus(t, dir, nil)
	b := browser.New(t)
	dan, grace := b.NewTab(t), b.NewTab(t)
	signInTab(t, dan, inst.URL, "dan@example.org", "password for dan@example.org")
	signInTab(t, grace, inst.URL, "fiona@example.org", "password for fiona@example.org")
	issue := inst.URL + "/issues/" + s.IssueID
	visit(t, dan, issue)
	visit(t, grace, issue)
	waitFor(t, dan, `[data-live-state="subscribed"]`) // Dan's page follows the issue now

	browser.Fill(t, grace, "#comment", "We were told the panel meets **monthly** now.")
	submit(t, grace, `form[action$="/comments"] button`)
	// New comments wait behind a button, so nothing moves under Dan's reading.
	browser.Click(t, dan, `[data-live-show="comment.added"]`)
	waitForText(t, dan, "ol.comments", "meets monthly now")
	submit(t, grace, `form[action$="/support"] button`)
	waitForText(t, dan, ".support-count", "1 family affected")
	browser.CheckAxe(t, dan)
	if loc := browser.Location(t, dan); loc != issue {
		t.Fatalf("Dan's page moved to %s; it should have updated in place", loc)
	}
}

// waitForText waits until an element's text contains want.
func waitForText(t *testing.T, tab context.Context, selector, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(browser.Text(t, tab, selector), want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never showed %q; it shows %q", selector, want, browser.Text(t, tab, selector))
}

// waitFor waits until an element matches selector.
func waitFor(t *testing.T, tab context.Context, selector string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if browser.Exists(t, tab, selector) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", selector)
}
