package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"flag"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/secret"
	"chorus/locales"
	"chorus/steering"

	ics "github.com/arran4/golang-ical"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// exportClock is a clock the test moves by hand, so the exports' dates are
// the same on every run.
type exportClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *exportClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *exportClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// exportWorld is a fixed data set: a forum with two issues (one with
// themes, a quote and three supporters), a group with a chair and a parent
// carer representative, a meeting with three agenda items, two decisions
// and four actions whose text starts with what a spreadsheet would run as a
// formula or Markdown would read as markup.
type exportWorld struct {
	e        *env
	clock    *exportClock
	group    *steering.Group
	meeting  *steering.Meeting
	chair    *client
	actions  []*steering.Action
	issueIDs []string
	// replacer turns the run's random IDs and address into fixed names,
	// for the golden files.
	replacer *strings.Replacer
}

func newExportWorld(t *testing.T, store string) *exportWorld {
	t.Helper()
	w := &exportWorld{clock: &exportClock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}}
	db, _, _ := openStore(t, store)
	e := serveEnv(t, db, w.clock.now, account.DefaultSettings)
	w.e = e
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// The installation administrator acts through the services (signing
	// in would need MFA); the others are plain accounts.
	_, err := e.Accounts.AddUser(ctx, nil, account.NewUser{Email: "ada@example.org", Name: "Ada", Password: "long enough pw"}, account.RoleAdmin, account.Installation)
	must(err)
	admin := principalFor(t, e, "ada@example.org")
	person := func(email string) *account.Principal {
		u := &account.User{ID: secret.NewID(), Email: email, Name: email, PasswordHash: secret.HashPassword("password " + email), CreatedAt: w.clock.now()}
		must(e.Store.CreateUser(ctx, u))
		return &account.Principal{User: u}
	}
	org, err := e.Accounts.CreateOrganisation(ctx, admin, "Leicester, Leicestershire and Rutland")
	must(err)
	f, err := e.Forums.CreateForum(ctx, admin, forum.ForumSettings{OrgID: org.ID, Name: "Leicester Parent Carer Forum", OpenJoin: true,
		Themes: []string{"Crisis care", "Letters"}})
	must(err)
	var families []*account.Principal
	for _, email := range []string{"amina@example.org", "bo@example.org", "cy@example.org"} {
		p := person(email)
		_, err := e.Forums.Join(ctx, p, f.ID, strings.Split(email, "@")[0])
		must(err)
		families = append(families, p)
	}
	raise := func(p *account.Principal, title string) string {
		r, err := e.Forums.RaiseIssue(ctx, forum.Viewer{Principal: p}, f.ID, forum.Draft{Title: title, Body: "We waited three weeks."})
		must(err)
		return r.Issue.ID
	}
	crisis := raise(families[0], "Nobody calls back after a crisis")
	letters := raise(families[1], "Letters arrive in English only")
	w.issueIDs = []string{crisis, letters}
	for _, p := range families {
		_, err := e.Forums.Support(ctx, forum.Viewer{Principal: p}, crisis)
		must(err)
	}
	must(e.Forums.SetThemes(ctx, forum.Viewer{Principal: admin}, crisis, []string{"Crisis care"}))
	_, err = e.Forums.AddQuote(ctx, forum.Viewer{Principal: admin}, crisis, "We waited three weeks for a call.", "[removed]")
	must(err)

	w.group, err = e.Steering.CreateGroup(ctx, admin, steering.GroupSettings{OrgID: org.ID, Name: "LLR keyworker steering group", ForumIDs: []string{f.ID}}, "")
	must(err)
	chair, rep := person("chris@icb.example"), person("priya@example.org")
	_, err = e.Steering.AddMember(ctx, admin, w.group.ID, chair.User.ID, "Chris (ICB)", steering.RoleChair, steering.OrgICB)
	must(err)
	_, err = e.Steering.AddMember(ctx, admin, w.group.ID, rep.User.ID, "Priya", steering.RoleParentRep, steering.OrgParentForum)
	must(err)

	w.clock.advance(time.Hour)
	w.meeting, err = e.Steering.CreateMeeting(ctx, chair, w.group.ID, steering.MeetingSettings{Title: "December meeting",
		StartsAt: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), Minutes: 90, Place: "County Hall, Glenfield"}, "")
	must(err)
	_, err = e.Steering.AddItem(ctx, chair, w.meeting.ID, steering.ItemSettings{Kind: steering.ItemStanding, Title: "Welcome", Minutes: 5})
	must(err)
	crisisItem, err := e.Steering.AddItem(ctx, chair, w.meeting.ID, steering.ItemSettings{Kind: steering.ItemIssue, IssueID: crisis, LeadID: rep.User.ID, Minutes: 20})
	must(err)
	lettersItem, err := e.Steering.AddItem(ctx, chair, w.meeting.ID, steering.ItemSettings{Kind: steering.ItemIssue, IssueID: letters, Minutes: 15})
	must(err)
	for _, st := range []steering.MeetingStatus{steering.MeetingPublished, steering.MeetingInProgress} {
		must(e.Steering.SetMeetingStatus(ctx, chair, w.meeting.ID, st))
	}
	w.clock.advance(time.Hour)
	_, err = e.Steering.Decide(ctx, chair, crisisItem.ID, steering.DecisionSettings{Text: "Call families back within 48 hours",
		Type: steering.DecisionAgreed, AgreedBy: []steering.OrgKind{steering.OrgICB, steering.OrgKeyworkerService}}, "")
	must(err)
	w.clock.advance(time.Minute)
	_, err = e.Steering.Decide(ctx, chair, lettersItem.ID, steering.DecisionSettings{Text: "=Translate every letter",
		Type: steering.DecisionDeclined, Reason: "The translation budget is set in April, see *page 4*",
		Dissent: "The parent carer forum disagreed: letters matter now."}, "")
	must(err)
	for _, as := range []struct {
		item string
		steering.ActionSettings
	}{
		{crisisItem.ID, steering.ActionSettings{Description: `=HYPERLINK("http://evil.example","Set up a call-back rota")`, OwnerOrg: steering.OrgKeyworkerService,
			Owner: "+44 116 496 0000", Due: "2026-11-10"}},
		{crisisItem.ID, steering.ActionSettings{Description: "-1 week: write the *urgent* crisis plan | see [notes](http://evil.example) <b>now</b>",
			Owner: "@keyworker team", Due: "2026-11-30"}},
		{lettersItem.ID, steering.ActionSettings{Description: "'Quoted' start; a comma, and \"quotes\"\n# Not a heading", OwnerOrg: steering.OrgLocalAuthority,
			Owner: "-Service manager", Due: "2027-03-01"}},
		{lettersItem.ID, steering.ActionSettings{Description: "+ Plain-English letters template", OwnerOrg: steering.OrgICB, Owner: "Communications lead", Due: "2027-01-31"}},
	} {
		w.clock.advance(time.Minute)
		a, err := e.Steering.AddAction(ctx, chair, as.item, as.ActionSettings, "")
		must(err)
		w.actions = append(w.actions, a)
	}
	w.clock.advance(24 * time.Hour)
	must(e.Steering.UpdateAction(ctx, chair, w.actions[3].ID, steering.ActionUpdate{Status: steering.ActionDone, Note: "Template in use",
		Outcome: "Letters now use plain English; an Urdu version (اردو) follows."}, ""))
	must(e.Steering.UpdateAction(ctx, chair, w.actions[1].ID, steering.ActionUpdate{Status: steering.ActionInProgress, Note: "Drafting"}, ""))
	// Exports are made on 20 November: the first action is overdue (red),
	// the second due within two weeks (amber), the third green.
	w.clock.t = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

	w.chair = e.client()
	w.chair.signIn("chris@icb.example", "password chris@icb.example")
	pairs := []string{e.URL, "http://chorus.example", w.group.ID, "GROUP", w.meeting.ID, "MEETING", crisis, "ISSUE-CRISIS", letters, "ISSUE-LETTERS"}
	for i, a := range w.actions {
		pairs = append(pairs, a.ID, "ACTION-"+string(rune('1'+i)))
	}
	w.replacer = strings.NewReplacer(pairs...)
	return w
}

