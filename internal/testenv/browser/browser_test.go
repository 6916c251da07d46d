package browser_test

import (
	"bytes"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chorus/internal/testenv/browser"
)

func TestMain(m *testing.M) { browser.Main(m) }

// The pages of the test server. Every response carries a strict CSP, as
// Chorus's pages do, so the tests show that axe-core gets in regardless.
const (
	csp = "default-src 'self'; script-src 'self'"

	// cleanPage breaks no WCAG A/AA rule. Its script, when it runs, changes
	// the heading, so the tests can tell whether JavaScript ran.
	cleanPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Clean</title><script src="/app.js"></script></head>
<body><main>
<h1 id="status">static</h1>
<form method="post" action="/submit">
<label for="name">Name</label> <input id="name" name="name" type="text">
<button type="submit">Send</button>
</form>
</main></body>
</html>`

	appJS = `document.addEventListener("DOMContentLoaded", () => {
	document.getElementById("status").textContent = "scripted";
});`

	// badPage has one deliberate violation: an image without alt text.
	badPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Bad</title></head>
<body><main><h1>Bad</h1><img src="/pixel.png" class="no-alt"></main></body>
</html>`
)

// newServer serves the test pages.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	page := func(title, body string) string {
		return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>` + title +
			`</title></head><body><main>` + body + `</main></body></html>`
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, cleanPage)
	})
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, appJS)
	})
	mux.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, badPage)
	})
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page("Sent", `<h1>Sent</h1><p id="sent">`+html.EscapeString(r.FormValue("name"))+`</p>`))
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "who", Value: r.FormValue("name"), Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/whoami", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		who := "nobody"
		if c, err := r.Cookie("who"); err == nil {
			who = c.Value
		}
		fmt.Fprint(w, page("Who", `<h1>Who</h1><p id="who">`+html.EscapeString(who)+`</p>`))
	})
	mux.HandleFunc("GET /language", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page("Language", `<h1>Language</h1><p id="lang">`+html.EscapeString(r.Header.Get("Accept-Language"))+`</p>`))
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAxe(t *testing.T) {
	srv := newServer(t)
	b := browser.New(t)

	t.Run("CleanPagePasses", func(t *testing.T) {
		tab := b.NewTab(t)
		browser.Visit(t, tab, srv.URL+"/")
		began := time.Now()
		browser.CheckAxe(t, tab)
		t.Logf("axe-core run, injection included: %v", time.Since(began).Round(time.Millisecond))
		began = time.Now()
		browser.CheckAxe(t, tab) // axe-core is already in the page
		t.Logf("axe-core run, already injected: %v", time.Since(began).Round(time.Millisecond))
	})

	t.Run("ViolationReported", func(t *testing.T) {
		tab := b.NewTab(t)
		browser.Visit(t, tab, srv.URL+"/bad")
		r := browser.Axe(t, tab)
		if len(r.Violations) != 1 {
			t.Fatalf("got %d violations, want 1 (image-alt):\n%s", len(r.Violations), r)
		}
		v := r.Violations[0]
		if v.ID != "image-alt" || v.Impact != "critical" || v.Help == "" || v.HelpURL == "" {
			t.Errorf("violation = %+v, want image-alt, critical, with help", v)
		}
		if len(v.Nodes) != 1 || !strings.Contains(v.Nodes[0].Target, "img") ||
			!strings.Contains(v.Nodes[0].HTML, `class="no-alt"`) {
			t.Errorf("nodes = %+v, want the one <img>", v.Nodes)
		}
		msg := r.String()
		for _, want := range []string{srv.URL + "/bad", "image-alt", "critical", v.Help, `<img src="/pixel.png" class="no-alt">`} {
			if !strings.Contains(msg, want) {
				t.Errorf("report lacks %q:\n%s", want, msg)
			}
		}
	})
}

func TestAxeReportString(t *testing.T) {
	long := "<div " + strings.Repeat("x", 300) + ">"
	nodes := make([]browser.AxeNode, 12)
	for i := range nodes {
		nodes[i] = browser.AxeNode{Target: fmt.Sprintf("#n%d", i), HTML: "<p\n   id=\"a\">"}
	}
	nodes[0].HTML = long
	r := browser.AxeReport{URL: "http://x/", Violations: []browser.AxeViolation{
		{ID: "rule", Impact: "serious", Help: "Do it", HelpURL: "http://help/", Nodes: nodes},
	}}
	got := r.String()
	for _, want := range []string{"1 accessibility violation(s) on http://x/", "- rule (serious): Do it", "http://help/",
		`#n1: <p id="a">`, "... and 2 more", "x…"} {
		if !strings.Contains(got, want) {
			t.Errorf("String() lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "#n10") || strings.Contains(got, long) {
		t.Errorf("String() is not trimmed:\n%s", got)
	}
}

