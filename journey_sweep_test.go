package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/template/parse"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/testenv/browser"
)

// sweepExtras is what seedSweep adds to the steering installation for
// pages the route table alone does not reach.
type sweepExtras struct {
	CommentID     string // Dan's comment on Grace's issue: its edit page
	HeldID        string // an anonymous issue held for safeguarding
	Invitation    string // an unused invitation link's token
	Reset         string // an administrator's password reset link's token
	Unsubscribe   string // Dan's signed unsubscribe token
	secretPhrases []string
}

// seedSweep adds, through the services, a comment by Dan, an anonymous
// issue with a risk term (held for the safeguarding lead), an invitation,
// a password reset link and an unsubscribe link.
func seedSweep(t *testing.T, dir string, s *steeringSeed) *sweepExtras {
	t.Helper()
	ctx := context.Background()
	a := openApp(t, "--data-dir", dir)
	defer a.close()
	dan, err := a.store.FindUserByEmail(ctx, "dan@example.org")
	if err != nil {
		t.Fatal(err)
	}
	out := &sweepExtras{}
	c, err := a.forums.AddComment(ctx, forum.Viewer{Principal: &account.Principal{User: dan}}, s.IssueID, "We are waiting too.", "")
	if err != nil {
		t.Fatal(err)
	}
	out.CommentID = c.ID
	held, err := a.forums.RaiseIssue(ctx, forum.Viewer{}, s.Forum.ID, forum.Draft{Title: riskTitle, Body: riskBody, Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	if !held.Held {
		t.Fatalf("the issue with a risk term was not held: %+v", held)
	}
	out.HeldID = held.Issue.ID
	if _, out.Invitation, err = a.accounts.CreateInvitation(ctx, s.Admin, account.RoleOrgAdmin, account.OrganisationScope(s.Forum.OrgID), "For the sweep"); err != nil {
		t.Fatal(err)
	}
	if out.Reset, err = a.accounts.CreateReset(ctx, s.Admin, dan.ID); err != nil {
		t.Fatal(err)
	}
	if a.notify != nil {
		out.Unsubscribe = a.notify.UnsubscribeToken(dan.ID)
	}
	// What must never reach a tab title on a sensitive page.
	out.secretPhrases = append([]string{riskTitle, riskBody, "DSR referral waiting times", sweepTyped}, steeringIssues[:]...)
	return out
}

// sweepTyped is what the error-state forms are sent with: a page showing
// the errors keeps it, and no tab title shows it.
const sweepTyped = "Bruises after school"

// sensitiveTemplates are the pages whose tab title must stay neutral: what
// a family wrote, or that it was held for safeguarding, never shows there.
var sensitiveTemplates = map[string]bool{
	"raise": true, "raise_steps": true, "followup_form": true, "followup": true, "followup_code": true,
	"moderate": true, "moderation_queue": true, "moderation_index": true, "forum_reports": true,
}

// sweep walks pages in several states at once and checks each with axe,
// the quick exit and, on sensitive pages, the tab title. Pages that refuse
// or send elsewhere (to sign in, 403, 404) are checked once per state and
// template, since they are the same page each time.
type sweep struct {
	base    string
	secrets []string

	mu        sync.Mutex
	refusals  map[string]bool     // "state template status" already checked
	templates map[string]sweepURL // template → the first page that showed it
	pages     int                 // pages checked with axe
	axe       time.Duration       // time spent in axe-core
}

// sweepURL is a page where a template was seen, and by whom.
type sweepURL struct {
	who string
	url string
}

// check visits url in tab (the person who), and checks the page. It
// returns what the page is.
func (sw *sweep) check(t *testing.T, who string, tab context.Context, url string) browser.PageInfo {
	t.Helper()
	status := browser.Visit(t, tab, url)
	if status >= 500 {
		t.Fatalf("%s as %s: %d", url, who, status)
	}
	return sw.checkHere(t, who, tab, url, status)
}

// checkHere checks the page the tab shows, reached by asking for url.
func (sw *sweep) checkHere(t *testing.T, who string, tab context.Context, asked string, status int64) browser.PageInfo {
	t.Helper()
	info := browser.Inspect(t, tab)
	u, _ := url.Parse(asked)
	refused := status >= 400 || (u != nil && u.Path != info.Path)
	sw.mu.Lock()
	key := who + " " + info.Template + " " + info.Dir + " " + string(rune('0'+status/100))
	skip := refused && sw.refusals[key]
	if refused {
		sw.refusals[key] = true
	}
	if _, ok := sw.templates[info.Template]; !ok && info.Template != "" && (info.Template != "signin" || !refused) {
		sw.templates[info.Template] = sweepURL{who, asked}
	}
	sw.mu.Unlock()
	if skip {
		return info
	}
	if info.Template == "" {
		t.Errorf("%s as %s: the page names no template (body data-page)", asked, who)
	}
	if info.QuickExit != "" {
		t.Errorf("%s as %s: quick exit: %s", asked, who, info.QuickExit)
	}
	if sensitiveTemplates[info.Template] {
		for _, secret := range sw.secrets {
			if strings.Contains(info.Title, secret) {
				t.Errorf("%s as %s: the tab title %q shows %q", asked, who, info.Title, secret)
			}
		}
	}
	began := time.Now()
	browser.CheckAxe(t, tab)
	sw.mu.Lock()
	sw.pages++
	sw.axe += time.Since(began)
	sw.mu.Unlock()
	return info
}

// submitChecked submits a form in tab and checks the page it leads to.
func (sw *sweep) submitChecked(t *testing.T, who string, tab context.Context, selector string) browser.PageInfo {
	t.Helper()
	status := browser.ClickAndWait(t, tab, selector)
	if status >= 500 {
		t.Fatalf("submitting %s as %s: %d", selector, who, status)
	}
	return sw.checkHere(t, who, tab, browser.Location(t, tab), status)
}

// pageTemplates lists the templates in server/templates that draw a whole
// page: every file but the layouts, the live fragments, and files that only
// define partials.
func pageTemplates(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("server/templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates in server/templates: %v", err)
	}
	var out []string
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".html")
		if strings.HasPrefix(name, "live_") {
			continue // fragments for the live layer, checked on the pages they land in
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tr := parse.New(name)
		tr.Mode = parse.SkipFuncCheck | parse.ParseComments
		trees := map[string]*parse.Tree{}
		if _, err := tr.Parse(string(b), "", "", trees); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		page := false
		if root := trees[name]; root != nil {
			for _, n := range root.Root.Nodes {
				switch n := n.(type) {
				case *parse.CommentNode:
				case *parse.TextNode:
					page = page || strings.TrimSpace(string(n.Text)) != ""
				default:
					page = true
				}
			}
		}
		if page {
			out = append(out, name)
		}
	}
	return out
}