// download fetches an export and checks what every export promises: a
// named attachment, the right type, and a SHA-256 header that is the hash
// of the bytes sent.
func (w *exportWorld) download(t *testing.T, c *client, path, contentType, ext string) response {
	t.Helper()
	r := c.get(path)
	wantStatus(t, r, 200)
	if got := r.Header.Get("Content-Type"); !strings.HasPrefix(got, contentType) {
		t.Fatalf("%s: Content-Type %q, want %s", path, got, contentType)
	}
	cd := r.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, `attachment; filename="`) || !strings.HasSuffix(cd, "."+ext+`"`) || strings.ContainsAny(strings.TrimSuffix(strings.TrimPrefix(cd, `attachment; filename="`), `"`), ` /\"`) {
		t.Fatalf("%s: Content-Disposition %q", path, cd)
	}
	sum := sha256.Sum256([]byte(r.Body))
	if got := r.Header.Get("X-Chorus-SHA256"); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("%s: X-Chorus-SHA256 %s is not the hash of the bytes sent (%x)", path, got, sum)
	}
	if _, err := time.Parse(time.RFC3339, r.Header.Get("X-Chorus-Generated")); err != nil {
		t.Fatalf("%s: X-Chorus-Generated: %v", path, err)
	}
	return r
}

func (w *exportWorld) golden(t *testing.T, name, got string) {
	t.Helper()
	got = w.replacer.Replace(got)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestSteeringExports ./server/ -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n--- got ---\n%s\n--- want ---\n%s", name, path, got, want)
	}
}

