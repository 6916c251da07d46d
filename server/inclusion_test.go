package server_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"chorus/forum"
	"chorus/locales"

	"github.com/BurntSushi/toml"
	"github.com/fasthttp/websocket"
)

// easyRead turns Easy Read on or off as c, from page from, and checks that
// the switch goes back there.
func easyRead(t *testing.T, c *client, from, state string) {
	t.Helper()
	c.get(from)
	r := c.post("/easy-read", url.Values{"csrf": {c.csrf(from)}, "easy": {state}, "next": {from}})
	wantStatus(t, r, 303)
	if r.Location != from {
		t.Fatalf("the switch went back to %q; want %q", r.Location, from)
	}
}

// message reads one message of a message file, as the page shows it.
func message(t *testing.T, file, id string) string {
	t.Helper()
	b, err := locales.File(file)
	if err != nil {
		t.Fatal(err)
	}
	var msgs map[string]any
	if err := toml.Unmarshal(b, &msgs); err != nil {
		t.Fatal(err)
	}
	s, _ := msgs[id].(string)
	return html.EscapeString(s)
}

const easyClass = `class="easy-read"`

// TestEasyReadSwitch: the switch is on every page, changes state only by a
// POST with the CSRF token, is remembered apart from the language, and goes
// back only to a page of this site.
func TestEasyReadSwitch(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.setupAdmin()
	t.Run("OnEveryPage", func(t *testing.T) {
		for _, path := range []string{"/signin", "/forums", "/follow-up", "/help/quick-exit", "/nowhere"} {
			r := e.client().get(path)
			wantContains(t, r.Body, `action="/easy-read"`, `name="easy" value="on"`, `name="next" value="`+path+`"`)
		}
		wantContains(t, admin.get("/account").Body, `action="/easy-read"`)
	})
	t.Run("GetChangesNothing", func(t *testing.T) {
		c := e.client()
		r := c.get("/easy-read?easy=on&next=/signin")
		if r.Status < 400 || strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), ";"), "chorus_easy") {
			t.Fatalf("GET /easy-read: status %d, cookies %q", r.Status, r.Header.Values("Set-Cookie"))
		}
		if strings.Contains(c.get("/signin").Body, easyClass) {
			t.Fatal("a GET turned Easy Read on")
		}
	})
	t.Run("RefusedWithoutToken", func(t *testing.T) {
		c := e.client()
		c.get("/signin")
		r := c.postRaw("/easy-read", "easy=on&next=%2Fsignin", e.URL)
		wantStatus(t, r, 403)
		if strings.Contains(c.get("/signin").Body, easyClass) {
			t.Fatal("a POST without the token turned Easy Read on")
		}
	})
	t.Run("OnAndOff", func(t *testing.T) {
		c := e.client()
		easyRead(t, c, "/forums?q=wait", "on")
		wantContains(t, c.get("/forums").Body, easyClass, `name="easy" value="off"`)
		wantContains(t, c.get("/nowhere").Body, easyClass) // error pages too
		easyRead(t, c, "/forums", "off")
		if r := c.get("/forums"); strings.Contains(r.Body, easyClass) {
			t.Fatal("Easy Read stayed on after turning it off")
		}
	})
	t.Run("SignedIn", func(t *testing.T) {
		easyRead(t, admin, "/account", "on")
		wantContains(t, admin.get("/account").Body, easyClass)
		easyRead(t, admin, "/account", "off")
	})
	t.Run("OnlyLocalReturn", func(t *testing.T) {
		c := e.client()
		c.get("/signin")
		for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "", "/x\r\nSet-Cookie: a=b"} {
			r := c.post("/easy-read", url.Values{"csrf": {c.csrf("/signin")}, "easy": {"on"}, "next": {next}})
			wantStatus(t, r, 303)
			if r.Location != "/" {
				t.Errorf("next %q went to %q; want /", next, r.Location)
			}
		}
	})
}

