package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"chorus/internal/testenv/browser"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pquerna/otp/totp"
)

func TestMain(m *testing.M) { browser.Main(m) }

// neutralSite stands in for the weather page quick exit goes to.
func neutralSite(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="en"><head><title>Weather</title></head><body><main><h1>Weather forecast</h1></main></body></html>`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/weather"
}

// visit loads a Chorus page and checks it with axe-core.
func visit(t *testing.T, tab context.Context, url string) {
	t.Helper()
	if status := browser.Visit(t, tab, url); status >= 400 {
		t.Fatalf("%s answered %d", url, status)
	}
	browser.CheckAxe(t, tab)
}

// submit clicks a form's submit button, waits for the next page and checks it.
func submit(t *testing.T, tab context.Context, selector string) {
	t.Helper()
	if status := browser.ClickAndWait(t, tab, selector); status >= 400 {
		t.Fatalf("submitting %s on %s answered %d: %s", selector, browser.Location(t, tab), status, browser.Text(t, tab, "main"))
	}
	browser.CheckAxe(t, tab)
}

// enterTOTP sets up two-step sign-in on the page shown, as a person with an
// authenticator app would, and returns the key.
func enterTOTP(t *testing.T, tab context.Context) string {
	t.Helper()
	key := strings.ReplaceAll(browser.Text(t, tab, "#totp-secret"), " ", "")
	code, err := totp.GenerateCode(key, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	browser.Fill(t, tab, "#code", code)
	submit(t, tab, "main form button[type=submit]")
	return key
}

// setUpAndSignIn fills the setup page shown in tab with the token, creating
// Ada the administrator, then signs her in with her password: the page
// that follows asks her to set up two-step sign-in.
func setUpAndSignIn(t *testing.T, tab context.Context, token string) {
	t.Helper()
	browser.Fill(t, tab, "#token", token)
	browser.Fill(t, tab, "#name", "Ada Admin")
	browser.Fill(t, tab, "#email", "ada@example.org")
	browser.Fill(t, tab, "#password", "a long passphrase")
	browser.Fill(t, tab, "#password2", "a long passphrase")
	submit(t, tab, "main form button[type=submit]")
	browser.Fill(t, tab, "#email", "ada@example.org")
	browser.Fill(t, tab, "#password", "a long passphrase")
	submit(t, tab, "main form button[type=submit]")
}

// TestJourneySetupAndInvitation is journey 7's start: a fresh installation,
// setup with the console token, the administrator signs in with two-step
// sign-in, makes an organisation and an invitation, and a second person
// accepts it. Every page is checked with axe. It runs with JavaScript on and
// off: every step is a plain form.
func TestJourneySetupAndInvitation(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts []browser.Option
	}{{"JavaScript", nil}, {"NoJavaScript", []browser.Option{browser.WithoutJavaScript()}}} {
		t.Run(mode.name, func(t *testing.T) {
			inst := startChorus(t, t.TempDir(), map[string]string{"CHORUS_EXIT_URL": neutralSite(t)})
			token := tokenRe.FindStringSubmatch(inst.Stdout.String())[1]
			b := browser.New(t, mode.opts...)
			admin := b.NewTab(t)

			visit(t, admin, inst.URL+"/")
			if loc := browser.Location(t, admin); !strings.HasSuffix(loc, "/setup") {
				t.Fatalf("a new installation opened %s; want the setup page", loc)
			}
			// A mistyped token: the page explains, keeps what was typed, and passes axe.
			browser.Fill(t, admin, "#token", "mistyped")
			browser.Fill(t, admin, "#name", "Ada Admin")
			browser.ClickAndWait(t, admin, "main form button[type=submit]")
			browser.CheckAxe(t, admin)
			if got := browser.Text(t, admin, ".error-summary"); !strings.Contains(got, "setup token is not right") {
				t.Fatalf("error summary = %q", got)
			}
			setUpAndSignIn(t, admin, token)
			if loc := browser.Location(t, admin); !strings.HasSuffix(loc, "/signin/mfa-setup") {
				t.Fatalf("administrator's first sign-in went to %s; want two-step setup", loc)
			}
			enterTOTP(t, admin)

			visit(t, admin, inst.URL+"/admin/organisations")
			browser.Fill(t, admin, "#name", "Leicester, Leicestershire and Rutland")
			submit(t, admin, "main form button[type=submit]")

			visit(t, admin, inst.URL+"/admin/invitations")
			browser.Fill(t, admin, "#role", "org_admin")
			browser.Fill(t, admin, "#note", "Priya, forum coordinator")
			submit(t, admin, "main form button[type=submit]")
			link := browser.Text(t, admin, "#once-link")
			if !strings.HasPrefix(link, inst.URL+"/invitations/") {
				t.Fatalf("invitation link %q", link)
			}

			priya := b.NewTab(t, mode.opts...)
			visit(t, priya, link)
			browser.Fill(t, priya, "#name", "Priya Shah")
			browser.Fill(t, priya, "#email", "priya@example.org")
			browser.Fill(t, priya, "#password", "priya's passphrase")
			browser.Fill(t, priya, "#password2", "priya's passphrase")
			submit(t, priya, "main form button[type=submit]")
			browser.Fill(t, priya, "#email", "priya@example.org")
			browser.Fill(t, priya, "#password", "priya's passphrase")
			submit(t, priya, "main form button[type=submit]")
			enterTOTP(t, priya)
			visit(t, priya, inst.URL+"/admin")
			if !browser.Exists(t, priya, `a[href="/admin/invitations"]`) {
				t.Fatal("the new organisation administrator cannot reach invitations")
			}

			visit(t, admin, inst.URL+"/admin/invitations")
			if got := browser.Text(t, admin, "main table"); !strings.Contains(got, "Used by priya@example.org") {
				t.Fatalf("invitation list does not show it used: %s", got)
			}
			visit(t, admin, inst.URL+"/admin/users")
			visit(t, admin, inst.URL+"/admin/audit")
			visit(t, admin, inst.URL+"/account")
			visit(t, admin, inst.URL+"/account?lang=ur")
			if dir, _ := chromedp.Run(admin, chromedp.AttributeValue("html", "dir")); dir.Value != "rtl" {
				t.Fatalf("Urdu page dir = %q", dir.Value)
			}
			if status := browser.Visit(t, admin, inst.URL+"/no-such-page"); status != 404 {
				t.Fatalf("unknown page answered %d", status)
			}
			browser.CheckAxe(t, admin) // the error page in Urdu
		})
	}
}

// TestQuickExit: pressing Shift three times covers the page, leaves for the
// neutral site, keeps the page out of the back history and ends the session.
func TestQuickExit(t *testing.T) {
	neutral := neutralSite(t)
	inst := startChorus(t, t.TempDir(), map[string]string{"CHORUS_EXIT_URL": neutral})
	token := tokenRe.FindStringSubmatch(inst.Stdout.String())[1]
	b := browser.New(t)
	tab := b.NewTab(t)

	visit(t, tab, inst.URL+"/setup")
	setUpAndSignIn(t, tab, token)
	enterTOTP(t, tab)
	visit(t, tab, inst.URL+"/account")

	t.Run("ShiftThreeTimes", func(t *testing.T) {
		for range 3 {
			if _, err := chromedp.Run(tab, chromedp.KeyEvent(kb.Shift)); err != nil {
				t.Fatal(err)
			}
		}
		waitForLocation(t, tab, neutral)
		if _, err := chromedp.Run(tab, chromedp.NavigateBack()); err != nil && !strings.Contains(err.Error(), "no history") {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if loc := browser.Location(t, tab); strings.HasSuffix(loc, "/account") {
			t.Fatal("Back returned to the page that was exited")
		}
		visit(t, tab, inst.URL+"/account")
		if loc := browser.Location(t, tab); !strings.Contains(loc, "/signin") {
			t.Fatalf("after quick exit /account opened %s; the session should have ended", loc)
		}
	})
	t.Run("LinkWithoutJavaScript", func(t *testing.T) {
		nojs := b.NewTab(t, browser.WithoutJavaScript())
		visit(t, nojs, inst.URL+"/signin")
		browser.ClickAndWait(t, nojs, "a.quick-exit")
		waitForLocation(t, nojs, neutral)
	})
}

func waitForLocation(t *testing.T, tab context.Context, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if loc := browser.Location(t, tab); loc == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("location is %s; want %s", browser.Location(t, tab), want)
}

// browserAttr reads an attribute of the first element matching selector.
func browserAttr(t *testing.T, tab context.Context, selector, name string) (string, bool) {
	t.Helper()
	res, err := chromedp.Run(tab, chromedp.AttributeValue(selector, name))
	if err != nil {
		t.Fatal(err)
	}
	return res.Value, res.Exists
}