// readCSV parses an export with encoding/csv and takes the neutralising
// apostrophe off every cell that has one.
func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	if !strings.HasPrefix(body, "\ufeff") {
		t.Fatal("the CSV does not start with a byte order mark")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		for i, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Fatalf("cell %q starts with a formula character", cell)
			}
			rec[i] = strings.TrimPrefix(cell, "'")
		}
	}
	return recs
}

// TestSteeringExports: a group's actions and decisions as CSV, JSON and
// Markdown, its calendar, and a meeting's pack as a page and a PDF, on
// both stores; each file's hash is shown on the page that offered it.
func TestSteeringExports(t *testing.T) { onEachStore(t, testSteeringExports) }

func testSteeringExports(t *testing.T, store string) {
	w := newExportWorld(t, store)
	g := "/groups/" + w.group.ID

	// CSV: parses back to the same actions once the apostrophes are off.
	r := w.download(t, w.chair, g+"/actions.csv", "text/csv", "csv")
	if want := "llr-keyworker-steering-group-actions-20261120T090000Z.csv"; !strings.Contains(r.Header.Get("Content-Disposition"), want) {
		t.Errorf("file name: %s, want %s", r.Header.Get("Content-Disposition"), want)
	}
	recs := readCSV(t, r.Body)
	wantHead := []string{"Action", "Organisation responsible", "Owner", "Due date", "Status", "Rating", "Issues it answers", "What changed, for families", "Last updated"}
	if strings.Join(recs[0], "|") != strings.Join(wantHead, "|") {
		t.Fatalf("heading row %q", recs[0])
	}
	if len(recs) != 1+len(w.actions) {
		t.Fatalf("%d rows for %d actions", len(recs)-1, len(w.actions))
	}
	for i, a := range w.actions {
		row := recs[i+1]
		if row[0] != a.Description || row[2] != a.Owner || row[3] != a.Due {
			t.Errorf("row %d is %q; want the action %q by %q due %s", i+1, row, a.Description, a.Owner, a.Due)
		}
	}
	for _, raw := range []string{`"'=HYPERLINK(""http://evil.example"",""Set up a call-back rota"")"`, "'+44 116", "'-1 week", "'@keyworker team", `"''Quoted' start`, "'-Service manager", "'+ Plain-English"} {
		if !strings.Contains(r.Body, raw) {
			t.Errorf("the CSV does not hold %s", raw)
		}
	}
	if got := []string{recs[1][5], recs[2][5], recs[3][5], recs[4][5]}; strings.Join(got, " ") != "red amber green complete" {
		t.Errorf("ratings %q", got)
	}
	w.golden(t, "steering_actions.csv", r.Body)
	csvHash := r.Header.Get("X-Chorus-SHA256")

	// The same content gives the same hash, whenever it is made.
	w.clock.advance(time.Minute)
	again := w.download(t, w.chair, g+"/actions.csv", "text/csv", "csv")
	if again.Header.Get("X-Chorus-SHA256") != csvHash || again.Header.Get("X-Chorus-Generated") == r.Header.Get("X-Chorus-Generated") {
		t.Errorf("a second download: hash %s (first %s), generated %s (first %s)", again.Header.Get("X-Chorus-SHA256"), csvHash,
			again.Header.Get("X-Chorus-Generated"), r.Header.Get("X-Chorus-Generated"))
	}

	r = w.download(t, w.chair, g+"/decisions.csv", "text/csv", "csv")
	recs = readCSV(t, r.Body)
	if len(recs) != 3 || recs[2][3] != "=Translate every letter" || recs[1][6] != "Integrated care board (NHS); Keyworker service" {
		t.Errorf("decisions CSV: %q", recs)
	}
	w.golden(t, "steering_decisions.csv", r.Body)

	// Markdown: people's text stays text.
	r = w.download(t, w.chair, g+"/actions.md", "text/markdown", "md")
	w.golden(t, "steering_actions.md", r.Body)
	rendered := renderCommonMark(t, r.Body)
	for _, bad := range []string{"<em>", "<strong>", `href="http://evil.example"`, "<b>", "<h1>Not a heading", "<table"} {
		if strings.Contains(rendered, bad) {
			t.Errorf("the Markdown made %s of people's text:\n%s", bad, rendered)
		}
	}
	wantContains(t, rendered, "*urgent*", "[notes](http://evil.example) &lt;b&gt;now&lt;/b&gt;", "# Not a heading", "-1 week", "<h1>LLR keyworker steering group: agreed actions</h1>")
	r = w.download(t, w.chair, g+"/decisions.md", "text/markdown", "md")
	w.golden(t, "steering_decisions.md", r.Body)
	wantContains(t, renderCommonMark(t, r.Body), "see *page 4*")

	// JSON: stable English names, codes beside the translated names.
	r = w.download(t, w.chair, g+"/actions.json", "application/json", "json")
	var aj struct {
		Group struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"group"`
		TimeZone string `json:"time_zone"`
		Actions  []struct {
			ID           string   `json:"id"`
			Description  string   `json:"description"`
			OwnerOrg     string   `json:"owner_org"`
			OwnerOrgName string   `json:"owner_org_name"`
			Owner        string   `json:"owner"`
			Due          string   `json:"due"`
			Status       string   `json:"status"`
			Rating       string   `json:"rating"`
			Outcome      string   `json:"outcome"`
			LastUpdated  string   `json:"last_updated"`
			Issues       []string `json:"issues"`
		} `json:"actions"`
	}
	if err := json.Unmarshal([]byte(r.Body), &aj); err != nil {
		t.Fatal(err)
	}
	if aj.Group.ID != w.group.ID || aj.TimeZone != "UTC" || len(aj.Actions) != 4 || aj.Actions[0].Description != w.actions[0].Description ||
		aj.Actions[0].OwnerOrg != "keyworker_service" || aj.Actions[0].OwnerOrgName != "Keyworker service" || aj.Actions[0].Rating != "red" ||
		aj.Actions[3].Status != "done" || aj.Actions[3].Outcome == "" || len(aj.Actions[0].Issues) != 1 ||
		!strings.HasSuffix(aj.Actions[0].Issues[0], "/issues/"+w.issueIDs[0]) || aj.Actions[3].LastUpdated != "2026-11-03T11:05:00Z" {
		t.Errorf("actions JSON: %+v", aj)
	}
	r = w.download(t, w.chair, g+"/decisions.json", "application/json", "json")
	var dj struct {
		Decisions []map[string]any `json:"decisions"`
	}
	if err := json.Unmarshal([]byte(r.Body), &dj); err != nil {
		t.Fatal(err)
	}
	if len(dj.Decisions) != 2 || dj.Decisions[0]["date"] != "2026-11-02" || dj.Decisions[1]["type"] != "declined" || dj.Decisions[0]["meeting"] != "December meeting" || dj.Decisions[0]["item"] != "Nobody calls back after a crisis" {
		t.Errorf("decisions JSON: %+v", dj.Decisions)
	}

	// The calendar parses with the library: the meeting at its time in the
	// installation's zone, the open actions' due dates as whole days.
	r = w.download(t, w.chair, g+"/calendar.ics", "text/calendar", "ics")
	if strings.Count(r.Body, "\n") != strings.Count(r.Body, "\r\n") {
		t.Error("the calendar's lines do not all end with CRLF")
	}
	cal, err := ics.ParseCalendar(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	events := map[string]*ics.VEvent{}
	for _, ev := range cal.Events() {
		events[ev.Id()] = ev
	}
	if len(events) != 4 || len(cal.Timezones()) != 1 {
		t.Fatalf("%d events and %d time zones:\n%s", len(events), len(cal.Timezones()), r.Body)
	}
	mev := events["meeting-"+w.meeting.ID+"@chorus"]
	if mev == nil {
		t.Fatalf("no meeting event:\n%s", r.Body)
	}
	if tz := mev.GetProperty(ics.ComponentPropertyDtStart).ICalParameters["TZID"]; len(tz) != 1 || tz[0] != w.e.Steering.Location().String() {
		t.Errorf("the meeting's DTSTART has TZID %q", tz)
	}
	if at, err := mev.GetStartAt(); err != nil || !at.Equal(w.meeting.StartsAt) {
		t.Errorf("the meeting starts at %v (%v), want %v", at, err, w.meeting.StartsAt)
	}
	if end, err := mev.GetEndAt(); err != nil || !end.Equal(w.meeting.StartsAt.Add(90*time.Minute)) {
		t.Errorf("the meeting ends at %v (%v)", end, err)
	}
	for i, a := range w.actions {
		ev := events["action-"+a.ID+"@chorus"]
		if i == 3 {
			if ev != nil {
				t.Error("a finished action's due date is in the calendar")
			}
			continue
		}
		if ev == nil {
			t.Fatalf("no event for action %d", i)
		}
		day, err := ev.GetAllDayStartAt()
		if v := ev.GetProperty(ics.ComponentPropertyDtStart).ICalParameters["VALUE"]; err != nil || day.Format(time.DateOnly) != a.Due || len(v) != 1 || v[0] != "DATE" {
			t.Errorf("action %d is due %v (%v, VALUE %q), want %s", i, day, err, v, a.Due)
		}
	}

	// The register offers the files, and shows each one's time and hash.
	reg := w.chair.get(g + "/register")
	wantStatus(t, reg, 200)
	wantContains(t, reg.Body, "/actions.csv", "/decisions.md", "/calendar.ics", "/meetings/"+w.meeting.ID+"/pack", csvHash, r.Header.Get("X-Chorus-SHA256"), "sha256sum")

	// The pack: the agenda with each issue's exact count, themes, quote,
	// decisions and actions; the total about families is "fewer than 5".
	pack := w.chair.get("/meetings/" + w.meeting.ID + "/pack")
	wantStatus(t, pack, 200)
	wantContains(t, pack.Body, "Steering pack: December meeting", "Nobody calls back after a crisis", "3 families affected", "Crisis care",
		"We waited three weeks for a call.", "Call families back within 48 hours", html.EscapeString("=Translate every letter"), "Plain-English letters template",
		"Fewer than 5 “this affects us too” across these issues", `/pack.pdf" download`)
	r = w.download(t, w.chair, "/meetings/"+w.meeting.ID+"/pack.pdf", "application/pdf", "pdf")
	if !strings.HasPrefix(r.Body, "%PDF-") {
		t.Fatal("the pack is not a PDF")
	}
	pdfHash := r.Header.Get("X-Chorus-SHA256")
	w.clock.advance(time.Minute)
	if again := w.download(t, w.chair, "/meetings/"+w.meeting.ID+"/pack.pdf", "application/pdf", "pdf"); again.Header.Get("X-Chorus-SHA256") != pdfHash {
		t.Error("the same pack made a minute later has another hash")
	}
	wantContains(t, w.chair.get("/meetings/"+w.meeting.ID+"/pack").Body, pdfHash)
	pdfText(t, r.Body, func(text string) {
		for _, a := range w.actions {
			first, _, _ := strings.Cut(a.Description, "\n")
			if !strings.Contains(text, first) {
				t.Errorf("the PDF's text lacks the action %q:\n%s", first, text)
			}
		}
		for _, want := range []string{"December meeting", "3 families affected", "Call families back within 48 hours", "We waited three weeks for a call."} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF's text lacks %q", want)
			}
		}
	})

	// Someone with no part in the group gets nothing; a visitor signs in first.
	stranger := w.e.client()
	u := &account.User{ID: secret.NewID(), Email: "sam@example.org", Name: "Sam", PasswordHash: secret.HashPassword("password sam"), CreatedAt: w.clock.now()}
	if err := w.e.Store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	stranger.signIn("sam@example.org", "password sam")
	for _, path := range []string{g + "/actions.csv", g + "/calendar.ics", "/meetings/" + w.meeting.ID + "/pack.pdf"} {
		wantStatus(t, stranger.get(path), 404)
		wantStatus(t, w.e.client().get(path), 303)
	}
}