// TestEasyReadMessages: in English, Easy Read pages use the Easy Read
// message set; in Urdu they keep the Urdu words and take the layout.
func TestEasyReadMessages(t *testing.T) {
	e := newEnv(t)
	e.setupAdmin()
	en, ur := message(t, "en.toml", "footer.promise"), message(t, "ur.toml", "footer.promise")
	easy := message(t, "easy.toml", "footer.promise")
	if easy == "" || easy == en {
		t.Skip("the Easy Read set has no words of its own for footer.promise")
	}
	c := e.client()
	if r := c.get("/signin"); !strings.Contains(r.Body, en) || strings.Contains(r.Body, easy) {
		t.Fatal("Easy Read words before Easy Read was turned on")
	}
	easyRead(t, c, "/signin", "on")
	r := c.get("/signin")
	wantContains(t, r.Body, easy, easyClass, `lang="en"`)
	if strings.Contains(r.Body, en) {
		t.Fatal("Easy Read page still shows the English words")
	}
	wantStatus(t, c.get("/signin?lang=ur"), 303)
	r = c.get("/signin")
	wantContains(t, r.Body, `lang="ur" dir="rtl" `+easyClass, ur)
	if strings.Contains(r.Body, easy) {
		t.Fatal("Urdu page with Easy Read shows the English Easy Read words")
	}
	wantStatus(t, c.get("/signin?lang=en"), 303)
	wantContains(t, c.get("/signin").Body, easy, easyClass) // the choice stayed through the change of language
}

// TestQuickExitHelp: the help page renders in every language, linked from
// every page, and says plainly that history is not erased.
func TestQuickExitHelp(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	wantContains(t, c.get("/signin").Body, `href="/help/quick-exit"`)
	r := c.get("/help/quick-exit")
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "does not erase your browser history", "private window", "Ctrl, Shift and N", "<title>Help: leaving quickly – Chorus</title>")
	for _, l := range locales.Languages {
		r := e.client().get("/help/quick-exit?lang=" + l.Tag)
		wantStatus(t, r, 303)
	}
	easyRead(t, c, "/help/quick-exit", "on")
	wantContains(t, c.get("/help/quick-exit").Body, easyClass, `class="picto picto-exit"`)
}

var titleTag = regexp.MustCompile(`<title>([^<]*)</title>`)

