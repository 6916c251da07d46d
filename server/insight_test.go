package server_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"chorus/forum"
	"chorus/internal/secret"
)

// seedInsight adds issues with known figures to the forum: six open issues
// this month and one held for reports (only facilitators count it), and two
// last month, one answered after three days.
func seedInsight(t *testing.T, fe *forumEnv) (this, last time.Time) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	this = forum.MonthStart(now)
	last = this.AddDate(0, -1, 0)
	add := func(title string, at time.Time, held forum.Hold, themes []string, answered time.Duration) {
		iss := &forum.Issue{ID: secret.NewID(), ForumID: fe.Forum.ID, Title: title, Body: "Seeded for the dashboard.", Lang: "en",
			Anonymous: true, Themes: themes, CreatedAt: at, Status: forum.StatusOpen}
		iss.Held = held
		if held != "" {
			iss.HeldAt = at
		}
		if err := fe.Store.CreateIssue(ctx, iss); err != nil {
			t.Fatal(err)
		}
		events := []*forum.Event{{IssueID: iss.ID, Seq: 1, Kind: forum.EventStatus, Status: forum.StatusSubmitted, Actor: forum.ActorSubmitter, At: at},
			{IssueID: iss.ID, Seq: 2, Kind: forum.EventStatus, Status: forum.StatusOpen, Actor: forum.ActorSystem, At: at}}
		if answered > 0 {
			events = append(events, &forum.Event{IssueID: iss.ID, Seq: 3, Kind: forum.EventResponse, Actor: forum.ActorFacilitator, Note: "We are on it.", At: at.Add(answered)})
		}
		for _, e := range events {
			if err := fe.Store.AddEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range 6 {
		add("Waiting list "+string(rune('A'+i)), now, "", []string{"=Waiting times"}, 0)
	}
	add("Held for reports", now, forum.HoldReports, nil, 0)
	add("Last month, answered", last.Add(24*time.Hour), "", nil, 3*24*time.Hour)
	add("Last month, waiting", last.Add(24*time.Hour), "", nil, 0)
	return this, last
}

// wantAccessibleCharts checks every chart: an SVG image named by its title
// and described by its summary (ids present and unique on the page), and a
// data table with a caption beside it.
func wantAccessibleCharts(t *testing.T, body string, n int) {
	t.Helper()
	svgs := regexp.MustCompile(`<svg role="img" aria-labelledby="([^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(svgs) != n {
		t.Fatalf("%d charts; want %d", len(svgs), n)
	}
	ids := map[string]int{}
	for _, m := range regexp.MustCompile(`\sid="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		ids[m[1]]++
	}
	for id, k := range ids {
		if k > 1 {
			t.Errorf("id %q appears %d times", id, k)
		}
	}
	for _, svg := range svgs {
		refs := strings.Fields(svg[1])
		if len(refs) != 2 || !strings.HasSuffix(refs[0], "-title") || !strings.HasSuffix(refs[1], "-desc") {
			t.Fatalf("aria-labelledby %q: want a title and a description", svg[1])
		}
		wantContains(t, body, `<title id="`+refs[0]+`">`, `<desc id="`+refs[1]+`">`)
		if regexp.MustCompile(`<desc id="` + refs[1] + `">\s*</desc>`).MatchString(body) {
			t.Errorf("chart %s has an empty description", refs[1])
		}
	}
	if got := strings.Count(body, "<caption id="); got != n {
		t.Errorf("%d tables with captions; want %d", got, n)
	}
}

// csvRow returns the CSV line starting with key.
func csvRow(t *testing.T, body, key string) string {
	t.Helper()
	for _, line := range strings.Split(body, "\r\n") {
		if strings.HasPrefix(line, key+",") {
			return line
		}
	}
	t.Fatalf("no row %q in\n%s", key, body)
	return ""
}

func TestForumDashboard(t *testing.T) { onEachStore(t, testForumDashboard) }

func testForumDashboard(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true, ResponseTargetDays: 28, Themes: []string{"=Waiting times", "Schools"}})
	this, last := seedInsight(t, fe)
	path := "/forums/" + fe.Forum.ID + "/dashboard"

	// The forum page links to it.
	wantContains(t, fe.client().get("/forums/"+fe.Forum.ID).Body, `href="`+path+`"`)

	// The public view: small counts are "fewer than 5", held issues are
	// not counted, too few answers to show times, no overdue list.
	visitor := fe.client()
	r := visitor.get(path)
	wantStatus(t, r, 200)
	wantAccessibleCharts(t, r.Body, 3)
	wantContains(t, r.Body, "Issues raised and answered each month", "fewer than 5", "Too few responses yet", `-caption">Open issues now, by status</caption>`)
	if strings.Contains(r.Body, "Issues past the response target") || strings.Contains(r.Body, "Held for reports") {
		t.Error("the public view shows the overdue list")
	}
	csv := visitor.get(path + ".csv?chart=months")
	wantStatus(t, csv, 200)
	wantContains(t, csv.Header.Get("Content-Type"), "text/csv")
	wantContains(t, csv.Body, "\ufeffMonth,Raised,Answered\r\n")
	if got, want := csvRow(t, csv.Body, this.Format("2006-01")), this.Format("2006-01")+",6,0"; got != want {
		t.Errorf("public this month: %q; want %q", got, want)
	}
	if got, want := csvRow(t, csv.Body, last.Format("2006-01")), last.Format("2006-01")+",<5,<5"; got != want {
		t.Errorf("public last month: %q; want %q", got, want)
	}
	// A theme that looks like a formula is neutralised.
	themes := visitor.get(path + ".csv?chart=themes")
	wantContains(t, csvRow(t, themes.Body, "'=Waiting times"), "'=Waiting times,6,")
	wantStatus(t, visitor.get(path+".csv?chart=nonsense"), 404)

	// The facilitators' view: exact numbers, the held issue, times, the overdue list.
	r = fe.Facilitator.get(path)
	wantStatus(t, r, 200)
	wantAccessibleCharts(t, r.Body, 3)
	wantContains(t, r.Body, "You see exact numbers", "Median wait for a first response (days): 3.", "Issues past the response target", "Last month, waiting")
	csv = fe.Facilitator.get(path + ".csv?chart=months")
	if got, want := csvRow(t, csv.Body, this.Format("2006-01")), this.Format("2006-01")+",7,0"; got != want {
		t.Errorf("facilitator this month: %q; want %q", got, want)
	}
	if got, want := csvRow(t, csv.Body, last.Format("2006-01")), last.Format("2006-01")+",2,1"; got != want {
		t.Errorf("facilitator last month: %q; want %q", got, want)
	}

	// A range of one month counts only it.
	csv = fe.Facilitator.get(path + ".csv?chart=months&from=" + last.Format("2006-01") + "&to=" + last.Format("2006-01"))
	if rows := strings.Count(strings.TrimSpace(csv.Body), "\r\n"); rows != 1 {
		t.Errorf("one month's CSV has %d rows:\n%s", rows, csv.Body)
	}

	// Right to left: the page is mirrored (the value axis on the right).
	rtl := fe.client()
	rtl.get(path + "?lang=ar")
	r = rtl.get(path)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `dir="rtl"`, `transform="rotate(40 `)
}

