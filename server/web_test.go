package server_test

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
)

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	r := e.client().get("/setup")
	for h, want := range map[string]string{
		"Content-Security-Policy": "script-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
		"X-Frame-Options":         "DENY",
	} {
		if got := r.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q; want it to contain %q", h, got, want)
		}
	}
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("CSP lacks frame-ancestors 'none'")
	}
	if strings.Contains(r.Body, "<script>") || strings.Contains(r.Body, " onclick=") {
		t.Error("page has inline script")
	}
}

func TestHTTPSCookiesAndHSTS(t *testing.T) {
	e := newEnv(t, func(o *optionsAlias) { o.BaseURL = "https://chorus.example.org" })
	r := e.client().get("/setup")
	if !strings.Contains(r.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS behind HTTPS")
	}
	if !strings.Contains(r.Header.Get("Set-Cookie"), "secure") {
		t.Errorf("cookies not Secure behind HTTPS: %q", r.Header.Get("Set-Cookie"))
	}
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	e.setupAdmin()
	c := e.client()
	c.get("/signin")
	token := c.csrf("/signin")

	t.Run("ErrWrongCSRF", func(t *testing.T) {
		r := c.post("/signin", url.Values{"csrf": {"forged"}, "email": {"a@example.org"}, "password": {"x"}})
		wantStatus(t, r, 403)
		wantContains(t, r.Body, "This form has expired")
	})
	t.Run("ErrMissingCSRF", func(t *testing.T) {
		r := c.postRaw("/signin", "email=a%40example.org", e.URL)
		wantStatus(t, r, 403)
	})
	t.Run("ErrForeignOrigin", func(t *testing.T) {
		r := c.postRaw("/signin", url.Values{"csrf": {token}, "email": {"a@example.org"}}.Encode(), "https://evil.example")
		wantStatus(t, r, 403)
		wantContains(t, r.Body, "sent from another website")
	})
	t.Run("ErrCrossSiteFetch", func(t *testing.T) {
		req := newRequest(t, "POST", e.URL+"/signin")
		req.Body = io.NopCloser(strings.NewReader(url.Values{"csrf": {token}, "email": {"a@example.org"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "null")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		wantStatus(t, c.do(req), 403)
	})
	t.Run("NullOriginSameSiteAccepted", func(t *testing.T) {
		req := newRequest(t, "POST", e.URL+"/signin")
		req.Body = io.NopCloser(strings.NewReader(url.Values{"csrf": {token}, "email": {"a@example.org"}, "password": {"x"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "null")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		wantStatus(t, c.do(req), 400) // reaches sign-in: wrong password
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		r := c.postRaw("/signin", "csrf="+token+"&email="+strings.Repeat("a", 100<<10), e.URL)
		wantStatus(t, r, 413)
		wantContains(t, r.Body, "too large")
	})
	t.Run("ErrMalformedForm", func(t *testing.T) {
		r := c.postRaw("/signin", "csrf="+token+"&email=%zz%%&password=%", e.URL)
		if r.Status >= 500 {
			t.Fatalf("malformed form gave %d", r.Status)
		}
	})
	t.Run("ErrUnknownInvitation", func(t *testing.T) {
		r := c.get("/invitations/not-a-real-token")
		wantStatus(t, r, 410)
		wantContains(t, r.Body, "This invitation cannot be used")
	})
	t.Run("ErrUnknownRoute", func(t *testing.T) {
		r := c.get("/no/such/page")
		wantStatus(t, r, 404)
		wantContains(t, r.Body, "We could not find that page", `lang="en"`)
	})
	t.Run("ErrExpiredSession", func(t *testing.T) {
		s := e.client()
		s.http.Jar.SetCookies(mustURL(t, e.URL), cookies("chorus_session", "expired-or-made-up"))
		r := s.get("/account")
		wantStatus(t, r, 303)
		if !strings.HasPrefix(r.Location, "/signin") {
			t.Fatalf("expired session sent to %q; want sign in", r.Location)
		}
		r = s.postRaw("/account/password", "csrf=x", e.URL)
		wantStatus(t, r, 403)
	})
	t.Run("JSONWhenAsked", func(t *testing.T) {
		req := newRequest(t, "GET", e.URL+"/nope")
		req.Header.Set("Accept", "application/json")
		r := c.do(req)
		wantStatus(t, r, 404)
		wantContains(t, r.Body, `"code":"error.not_found"`)
	})
	t.Run("NaughtyStringsNever500", func(t *testing.T) {
		for _, s := range []string{"<script>alert(1)</script>", "'; DROP TABLE users; --", "{{.}}", "\u202eevil", "😀👨‍👩‍👧", "مرحبا", strings.Repeat("x", 5000), "\x00", "$where", "a.b"} {
			r := c.post("/signin", url.Values{"csrf": {token}, "email": {s}, "password": {s}})
			if r.Status >= 500 {
				t.Fatalf("input %q gave %d", s, r.Status)
			}
			if strings.Contains(r.Body, "<script>alert(1)</script>") {
				t.Fatal("script echoed unescaped")
			}
		}
	})
}

func TestLanguage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	t.Run("AcceptLanguage", func(t *testing.T) {
		req := newRequest(t, "GET", e.URL+"/setup")
		req.Header.Set("Accept-Language", "ur-PK,ur;q=0.9,en;q=0.5")
		r := c.do(req)
		wantContains(t, r.Body, `lang="ur" dir="rtl"`, "سیٹ اپ")
	})
	t.Run("ChoiceSticks", func(t *testing.T) {
		r := c.get("/setup?lang=ur")
		wantStatus(t, r, 303)
		if r.Location != "/setup" {
			t.Fatalf("?lang= redirected to %q; want /setup", r.Location)
		}
		r = c.get("/setup")
		wantContains(t, r.Body, `dir="rtl"`)
		r = c.get("/nowhere")
		wantContains(t, r.Body, `dir="rtl"`, "ہمیں یہ صفحہ نہیں ملا")
	})
	t.Run("UnknownLanguageIgnored", func(t *testing.T) {
		r := e.client().get("/setup?lang=xx")
		wantStatus(t, r, 303)
	})
}

func TestQuickExit(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.setupAdmin()
	r := admin.get("/account")
	wantContains(t, r.Body, `class="quick-exit" href="/exit"`, `<a href="/exit" data-quick-exit>`)
	r = admin.get("/exit")
	wantStatus(t, r, 303)
	if r.Location != "https://neutral.example/weather" {
		t.Fatalf("exit went to %q", r.Location)
	}
	if r := admin.get("/account"); r.Status != 303 {
		t.Fatalf("quick exit left the session alive: /account = %d", r.Status)
	}
}

func TestHealth(t *testing.T) {
	e := newEnv(t)
	wantStatus(t, e.client().get("/healthz"), 200)
	wantStatus(t, e.client().get("/readyz"), 200)
	e.Close()
	r := e.client().get("/readyz")
	wantStatus(t, r, 503)
	r = e.client().get("/")
	wantStatus(t, r, 503)
	wantContains(t, r.Body, "cannot reach its storage")
}

func TestLogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.setupAdmin()
	admin.get("/admin/invitations")
	r := admin.post("/admin/invitations", url.Values{"role": {"admin"}})
	m := linkRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatal("no link")
	}
	token := m[1][strings.LastIndex(m[1], "/")+1:]
	e.client().get("/invitations/" + token)
	logs := e.Logs.String()
	for _, secret := range []string{token, e.Token, "long enough pw", "127.0.0.1", "ada@example.org"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log holds %q", secret)
		}
	}
	if !strings.Contains(logs, `"route":"/invitations/:token"`) {
		t.Error("request log lacks the route pattern")
	}
}

func TestSignInLimitedPerIP(t *testing.T) {
	e := newEnv(t, func(o *optionsAlias) { o.LoginPerIP = 3 })
	c := e.client()
	c.get("/signin")
	var r response
	for i := range 4 {
		r = c.post("/signin", url.Values{"email": {fmt.Sprintf("someone%d@example.org", i)}, "password": {"guess guess"}})
	}
	wantStatus(t, r, 429)
	wantContains(t, r.Body, "Too many tries")
	wantStatus(t, c.get("/signin"), 200) // reading the page is not limited
}