// TestRaiseStepByStep: with Easy Read on, the raise form asks one question
// per page without JavaScript; Back and errors keep every answer; the last
// step posts one issue, however often it is sent.
func TestRaiseStepByStep(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true, Themes: []string{"Schools", "Health"}})
	path := "/forums/" + fe.Forum.ID + "/raise"
	c := fe.Member
	easyRead(t, c, path, "on")
	r := c.get(path)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `name="step" value="title"`, `id="title"`, "Step 1 of 5")
	if strings.Contains(r.Body, `id="body"`) {
		t.Fatal("the first step asks more than one question")
	}
	idem := idemRe.FindStringSubmatch(r.Body)[1]
	step := func(form url.Values, want int) response {
		t.Helper()
		form.Set("csrf", c.csrf(path))
		form.Set("idem", idem)
		r := c.post(path, form)
		wantStatus(t, r, want)
		return r
	}
	const title, body = "Long wait for a keyworker", "We waited <b>eight</b> months & more."
	escBody := html.EscapeString(body)
	titleRequired := message(t, "easy.toml", "forum.error.title_required")

	r = step(url.Values{"step": {"title"}, "action": {"next"}, "title": {"  "}}, 400)
	wantContains(t, r.Body, `name="step" value="title"`, `aria-invalid="true"`, titleRequired)

	r = step(url.Values{"step": {"title"}, "action": {"next"}, "title": {title}}, 200)
	wantContains(t, r.Body, `name="step" value="body"`, `<input type="hidden" name="title" value="`+title+`">`, "Step 2 of 5")

	// Back from the body keeps what was typed there as well as the title.
	r = step(url.Values{"step": {"body"}, "action": {"back"}, "title": {title}, "body": {body}}, 200)
	wantContains(t, r.Body, `name="step" value="title"`, `value="`+title+`"`, `name="body" value="`+escBody+`"`)

	r = step(url.Values{"step": {"title"}, "action": {"next"}, "title": {title}, "body": {body}}, 200)
	wantContains(t, r.Body, `name="step" value="body"`, `>`+escBody+`</textarea>`)

	r = step(url.Values{"step": {"body"}, "action": {"next"}, "title": {title}, "body": {""}}, 400)
	wantContains(t, r.Body, `name="step" value="body"`, `aria-invalid="true"`)

	r = step(url.Values{"step": {"body"}, "action": {"next"}, "title": {title}, "body": {body}}, 200)
	wantContains(t, r.Body, `name="step" value="themes"`, `name="themes" value="Schools"`)

	r = step(url.Values{"step": {"themes"}, "action": {"next"}, "title": {title}, "body": {body}, "themes": {"Health"}}, 200)
	wantContains(t, r.Body, `name="step" value="who"`, `<input type="hidden" name="themes" value="Health">`, `id="named"`, `id="anon"`)

	r = step(url.Values{"step": {"who"}, "action": {"next"}, "title": {title}, "body": {body}, "themes": {"Health"}, "anonymous": {"no"}}, 200)
	wantContains(t, r.Body, `name="step" value="check"`, `value="post"`, title, escBody, "Health", "Amina")
	if m := titleTag.FindStringSubmatch(r.Body); m == nil || strings.Contains(m[1], title) {
		t.Fatalf("the check step's tab title shows the issue: %q", m)
	}

	// Sending with a problem (the title emptied meanwhile) goes back to that
	// question with every other answer kept.
	r = step(url.Values{"step": {"check"}, "action": {"post"}, "title": {""}, "body": {body}, "themes": {"Health"}, "anonymous": {"no"}}, 400)
	wantContains(t, r.Body, `name="step" value="title"`, titleRequired, `name="body" value="`+escBody+`"`, `name="themes" value="Health"`)

	final := url.Values{"step": {"check"}, "action": {"post"}, "title": {title}, "body": {body}, "themes": {"Health"}, "anonymous": {"no"}}
	r = step(final, 303)
	if !strings.HasPrefix(r.Location, "/issues/") {
		t.Fatalf("sending went to %q", r.Location)
	}
	step(final, 303) // sent again (a double press): still one issue
	view, err := fe.Forums.Issues(context.Background(), forum.Viewer{}, forum.IssueFilter{ForumID: fe.Forum.ID, Query: "keyworker"})
	if err != nil {
		t.Fatal(err)
	}
	if view.Total != 1 {
		t.Fatalf("%d issues from the step-by-step form; want 1", view.Total)
	}
	issue := c.get(r.Location)
	wantContains(t, issue.Body, title, "Amina", `class="picto picto-status-`)
}

// TestRaiseStepByStepVisitor: an anonymous visitor's steps end with the
// follow-up code, and a step form sent after Easy Read was turned off still
// goes on step by step rather than posting early.
func TestRaiseStepByStepVisitor(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true})
	path := "/forums/" + fe.Forum.ID + "/raise"
	c := fe.client()
	easyRead(t, c, path, "on")
	r := c.get(path)
	wantContains(t, r.Body, "Step 1 of 4")
	idem := idemRe.FindStringSubmatch(r.Body)[1]
	easyRead(t, c, path, "off")
	form := url.Values{"csrf": {c.csrf(path)}, "idem": {idem}, "step": {"title"}, "action": {"next"}, "title": {"Respite"}, "anonymous": {"yes"}}
	r = c.post(path, form)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `name="step" value="body"`)
	form.Set("step", "body")
	form.Set("body", "No respite for a year.")
	r = c.post(path, form)
	wantContains(t, r.Body, `name="step" value="who"`, "Your issue will be anonymous")
	form.Set("step", "who")
	r = c.post(path, form)
	wantContains(t, r.Body, `name="step" value="check"`)
	form.Set("action", "post")
	r = c.post(path, form)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `id="followup-code"`)
	if m := titleTag.FindStringSubmatch(r.Body); m == nil || strings.Contains(m[1], "Respite") {
		t.Fatalf("the code page's tab title shows the issue: %q", m)
	}
}

