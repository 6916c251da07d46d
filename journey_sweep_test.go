package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"chorus/internal/testenv/browser"
)

// TestEveryPagePassesAxe visits every GET route of the route table, as a
// visitor and as the installation administrator, on a seeded installation,
// and checks each page with axe-core. Routes with IDs get real ones (or an
// unknown token, which shows the error page). A new route is swept as it
// lands. Steering pages get a group, a meeting in progress with every part
// its page shows, and an action; the states the route table does not reach
// (the representative's view, a draft meeting, a visitor by the meeting's
// link) are swept after it.
func TestEveryPagePassesAxe(t *testing.T) {
	dir := t.TempDir()
	s := seedSteering(t, dir)
	sm := seedSteeringMeeting(t, dir, s)
	inst := startChorus(t, dir, nil)
	// Well over a hundred pages, each checked with axe: minutes on a busy
	// machine.
	b := browser.New(t, browser.WithTimeout(8*time.Minute))
	visitor := b.NewTab(t)
	admin := b.NewTab(t)
	signInTab(t, admin, inst.URL, "ada@example.org", "a long passphrase")
	enterTOTP(t, admin)
	// A visitor with Easy Read on: larger text, pictograms, the raise form
	// one question at a time.
	easy := b.NewTab(t)
	visit(t, easy, inst.URL+"/")
	submit(t, easy, `form[action="/easy-read"] button[value="on"]`)

	swept := 0
	for _, route := range s.Routes {
		method, path, _ := strings.Cut(route, " ")
		switch {
		case method != "GET":
			continue
		case path == "/exit", path == "/healthz", path == "/readyz", path == "/static/:file", path == "/live/events":
			continue // not pages: quick exit leaves the site; the others are for machines and scripts
		case strings.HasPrefix(path, "/comments/"):
			continue // only a comment's author may open its edit page; the server tests cover it
		case strings.Contains(path[strings.LastIndex(path, "/"):], "."):
			continue // downloads (.csv, .json, .md, .ics, .pdf), not pages: the server tests read them
		}
		id := s.Forum.ID
		switch {
		case strings.HasPrefix(path, "/issues/"):
			id = s.IssueID
		case strings.HasPrefix(path, "/groups/"):
			id = s.Group.ID
		case strings.HasPrefix(path, "/meetings/"):
			id = sm.MeetingID
		case strings.HasPrefix(path, "/actions/"):
			id = sm.ActionID
		}
		url := inst.URL + strings.NewReplacer(":id", id, ":token", "unknown-token").Replace(path)
		for _, p := range []struct {
			who string
			tab context.Context
		}{{"visitor", visitor}, {"admin", admin}, {"Easy Read visitor", easy}} {
			if status := browser.Visit(t, p.tab, url); status >= 500 {
				t.Fatalf("%s as %s: %d", path, p.who, status)
			}
			browser.CheckAxe(t, p.tab)
			swept++
		}
	}
	if swept < 30 {
		t.Fatalf("swept only %d pages: is the route list empty?", swept)
	}

	// Steering pages in other states: as the parent carer representative
	// (the meeting without the chair's forms, an action she may update), a
	// draft meeting and its empty agenda, and the meeting followed by its
	// link without an account.
	rep := b.NewTab(t)
	quickSignIn(t, rep, inst.URL, repEmail)
	for _, path := range []string{"/groups", "/groups/" + s.Group.ID, "/meetings/" + sm.MeetingID, "/actions/" + sm.ActionID} {
		visit(t, rep, inst.URL+path)
	}
	// The dashboards as a group member sees them (exact numbers, the
	// overdue actions), and right to left.
	visit(t, rep, inst.URL+"/groups/"+s.Group.ID+"/dashboard")
	visit(t, rep, inst.URL+"/forums/"+s.Forum.ID+"/dashboard?lang=ar")
	if !browser.Exists(t, rep, "#chart-themes-title ~ polyline.line") {
		t.Fatal("the themes over time are not drawn as lines")
	}
	visit(t, rep, inst.URL+"/groups/"+s.Group.ID+"/dashboard")
	for _, path := range []string{"/meetings/" + sm.DraftID, "/meetings/" + sm.DraftID + "/agenda"} {
		visit(t, admin, inst.URL+path)
	}
	visit(t, visitor, inst.URL+"/meetings/"+sm.MeetingID+"?key="+sm.LinkKey)
	if !browser.Exists(t, visitor, "#quiet-text") {
		t.Fatal("a visitor with the meeting's link is not offered the quiet voice")
	}

	// Every step of the Easy Read raise form, up to the page that checks
	// and sends, and the same pages right to left.
	for _, lang := range []string{"en", "ur"} {
		visit(t, easy, inst.URL+"/forums/"+s.Forum.ID+"/raise?lang="+lang)
		browser.Fill(t, easy, "#title", "Long wait for a keyworker")
		submit(t, easy, `button[value="next"]`)
		browser.Fill(t, easy, "#body", "We waited eight months.")
		submit(t, easy, `button[value="next"]`)
		browser.Click(t, easy, "#theme-0")
		submit(t, easy, `button[value="next"]`)
		submit(t, easy, `button[value="next"]`)
		if got := browser.Text(t, easy, "main"); !strings.Contains(got, "Long wait for a keyworker") {
			t.Fatalf("the Easy Read check step (%s) lost the title: %s", lang, got)
		}
	}
}
