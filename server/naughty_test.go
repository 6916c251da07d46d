package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"chorus/forum"
)

// naughty are inputs that break careless code: markup and script, SQL and
// MongoDB operators, template syntax, control and direction characters,
// scripts of every direction, emoji sequences, and sheer length.
var naughty = []string{
	"", " ", "\t\n\r", "<script>alert(1)</script>", `"><img src=x onerror=alert(1)>`, "javascript:alert(1)",
	"'; DROP TABLE issues; --", `{"$gt": ""}`, "$where", "a.b.c", "{{.}}", "{{template \"x\"}}", "${7*7}", "%s%s%n",
	"\x00", "\u202e\u0644\u0627", "\ufeff", "\u200b\u200c\u200d", "مرحبا بالعالم", "میرا بیٹا", "ਪੰਜਾਬੀ", "বাংলা", "Zażółć gęślą jaźń",
	"👨‍👩‍👧‍👦🏳️‍🌈", "ﷺ", "𝕳𝖊𝖑𝖑𝖔", "../../etc/passwd", "%2e%2e%2f", "null", "undefined", "-1", "1e309", "0x",
	strings.Repeat("A", 12000), strings.Repeat("ß", 3000), "=cmd|' /C calc'!A0", "+SUM(1,1)", "@import",
}

// fields are every form field name Chorus reads.
var fields = []string{"title", "body", "name", "email", "password", "password2", "current", "note", "display_name", "code", "text",
	"reason", "question", "status", "role", "organisation", "themes", "languages", "response_target", "safeguarding_lead", "answer",
	"anonymous", "action", "idem", "comment", "issue", "token", "secret", "next"}

// TestNaughtyInputNever500: every POST route, with real IDs, given each
// naughty string in every field, as a visitor and as a facilitator, never
// answers 500 and never echoes markup unescaped.
func TestNaughtyInputNever500(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true, Themes: []string{"Referrals"}})
	ctx := context.Background()
	raised, err := fe.Forums.RaiseIssue(ctx, forum.Viewer{}, fe.Forum.ID, forum.Draft{Title: "Target", Body: "Text", Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	visitor := fe.client()
	for _, r := range fe.Server.Routes() {
		if r.Method == "GET" || r.Path == "/signout" {
			continue
		}
		id := fe.Forum.ID
		if strings.HasPrefix(r.Path, "/issues/") || strings.HasPrefix(r.Path, "/comments/") {
			id = raised.Issue.ID
		}
		path := strings.NewReplacer(":id", id, ":token", "not-a-token", ":user", fe.MemberUser.ID, ":inv", "x", ":file", "x").Replace(r.Path)
		for who, c := range map[string]*client{"visitor": visitor, "facilitator": fe.Facilitator} {
			page := "/account"
			if c == visitor {
				page = "/signin"
			}
			token := csrfRe.FindStringSubmatch(c.get(page).Body)[1]
			for _, s := range naughty {
				form := url.Values{"csrf": {token}}
				for _, f := range fields {
					// Long inputs go in the long fields only: all of them
					// at once would pass the body limit, which has its own test.
					if len(s) < 1000 || f == "title" || f == "body" || f == "text" {
						form.Set(f, s)
					}
				}
				res := c.postRaw(path, form.Encode(), fe.URL)
				if res.Status >= 500 {
					t.Fatalf("POST %s as %s with %q: %d\n%s", path, who, trimTo(s, 40), res.Status, trimTo(res.Body, 2000))
				}
				if strings.Contains(res.Body, "<script>alert(1)") || strings.Contains(res.Body, "<img src=x onerror") {
					t.Fatalf("POST %s as %s echoed markup unescaped", path, who)
				}
			}
		}
	}
}

func trimTo(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
