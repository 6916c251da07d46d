package server_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestEveryPostNeedsTokenAndOrigin: every state-changing route in the route
// table refuses a missing token, a wrong token, and a foreign Origin, before
// it does anything, for a visitor and for a signed-in administrator alike.
func TestEveryPostNeedsTokenAndOrigin(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.setupAdmin()
	visitor := e.client()
	visitor.get("/signin")
	// Valid tokens of someone else: another visitor, another session of the
	// same administrator.
	others := map[*client]string{visitor: otherToken(t, e, true), admin: otherToken(t, e, false)}
	for _, r := range e.Server.Routes() {
		if r.Method == "GET" {
			continue
		}
		if r.Method == "POST" && r.Path == "/unsubscribe/:token/one-click" {
			// The one exemption, RFC 8058: a mail provider POSTs it with no
			// token or Origin of ours; the signed token in the address is
			// its authority (TestOneClickUnsubscribe).
			continue
		}
		path := strings.NewReplacer(":id", "x", ":token", "x", ":user", "x", ":inv", "x", ":file", "x").Replace(r.Path)
		for name, c := range map[string]*client{"visitor": visitor, "admin": admin} {
			page := "/account"
			if c == visitor {
				page = "/signin"
			}
			good := csrfRe.FindStringSubmatch(c.get(page).Body)[1]
			for _, tc := range []struct {
				name, body, origin string
			}{
				{"MissingToken", "name=x", e.URL},
				{"WrongToken", url.Values{"csrf": {"forged-" + good}, "name": {"x"}}.Encode(), e.URL},
				{"TokenOfAnotherSession", url.Values{"csrf": {others[c]}, "name": {"x"}}.Encode(), e.URL},
				{"ForeignOrigin", url.Values{"csrf": {good}, "name": {"x"}}.Encode(), "https://evil.example"},
			} {
				res := c.postRaw(path, tc.body, tc.origin)
				if res.Status != 403 {
					t.Errorf("%s %s as %s with %s: status %d; want 403", r.Method, r.Path, name, tc.name, res.Status)
				}
			}
		}
	}
}

// otherToken is a valid token of someone else: another visitor's, or
// another signed-in session's.
func otherToken(t *testing.T, e *env, forVisitor bool) string {
	t.Helper()
	other := e.client()
	if forVisitor {
		return other.csrf("/signin")
	}
	other.signIn("ada@example.org", "long enough pw", secretOf(t, e, adminID(t, e)))
	return other.csrf("/account")
}

// TestEveryPageHasSecurityHeaders: every GET route answers with the headers
// SECURITY.md lists, whatever its status.
func TestEveryPageHasSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	admin, _ := e.setupAdmin()
	for _, r := range e.Server.Routes() {
		if r.Method != "GET" || r.Path == "/exit" {
			continue
		}
		path := strings.NewReplacer(":id", "x", ":token", "x", ":user", "x", ":inv", "x", ":file", "x").Replace(r.Path)
		res := admin.get(path)
		for h, want := range map[string]string{
			"Content-Security-Policy": "frame-ancestors 'none'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
		} {
			if got := res.Header.Get(h); !strings.Contains(got, want) {
				t.Errorf("GET %s (%d): %s = %q", r.Path, res.Status, h, got)
			}
		}
		if r.Path != "/static/:file" && res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control = %q; want no-store", r.Path, res.Header.Get("Cache-Control"))
		}
		if res.Status >= 500 {
			t.Errorf("GET %s with unknown IDs: %d", r.Path, res.Status)
		}
	}
}