func TestGroupDashboard(t *testing.T) { onEachStore(t, testGroupDashboard) }

func testGroupDashboard(t *testing.T, store string) {
	se := newSteeringEnv(t, store)
	this, last := seedInsight(t, se.forumEnv)
	path := "/groups/" + se.Group.ID + "/dashboard"
	wantContains(t, se.Chair.get("/groups/"+se.Group.ID).Body, `href="`+path+`"`)

	// Its members see exact numbers of the linked forum's public issues
	// (the env's anonymous issue, six seeded; not the held one).
	r := se.Chair.get(path)
	wantStatus(t, r, 200)
	wantAccessibleCharts(t, r.Body, 5)
	wantContains(t, r.Body, "Actions by rating", "Quiet-voice questions at each meeting", "No action is overdue")
	csv := se.Chair.get(path + ".csv?chart=months")
	wantStatus(t, csv, 200)
	if got, want := csvRow(t, csv.Body, this.Format("2006-01")), this.Format("2006-01")+",7,0"; got != want {
		t.Errorf("chair this month: %q; want %q", got, want)
	}
	if got, want := csvRow(t, csv.Body, last.Format("2006-01")), last.Format("2006-01")+",2,1"; got != want {
		t.Errorf("chair last month: %q; want %q", got, want)
	}
	wantContains(t, se.Chair.get(path+".csv?chart=actions").Body, "red,0\r\n")

	// A member of the linked forum who does not sit on the group sees the
	// small-number rule.
	csv = se.Member.get(path + ".csv?chart=months")
	wantStatus(t, csv, 200)
	if got, want := csvRow(t, csv.Body, last.Format("2006-01")), last.Format("2006-01")+",<5,<5"; got != want {
		t.Errorf("forum member last month: %q; want %q", got, want)
	}
	r = se.Member.get(path)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "fewer than 5")
	if strings.Contains(r.Body, "You see exact numbers") {
		t.Error("a forum member sees exact numbers")
	}

	// Anyone else: sign in first.
	wantStatus(t, se.client().get(path), 303)

	// The forum filter: an unknown forum falls back to the group's forums.
	wantStatus(t, se.Chair.get(path+"?forum=nonsense"), 200)
}