// TestSensitivePagesHaveNeutralTitles: the tab title of the raise form, its
// checks, the follow-up pages and the code page never shows what was typed.
func TestSensitivePagesHaveNeutralTitles(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true})
	c := fe.client()
	const secretWords = "Bruises after school"
	path := "/forums/" + fe.Forum.ID + "/raise"
	pages := map[string]response{"raise form": c.get(path)}
	idem := idemRe.FindStringSubmatch(pages["raise form"].Body)[1]
	form := url.Values{"csrf": {c.csrf(path)}, "idem": {idem}, "title": {secretWords}, "body": {secretWords + ", again."}, "anonymous": {"yes"}, "action": {"check"}}
	pages["raise checks"] = c.post(path, form)
	form.Set("action", "post")
	pages["code"] = c.post(path, form)
	code := codeRe.FindStringSubmatch(pages["code"].Body)[1]
	pages["follow-up form"] = c.get("/follow-up")
	pages["follow-up"] = c.post("/follow-up", url.Values{"csrf": {c.csrf("/follow-up")}, "code": {code}})
	for name, r := range pages {
		m := titleTag.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("%s (%d) has no title", name, r.Status)
		}
		if strings.Contains(m[1], "Bruises") {
			t.Errorf("%s: tab title %q shows what was typed", name, m[1])
		}
	}
	wantContains(t, pages["follow-up"].Body, secretWords) // the page itself does show it

	// A member's own issue held for the safeguarding lead: its page shows
	// where to get help, and its tab says only "Your issue".
	r := fe.raise(fe.Member, url.Values{"title": {"Self-harm worries tonight"}, "body": {"My son talks about self-harm."}, "anonymous": {"no"}})
	wantStatus(t, r, 303)
	r = fe.Member.get(r.Location)
	wantContains(t, r.Body, "<title>Your issue – Chorus</title>", "Self-harm worries tonight", `id="sg-help-heading"`)
}

// TestLiveEasyRead: live fragments come in the viewer's own variant. An
// Easy Read viewer in English hears a status change in the Easy Read words
// with the status pictogram, an Easy Read viewer in Urdu in Urdu with the
// pictogram, and a viewer without Easy Read gets neither, over real
// websockets to the running server.
func TestLiveEasyRead(t *testing.T) { onEachStore(t, testLiveEasyRead) }

func testLiveEasyRead(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true})
	r := fe.raise(fe.Member, url.Values{"title": {"Easy live"}, "body": {"Text"}, "anonymous": {"no"}})
	room := "issue:" + strings.TrimPrefix(r.Location, "/issues/")
	viewer := func(lang string, easy bool) *websocket.Conn {
		c := fe.client()
		if lang != "" {
			c.get(r.Location + "?lang=" + lang)
		}
		if easy {
			easyRead(t, c, r.Location, "on")
			wantContains(t, c.get(r.Location).Body, easyClass, "picto-status-open")
		}
		ws := dialLiveAs(t, fe.env, c)
		if err := ws.WriteJSON(map[string]any{"type": "subscribe", "room": room}); err != nil {
			t.Fatal(err)
		}
		next(t, ws, "subscribed")
		return ws
	}
	plain, easyEN, easyUR := viewer("", false), viewer("", true), viewer("ur", true)

	fe.Facilitator.get(r.Location)
	wantStatus(t, fe.Facilitator.post(r.Location+"/status", url.Values{"status": {"on_agenda"}}), 303)
	m := next(t, easyEN, "status.changed")
	wantContains(t, m.HTML, `picto-status-on_agenda`, message(t, "easy.toml", "status.on_agenda"),
		strings.ReplaceAll(message(t, "live.easy.toml", "live.status_changed"), "{{.Status}}", message(t, "easy.toml", "status.on_agenda")))
	m = next(t, easyUR, "status.changed")
	wantContains(t, m.HTML, `picto-status-on_agenda`, message(t, "ur.toml", "status.on_agenda"))
	m = next(t, plain, "status.changed")
	wantContains(t, m.HTML, message(t, "en.toml", "status.on_agenda"))
	if strings.Contains(m.HTML, "picto") || strings.Contains(m.HTML, message(t, "easy.toml", "status.on_agenda")) {
		t.Fatalf("a viewer without Easy Read got the Easy Read fragment: %s", m.HTML)
	}
}