// TestEveryPagePassesAxe visits every GET route of the route table as a
// visitor, an Easy Read visitor, a forum member, a facilitator, a steering
// group chair and the installation administrator, on a seeded installation,
// and checks each page with axe-core (WCAG 2.2 A and AA), that its quick
// exit is there, leads to /exit and is not covered, and that sensitive
// pages keep neutral tab titles. Routes with IDs get real ones (or an
// unknown token, which shows the error page). A new route is swept as it
// lands. Then the states the route table does not reach (the
// representative's view, a draft meeting, the meeting by its link, the
// Easy Read raise steps, pages behind one-time links, forms with errors),
// then every page template right to left (one page each, found from
// server/templates: a new template without a page here fails the test),
// the main pages at 320 px wide, and a quick exit from every state.
func TestEveryPagePassesAxe(t *testing.T) {
	began := time.Now()
	dir := t.TempDir()
	s := seedSteering(t, dir)
	sm := seedSteeringMeeting(t, dir, s)
	x := seedSweep(t, dir, s)
	neutral := neutralSite(t)
	// Email "configured" (to a port nobody answers; nobody here turns email
	// on) so that the forgotten-password page exists.
	inst := startChorus(t, dir, map[string]string{"CHORUS_EXIT_URL": neutral, "CHORUS_SMTP_URL": "smtp://127.0.0.1:1?from=chorus@example.org"})
	sw := &sweep{base: inst.URL, secrets: x.secretPhrases, refusals: map[string]bool{}, templates: map[string]sweepURL{}}
	// Several hundred pages, each checked with axe: minutes on a busy
	// machine.
	b := browser.New(t, browser.WithTimeout(28*time.Minute), browser.WithStepTimeout(time.Minute))
	tabs := map[string]context.Context{}
	for _, who := range []string{"visitor", "Easy Read visitor", "member", "facilitator", "chair", "admin"} {
		tabs[who] = b.NewTab(t)
	}
	// The administrator's first sign-in sets up two-step sign-in, a page
	// seen once: in Arabic, then the walk goes on in English.
	rtlSeen := map[string]bool{}
	browser.Visit(t, tabs["admin"], inst.URL+"/signin?lang=ar")
	signInTab(t, tabs["admin"], inst.URL, "ada@example.org", "a long passphrase")
	if info := sw.checkHere(t, "admin", tabs["admin"], inst.URL+"/signin/mfa-setup", 200); info.Dir == "rtl" {
		rtlSeen[info.Template] = true
	}
	enterTOTP(t, tabs["admin"])
	browser.Visit(t, tabs["admin"], inst.URL+"/?lang=en")
	for who, email := range map[string]string{"member": "dan@example.org", "facilitator": "fiona@example.org", "chair": chairEmail} {
		quickSignIn(t, tabs[who], inst.URL, email)
	}
	// A visitor with Easy Read on: larger text, pictograms, the raise form
	// one question at a time.
	browser.Visit(t, tabs["Easy Read visitor"], inst.URL+"/")
	browser.ClickAndWait(t, tabs["Easy Read visitor"], `form[action="/easy-read"] button[value="on"]`)

	// Every GET page of the route table, in each state; the states walk at
	// the same time, each in its own tab (-test.parallel, by default the
	// number of CPUs, bounds how many).
	var urls []string
	for _, route := range s.Routes {
		method, path, _ := strings.Cut(route, " ")
		switch {
		case method != "GET":
			continue
		case path == "/exit", path == "/healthz", path == "/readyz", path == "/static/:file", path == "/live/events", path == "/live":
			continue // not pages: quick exit leaves the site; the others are for machines and scripts
		case strings.HasPrefix(path, "/comments/"):
			continue // only a comment's author may open its edit page: the member's walk below
		case strings.Contains(path[strings.LastIndex(path, "/"):], "."):
			continue // downloads (.csv, .json, .md, .ics, .pdf), not pages: the server tests read them
		}
		id := s.Forum.ID
		switch {
		case strings.HasPrefix(path, "/issues/"):
			id = s.IssueID
		case strings.HasPrefix(path, "/groups/"):
			id = s.Group.ID
		case strings.HasPrefix(path, "/meetings/"):
			id = sm.MeetingID
		case strings.HasPrefix(path, "/actions/"):
			id = sm.ActionID
		case strings.HasPrefix(path, "/admin/users/"):
			id = s.ChairID
		}
		urls = append(urls, inst.URL+strings.NewReplacer(":id", id, ":token", "unknown-token").Replace(path))
	}
	if len(urls) < 30 {
		t.Fatalf("only %d pages to sweep: is the route list empty?", len(urls))
	}
	// Pages beyond the route table's own IDs, in the states that see them.
	extra := map[string][]string{
		"member":      {"/comments/" + x.CommentID + "/edit?issue=" + s.IssueID, "/issues/" + s.Top[0]},
		"facilitator": {"/issues/" + x.HeldID, "/issues/" + x.HeldID + "/moderate", "/issues/" + s.IssueID + "/moderate?comment=" + x.CommentID},
		"admin":       {"/issues/" + x.HeldID + "/moderate", "/meetings/" + sm.DraftID, "/meetings/" + sm.DraftID + "/agenda"},
		"visitor": {"/invitations/" + x.Invitation, "/reset/" + x.Reset, "/meetings/" + sm.MeetingID + "?key=" + sm.LinkKey,
			"/forums/" + s.Forums[1].ID},
	}
	if x.Unsubscribe != "" {
		extra["visitor"] = append(extra["visitor"], "/unsubscribe/"+x.Unsubscribe)
	}
	walkStart := time.Now()
	t.Run("Walk", func(t *testing.T) {
		for _, who := range []string{"visitor", "Easy Read visitor", "member", "facilitator", "chair", "admin"} {
			t.Run(strings.ReplaceAll(who, " ", ""), func(t *testing.T) {
				t.Parallel()
				for _, u := range urls {
					sw.check(t, who, tabs[who], u)
				}
				for _, p := range extra[who] {
					sw.check(t, who, tabs[who], inst.URL+p)
				}
			})
		}
	})
	walk := time.Since(walkStart)
	if t.Failed() {
		t.FailNow()
	}

	// Steering pages as the parent carer representative (the meeting
	// without the chair's forms, an action she may update) and the
	// dashboards as a group member sees them.
	rep := b.NewTab(t)
	quickSignIn(t, rep, inst.URL, repEmail)
	for _, path := range []string{"/groups", "/groups/" + s.Group.ID, "/meetings/" + sm.MeetingID, "/actions/" + sm.ActionID,
		"/groups/" + s.Group.ID + "/dashboard", "/forums/" + s.Forum.ID + "/dashboard"} {
		sw.check(t, "representative", rep, inst.URL+path)
	}
	if !browser.Exists(t, rep, "#chart-themes-title ~ polyline.line") {
		t.Fatal("the themes over time are not drawn as lines")
	}
	visitor := tabs["visitor"]
	sw.check(t, "visitor", visitor, inst.URL+"/meetings/"+sm.MeetingID+"?key="+sm.LinkKey)
	if !browser.Exists(t, visitor, "#quiet-text") {
		t.Fatal("a visitor with the meeting's link is not offered the quiet voice")
	}

	// Forms with errors, left to right here and right to left below: each
	// says what is wrong, keeps what was typed, and passes axe.
	errorStates(t, sw, s, sm, tabs, "en")
	easyRaiseSteps(t, sw, tabs["Easy Read visitor"], inst.URL, s.Forum.ID, map[string]bool{})

	// Every page template right to left: Urdu for the families' states,
	// Arabic for the others, each on the first page the walks found it.
	rtl := map[string]string{"visitor": "ur", "Easy Read visitor": "ur", "member": "ur", "facilitator": "ar", "chair": "ar", "admin": "ar", "representative": "ar"}
	tabs["representative"] = rep
	for who, lang := range rtl {
		browser.Visit(t, tabs[who], inst.URL+"/?lang="+lang)
	}
	// The pages only a POST reaches: the code shown once after raising
	// anonymously, the follow-up page, and the Easy Read steps.
	raiseAnonymously(t, sw, visitor, inst.URL, s.Forum.ID, rtlSeen)
	easyRaiseSteps(t, sw, tabs["Easy Read visitor"], inst.URL, s.Forum.ID, rtlSeen)
	errorStates(t, sw, s, sm, tabs, "rtl")
	// A comment's edit page, open for 15 minutes after writing it: a new
	// comment, then its edit link.
	member := tabs["member"]
	browser.Visit(t, member, inst.URL+"/issues/"+s.IssueID)
	browser.Fill(t, member, "#comment", "ہمیں بھی انتظار ہے۔")
	browser.ClickAndWait(t, member, `form[action$="/comments"] button[type=submit]`)
	rtlSeen[sw.submitChecked(t, "member", member, `#comments a[href^="/comments/"]`).Template] = true
	// The two-step sign-in code, asked of the administrator signing in again.
	again := b.NewTab(t, browser.WithLanguage("ar"))
	browser.Visit(t, again, inst.URL+"/signin")
	browser.Fill(t, again, "#email", "ada@example.org")
	browser.Fill(t, again, "#password", "a long passphrase")
	rtlSeen[sw.submitChecked(t, "admin", again, "main form button[type=submit]").Template] = true
	// The first-run setup page, on a fresh installation, in Arabic.
	fresh := startChorus(t, t.TempDir(), nil)
	setup := b.NewTab(t, browser.WithLanguage("ar"))
	rtlSeen[sw.check(t, "visitor", setup, fresh.URL+"/setup").Template] = true

	var missing []string
	for _, name := range pageTemplates(t) {
		if rtlSeen[name] {
			continue
		}
		at, ok := sw.templates[name]
		switch {
		case !ok && sweepCoveredElsewhere[name] != "":
			t.Logf("template %s: %s", name, sweepCoveredElsewhere[name])
			continue
		case !ok:
			missing = append(missing, name)
			continue
		}
		info := sw.check(t, at.who, tabs[at.who], at.url)
		if info.Template != name {
			t.Errorf("%s as %s showed template %s first, and %s now", at.url, at.who, name, info.Template)
		}
		if info.Dir != "rtl" {
			t.Errorf("%s as %s in %s: dir=%q", at.url, at.who, rtl[at.who], info.Dir)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("templates no page of the sweep showed: %s (give each a page in the sweep, or say in sweepCoveredElsewhere which test checks it)", strings.Join(missing, ", "))
	}

	// The main pages at 320 px wide (WCAG 1.4.10), in Urdu and in Easy
	// Read, kept as screenshots for people to look at.
	mainPages := map[string]string{"home": "/", "forum": "/forums/" + s.Forum.ID, "issue": "/issues/" + s.IssueID,
		"follow-up": "/follow-up", "meeting": "/meetings/" + sm.MeetingID + "?key=" + sm.LinkKey, "raise": "/forums/" + s.Forum.ID + "/raise",
		"groups": "/groups", "you-said-we-did": "/forums/" + s.Forum.ID + "/you-said-we-did", "dashboard": "/forums/" + s.Forum.ID + "/dashboard"}
	shots := []string{"home", "forum", "issue", "follow-up", "meeting"}
	for _, state := range []struct{ who, name, lang string }{{"visitor", "Urdu", "ur"}, {"Easy Read visitor", "EasyRead", "en"}, {"admin", "Arabic", "ar"}} {
		narrow := b.SameSessionTab(t, tabs[state.who], browser.WithViewport(320, 640))
		browser.Visit(t, narrow, inst.URL+"/?lang="+state.lang) // Easy Read in its own English words
		names := make([]string, 0, len(mainPages))
		for name := range mainPages {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			browser.Visit(t, narrow, inst.URL+mainPages[name])
			info := browser.Inspect(t, narrow)
			if info.ScrollWidth > info.ViewportWidth {
				t.Errorf("%s (%s) at 320 px is %d px wide: it scrolls sideways", mainPages[name], state.name, info.ScrollWidth)
			}
			if info.QuickExit != "" {
				t.Errorf("%s (%s) at 320 px: quick exit: %s", mainPages[name], state.name, info.QuickExit)
			}
			if state.who != "admin" && contains(shots, name) {
				browser.Artefact(t, narrow, state.name+"-"+name)
			}
		}
	}

	// Quick exit works from every state, in the language each was left in:
	// it leaves for the neutral site.
	for who, tab := range tabs {
		browser.Visit(t, tab, inst.URL+"/forums/"+s.Forum.ID)
		browser.ClickAndWait(t, tab, "a.quick-exit")
		waitForLocation(t, tab, neutral)
		_ = who
	}
	t.Logf("sweep: %d pages checked with axe (%v in axe-core), the walk of %d routes in 6 states took %v, the whole test %v",
		sw.pages, sw.axe.Round(time.Second), len(urls), walk.Round(time.Second), time.Since(began).Round(time.Second))
}

// sweepCoveredElsewhere names the page templates the sweep cannot reach
// on its installation, and the test that checks them with axe instead.
var sweepCoveredElsewhere = map[string]string{}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// errorStates sends the main forms with mistakes (raise, comment,
// meeting, action) and checks the pages that explain them. pass is "en"
// or "rtl", for messages.
func errorStates(t *testing.T, sw *sweep, s *steeringSeed, sm *sweptMeeting, tabs map[string]context.Context, pass string) {
	t.Helper()
	base := sw.base
	// Raise: a title without the story, checked, then sent.
	v := tabs["visitor"]
	browser.Visit(t, v, base+"/forums/"+s.Forum.ID+"/raise")
	browser.Fill(t, v, "#title", sweepTyped)
	browser.Fill(t, v, "#body", "")
	browser.ClickAndWait(t, v, `button[name="action"][value="check"]`)
	info := sw.submitChecked(t, "visitor", v, `button[name="action"][value="post"]`)
	wantErrors(t, v, info, "raise ("+pass+")")
	if got := browser.Value(t, v, "#title"); got != sweepTyped {
		t.Errorf("raise with errors (%s) lost the title: %q", pass, got)
	}
	// Comment: an empty one.
	m := tabs["member"]
	browser.Visit(t, m, base+"/issues/"+s.IssueID)
	browser.Fill(t, m, "#comment", "")
	info = sw.submitChecked(t, "member", m, `form[action$="/comments"] button[type=submit]`)
	wantErrors(t, m, info, "comment ("+pass+")")
	// Meeting: no title.
	c := tabs["chair"]
	browser.Visit(t, c, base+"/groups/"+s.Group.ID)
	info = sw.submitChecked(t, "chair", c, `form[action$="/meetings"] button[type=submit]`)
	wantErrors(t, c, info, "meeting ("+pass+")")
	// Action: done without an outcome for families.
	browser.Visit(t, c, base+"/actions/"+sm.ActionID)
	browser.Fill(t, c, "#status", "done")
	browser.Fill(t, c, "#note", sweepTyped)
	info = sw.submitChecked(t, "chair", c, `form[action^="/actions/"] button[type=submit]`)
	wantErrors(t, c, info, "action ("+pass+")")
	if got := browser.Value(t, c, "#note"); got != sweepTyped {
		t.Errorf("the action form with errors (%s) lost the note: %q", pass, got)
	}
}

// wantErrors fails unless the page shows an error summary.
func wantErrors(t *testing.T, tab context.Context, info browser.PageInfo, what string) {
	t.Helper()
	if !browser.Exists(t, tab, ".error-summary, .error-text") {
		t.Errorf("%s: %s shows no error: %s", what, info.Path, browser.Text(t, tab, "main"))
	}
}

// raiseAnonymously raises an issue anonymously in tab and checks the code
// page and the follow-up page it opens.
func raiseAnonymously(t *testing.T, sw *sweep, tab context.Context, base, forumID string, seen map[string]bool) {
	t.Helper()
	browser.Visit(t, tab, base+"/forums/"+forumID+"/raise")
	browser.Fill(t, tab, "#title", "Long wait for a keyworker")
	browser.Fill(t, tab, "#body", "We waited eight months.")
	if browser.Exists(t, tab, "#anon") {
		browser.Click(t, tab, "#anon")
	}
	info := sw.submitChecked(t, "visitor", tab, `button[name="action"][value="check"]`)
	seen[info.Template] = true
	info = sw.submitChecked(t, "visitor", tab, `button[name="action"][value="post"]`)
	seen[info.Template] = true
	code := strings.ReplaceAll(browser.Text(t, tab, "#followup-code"), " ", "")
	info = sw.check(t, "visitor", tab, base+"/follow-up")
	seen[info.Template] = true
	browser.Fill(t, tab, "#code", code)
	info = sw.submitChecked(t, "visitor", tab, "main form button[type=submit]")
	seen[info.Template] = true
	if info.Template != "followup" {
		t.Errorf("the follow-up code %q opened %s (%s)", code, info.Path, info.Template)
	}
}

// easyRaiseSteps walks every step of the Easy Read raise form, up to the
// page that checks and sends.
func easyRaiseSteps(t *testing.T, sw *sweep, easy context.Context, base, forumID string, seen map[string]bool) {
	t.Helper()
	info := sw.check(t, "Easy Read visitor", easy, base+"/forums/"+forumID+"/raise")
	seen[info.Template] = true
	browser.Fill(t, easy, "#title", "Long wait for a keyworker")
	sw.submitChecked(t, "Easy Read visitor", easy, `button[value="next"]`)
	browser.Fill(t, easy, "#body", "We waited eight months.")
	sw.submitChecked(t, "Easy Read visitor", easy, `button[value="next"]`)
	browser.Click(t, easy, "#theme-0")
	sw.submitChecked(t, "Easy Read visitor", easy, `button[value="next"]`)
	sw.submitChecked(t, "Easy Read visitor", easy, `button[value="next"]`)
	if got := browser.Text(t, easy, "main"); !strings.Contains(got, "Long wait for a keyworker") {
		t.Fatalf("the Easy Read check step lost the title: %s", got)
	}
}

// TestEasyReadLiveStatus: a visitor reading an issue in Easy Read, in
// English and in Urdu, sees a facilitator's status change arrive live in
// the Easy Read words with the status pictogram beside them, as the page
// shows it after a reload, and the page still passes axe.
func TestEasyReadLiveStatus(t *testing.T) {
	dir := t.TempDir()
	s := seedAll(t, dir)
	inst := startChorus(t, dir, nil)
	b := browser.New(t)
	fiona := b.NewTab(t)
	quickSignIn(t, fiona, inst.URL, "fiona@example.org")
	issue := inst.URL + "/issues/" + s.IssueID
	readers := map[string]context.Context{"en": b.NewTab(t), "ur": b.NewTab(t)}
	for lang, tab := range readers {
		browser.Visit(t, tab, issue+"?lang="+lang)
		browser.ClickAndWait(t, tab, `form[action="/easy-read"] button[value="on"]`)
		waitFor(t, tab, `[data-live-state="subscribed"]`)
		if !browser.Exists(t, tab, `[data-live-status] svg.picto-status-open`) {
			t.Fatalf("the Easy Read page (%s) shows no status pictogram before the change", lang)
		}
	}
	browser.Visit(t, fiona, issue)
	browser.Fill(t, fiona, "#new-status", "on_agenda")
	press(t, fiona, `form[action$="/status"] button`)
	want := map[string]string{"en": "The steering group will talk about it", "ur": "اسٹیئرنگ گروپ کے ایجنڈے پر"}
	for lang, tab := range readers {
		waitForText(t, tab, "[data-live-status]", want[lang])
		if !browser.Exists(t, tab, `[data-live-status] svg.picto-status-on_agenda[aria-hidden="true"]`) {
			t.Errorf("the live status (%s) lost its Easy Read pictogram: %s", lang, evaluate[string](t, tab, `document.querySelector("[data-live-status]").outerHTML`))
		}
		browser.CheckAxe(t, tab)
	}
}
