package main

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"chorus/audit"
	"chorus/forum"
)

// TestRetention runs the daily retention job with a fixed clock: an
// anonymous issue closed more than CHORUS_RETAIN_FOLLOWUP_MONTHS ago loses
// its follow-up code (which then says it no longer works, rather than that
// it is wrong) and its private questions and answers, and keeps the issue,
// its themes and its public history; an open one and a recently closed one
// are untouched; the job runs once a day and records counts in the audit log.
func TestRetention(t *testing.T) {
	ctx := context.Background()
	a := openApp(t, "--data-dir", t.TempDir(), "--retain-followup-months", "24")
	defer a.close()
	by, f := seedRegion(t, a, "Referrals")
	raise := func(title string) *forum.Raised {
		r, err := a.forums.RaiseIssue(ctx, forum.Viewer{}, f.ID, forum.Draft{Title: title, Anonymous: true, Themes: []string{"Referrals"},
			Body: "Our referral has taken months with no news at all."})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	closed, open := raise("Waiting for a referral"), raise("Short breaks list")
	v := forum.Viewer{Principal: by}
	for _, err := range []error{
		a.forums.Ask(ctx, v, closed.Issue.ID, "Which school is it?", "idem-ask"),
		a.forums.Respond(ctx, v, closed.Issue.ID, "We raised it with the council.", "idem-respond"),
		a.forums.ChangeStatus(ctx, v, closed.Issue.ID, forum.StatusResolved, "", "idem-status"),
		a.forums.Ask(ctx, v, open.Issue.ID, "Which area?", "idem-ask-2"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()

	// 23 months on: nothing is due.
	if ran, err := a.retain(ctx, now.AddDate(0, 23, 0)); err != nil || !ran {
		t.Fatalf("retain = %v, %v", ran, err)
	}
	if _, err := a.forums.OpenFollowUp(ctx, closed.Code); err != nil {
		t.Fatalf("a code closed 23 months ago must still work: %v", err)
	}
	// 25 months on: the closed issue's thread goes.
	later := now.AddDate(0, 25, 0)
	if ran, err := a.retain(ctx, later); err != nil || !ran {
		t.Fatalf("retain = %v, %v", ran, err)
	}
	if ran, err := a.retain(ctx, later.Add(time.Minute)); err != nil || ran {
		t.Fatalf("second retain on one day = %v, %v; want it skipped", ran, err)
	}
	if _, err := a.forums.OpenFollowUp(ctx, closed.Code); !errors.Is(err, forum.ErrCodeExpired) {
		t.Fatalf("OpenFollowUp after retention = %v; want ErrCodeExpired", err)
	}
	iss, err := a.store.FindIssue(ctx, closed.Issue.ID)
	if err != nil || len(iss.Themes) != 1 {
		t.Fatalf("the issue and its themes must stay: %+v, %v", iss, err)
	}
	evs, err := a.store.ListEvents(ctx, closed.Issue.ID)
	if err != nil {
		t.Fatal(err)
	}
	var sawResponse, sawStatus bool
	for _, e := range evs {
		switch e.Kind {
		case forum.EventQuestion, forum.EventAnswer:
			if e.Note != "" {
				t.Errorf("private %s kept its text %q", e.Kind, e.Note)
			}
		case forum.EventResponse:
			sawResponse = e.Note == "We raised it with the council."
		case forum.EventStatus:
			sawStatus = sawStatus || e.Status == forum.StatusResolved
		}
	}
	if !sawResponse || !sawStatus {
		t.Error("the public response and the status history must stay")
	}
	view, err := a.forums.OpenFollowUp(ctx, open.Code)
	if err != nil {
		t.Fatalf("an open issue's code must keep working: %v", err)
	}
	if len(view.Events) == 0 {
		t.Fatal("no events on the open issue")
	}
	entries, err := a.audit.List(ctx, audit.Filter{Action: "retention."})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Detail == "" || entries[0].Detail == entries[1].Detail {
		t.Fatalf("want two retention entries with counts, got %+v", entries)
	}
	t.Logf("audit: %s", entries[0].Detail)

	// The follow-up page says so plainly, in the form, not as an error page;
	// the privacy notice gives the period in force.
	srv, _, err := a.server()
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.App().Test(httptest.NewRequest("GET", "/follow-up", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF field on the follow-up form")
	}
	req := httptest.NewRequest("POST", "/follow-up", strings.NewReader(url.Values{"csrf": {string(m[1])}, "code": {closed.Code}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range res.Cookies() {
		req.AddCookie(c)
	}
	res, err = srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(body), "This code no longer works.") || !strings.Contains(string(body), `name="code"`) {
		t.Fatalf("follow-up with an expired code: %d\n%s", res.StatusCode, body)
	}
	res, err = srv.App().Test(httptest.NewRequest("GET", "/privacy", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	for _, want := range []string{"removed 24 months after the issue is closed", "removed after 180 days", "kept for good", "ask your forum&#39;s facilitator"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/privacy lacks %q", want)
		}
	}
}

// TestPrivacyNoticeFollowsConfiguration: the notice gives the contact and
// the periods that are set, including "for ever" where a period is 0.
func TestPrivacyNoticeFollowsConfiguration(t *testing.T) {
	a := openApp(t, "--data-dir", t.TempDir(), "--privacy-contact", "privacy@forum.example.org",
		"--retain-followup-months", "0", "--retain-audit-months", "36", "--retain-notifications-days", "90")
	defer a.close()
	srv, _, err := a.server()
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.App().Test(httptest.NewRequest("GET", "/privacy", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	for _, want := range []string{"privacy@forum.example.org", "kept as long as the issue", "removed after 36 months",
		"removed after 90 days", "this Chorus sends no email", `href="/privacy"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/privacy lacks %q", want)
		}
	}
	if _, _, err := parseConfig("chorus", []string{"--retain-audit-months", "-1"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("a negative period must be refused")
	}
}