func TestWithoutJavaScript(t *testing.T) {
	srv := newServer(t)
	b := browser.New(t)

	t.Run("ScriptRunsByDefault", func(t *testing.T) {
		tab := b.NewTab(t)
		browser.Visit(t, tab, srv.URL+"/")
		if got := browser.Text(t, tab, "#status"); got != "scripted" {
			t.Errorf("heading = %q, want %q: the page's script should have run", got, "scripted")
		}
	})

	t.Run("ScriptDisabled", func(t *testing.T) {
		tab := b.NewTab(t, browser.WithoutJavaScript())
		browser.Visit(t, tab, srv.URL+"/")
		if got := browser.Text(t, tab, "#status"); got != "static" {
			t.Fatalf("heading = %q, want %q: the page's script ran", got, "static")
		}
		// axe-core must work on a page without JavaScript, and must leave it
		// without: the page's script stays unrun, and stays off for the next
		// page.
		browser.CheckAxe(t, tab)
		if got := browser.Text(t, tab, "#status"); got != "static" {
			t.Errorf("after axe-core, heading = %q, want %q", got, "static")
		}
		browser.Visit(t, tab, srv.URL+"/")
		if got := browser.Text(t, tab, "#status"); got != "static" {
			t.Errorf("on the next page, heading = %q, want %q", got, "static")
		}
	})

	t.Run("FormSubmits", func(t *testing.T) {
		tab := b.NewTab(t, browser.WithoutJavaScript())
		browser.Visit(t, tab, srv.URL+"/")
		browser.Fill(t, tab, "#name", "first")
		browser.Fill(t, tab, "#name", "")
		if v, err := chromedp.Run(tab, chromedp.Value(chromedp.CSS("#name"))); err != nil || v != "" {
			t.Errorf("after filling in nothing, value = %q (%v), want empty", v, err)
		}
		browser.Fill(t, tab, "#name", "Ada <Lovelace>")
		if status := browser.ClickAndWait(t, tab, "button[type=submit]"); status != http.StatusOK {
			t.Errorf("status = %d, want 200", status)
		}
		if got := browser.Text(t, tab, "#sent"); got != "Ada <Lovelace>" {
			t.Errorf("sent = %q, want %q", got, "Ada <Lovelace>")
		}
		if got, want := browser.Location(t, tab), srv.URL+"/submit"; got != want {
			t.Errorf("location = %q, want %q", got, want)
		}
	})
}

func TestPeople(t *testing.T) {
	srv := newServer(t)
	b := browser.New(t)

	began := time.Now()
	alice := b.NewTab(t)
	t.Logf("tab opened in %v", time.Since(began).Round(time.Millisecond))
	bob := b.NewTab(t)

	browser.Visit(t, alice, srv.URL+"/login?name=alice")
	if got := browser.Text(t, alice, "#who"); got != "alice" {
		t.Errorf("alice sees %q, want alice", got)
	}
	browser.Visit(t, bob, srv.URL+"/whoami")
	if got := browser.Text(t, bob, "#who"); got != "nobody" {
		t.Errorf("bob sees %q, want nobody: the people share cookies", got)
	}
	again := b.SameSessionTab(t, alice)
	browser.Visit(t, again, srv.URL+"/whoami")
	if got := browser.Text(t, again, "#who"); got != "alice" {
		t.Errorf("alice's second tab sees %q, want alice", got)
	}
	if browser.Exists(t, bob, "#nothing") || !browser.Exists(t, bob, "#who") {
		t.Error("Exists is wrong")
	}
}

func TestScreenshot(t *testing.T) {
	srv := newServer(t)
	tab := browser.New(t).NewTab(t, browser.WithViewport(320, 640))
	browser.Visit(t, tab, srv.URL+"/")
	path := browser.Screenshot(t, tab, "clean page")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("%s is not a PNG", path)
	}
}

func TestLanguage(t *testing.T) {
	srv := newServer(t)
	b := browser.New(t)
	tests := []struct {
		name string
		opts []browser.Option
		want string
	}{
		{"BritishEnglishByDefault", nil, "en-GB"},
		{"Chosen", []browser.Option{browser.WithLanguage("cy, en;q=0.5")}, "cy, en;q=0.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := b.NewTab(t, tt.opts...)
			browser.Visit(t, tab, srv.URL+"/language")
			if got := browser.Text(t, tab, "#lang"); !strings.HasPrefix(got, tt.want) {
				t.Errorf("Accept-Language = %q, want it to start with %q", got, tt.want)
			}
		})
	}
}

// TestNotInProductionBinary guards the rule that chromedp, which this package
// brings in, never reaches the chorus binary: only tests may import it.
func TestNotInProductionBinary(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	list := exec.Command(goCmd, "list", "-e", "-deps", "-f", "{{.ImportPath}}", "chorus")
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.Contains(p, "chromedp") || p == "chorus/internal/testenv/browser" {
			t.Errorf("the chorus binary depends on %s; import it from _test.go files only", p)
		}
	}
}