// TestSteeringPackScripts: in a language the PDF's fonts cannot write, the
// PDF's address gives the page to print, which says why there is no PDF.
func TestSteeringPackScripts(t *testing.T) {
	w := newExportWorld(t, "sqlite")
	bundle, err := locales.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"ur", "ar", "pa", "bn", "gu"} {
		msg, err := i18n.NewLocalizer(bundle, lang, "en").Localize(&i18n.LocalizeConfig{MessageID: "steering.pack.no_pdf"})
		if err != nil {
			t.Fatal(err)
		}
		w.chair.get("/?lang=" + lang)
		r := w.chair.get("/meetings/" + w.meeting.ID + "/pack.pdf")
		wantStatus(t, r, 200)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || r.Header.Get("X-Chorus-SHA256") != "" {
			t.Fatalf("%s: %s", lang, r.Header.Get("Content-Type"))
		}
		wantContains(t, r.Body, `lang="`+lang+`"`, html.EscapeString(msg), "Nobody calls back after a crisis")
		if strings.Contains(r.Body, `pack.pdf" download`) {
			t.Errorf("%s: the page still offers a PDF", lang)
		}
	}
	for _, lang := range []string{"pl", "ro", "so"} {
		w.chair.get("/?lang=" + lang)
		r := w.chair.get("/meetings/" + w.meeting.ID + "/pack.pdf")
		wantStatus(t, r, 200)
		if r.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("%s: no PDF (%s)", lang, r.Header.Get("Content-Type"))
		}
	}
	w.chair.get("/?lang=en")
	w.chair.get("/meetings/" + w.meeting.ID)
	if r := w.chair.post("/easy-read", nil); r.Status != 303 {
		t.Fatalf("turning on Easy Read: %d", r.Status)
	}
	if r := w.chair.get("/meetings/" + w.meeting.ID + "/pack.pdf"); r.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("Easy Read: no PDF (%s)", r.Header.Get("Content-Type"))
	}
}

// pdfText gives the text pdftotext reads from a PDF to check, or skips
// when poppler-utils is not installed (fails under CHORUS_REQUIRE_ALL=1).
func pdfText(t *testing.T, pdf string, check func(text string)) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CHORUS_REQUIRE_ALL") == "1" {
			t.Fatal("pdftotext is missing: install poppler-utils (apt-get install poppler-utils)")
		}
		t.Log("skipping the PDF text check: pdftotext is missing (install poppler-utils)")
		return
	}
	cmd := exec.Command(bin, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = strings.NewReader(pdf)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v: %s", err, stderr.String())
	}
	// Lines wrap where the page ends them: read the text as one line.
	check(strings.Join(strings.Fields(out.String()), " "))
}

// renderCommonMark renders Markdown as CommonMark with GitHub's tables and
// strikethrough, the way the places a Markdown export is pasted read it.
func renderCommonMark(t *testing.T, src string) string {
	t.Helper()
	var b bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough)).Convert([]byte(src), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