// TestThemesOverTime: the dashboard draws the themes over time as a line
// chart inside an accessible SVG (title, summary, the data table beside
// it): a line and a marker per month for each theme raised, a legend that
// names the line by its marker and dash; in Polish the months stand in the
// nominative ("listopad 2026", not the dates' "listopada 2026").
func TestThemesOverTime(t *testing.T) { onEachStore(t, testThemesOverTime) }

func testThemesOverTime(t *testing.T, store string) {
	fe := newForumEnv(t, store, forum.ForumSettings{AllowAnonymous: true, ResponseTargetDays: 28, Themes: []string{"=Waiting times", "Schools"}})
	this, _ := seedInsight(t, fe)
	path := "/forums/" + fe.Forum.ID + "/dashboard"
	r := fe.Facilitator.get(path)
	wantStatus(t, r, 200)
	wantAccessibleCharts(t, r.Body, 3)
	start := strings.Index(r.Body, `aria-labelledby="chart-themes-heading"`)
	end := strings.Index(r.Body[start:], "</section>")
	if start < 0 || end < 0 {
		t.Fatal("no themes chart")
	}
	section := r.Body[start : start+end]
	wantContains(t, section, `<svg role="img" aria-labelledby="chart-themes-title chart-themes-desc"`,
		`<desc id="chart-themes-desc">=Waiting times: 0 in `, "the most was 6 in", `<polyline class="line"`,
		`<span dir="auto">=Waiting times</span>`, "Hollow marker: fewer than 5", `<th scope="row" dir="auto">Schools</th>`)
	if n := strings.Count(section, `<polyline class="line"`); n != 1 {
		t.Errorf("%d lines; want 1 (Schools was never raised)", n)
	}
	if n := strings.Count(section, `<path class="mark"`); n != 12 {
		t.Errorf("%d markers; want one for each of 12 months", n)
	}
	if strings.Contains(section, "<rect class=\"bar") {
		t.Error("the themes chart still draws bars")
	}

	nominative := []string{"styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec", "sierpień", "wrzesień", "październik", "listopad", "grudzień"}
	genitive := []string{"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"}
	pl := fe.client()
	pl.get(path + "?lang=pl")
	r = pl.get(path)
	wantStatus(t, r, 200)
	m := this.Month() - 1
	wantContains(t, r.Body, nominative[m]+" "+this.Format("2006"))
	if strings.Contains(r.Body, genitive[m]+" "+this.Format("2006")) {
		t.Errorf("a chart month in the genitive: %q", genitive[m]+" "+this.Format("2006"))
	}
}
