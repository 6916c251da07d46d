package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"chorus/internal/testenv/browser"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/fasthttp/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"
)

// TestJourneyLivePages is the live part of journey 2 for the pages around a
// discussion. Dan keeps the forum's page open while Fiona raises an issue in
// another browser: it appears in his list without a reload, and he sees how
// many people are viewing. On an issue's page he sees Fiona put it on an
// agenda (the status and the timeline change in place), and her comment
// waits behind a "show" button, so the comment he is typing keeps its focus
// until he asks; the comment then takes the focus. The live pages pass axe,
// and with reduced motion nothing animates.
func TestJourneyLivePages(t *testing.T) {
	dir := t.TempDir()
	s := seedAll(t, dir)
	inst := startChorus(t, dir, nil)
	b := browser.New(t)
	dan, fiona := b.NewTab(t), b.NewTab(t)
	quickSignIn(t, dan, inst.URL, "dan@example.org")
	quickSignIn(t, fiona, inst.URL, "fiona@example.org")

	// The forum's list.
	forumPage := inst.URL + "/forums/" + s.Forum.ID
	browser.Visit(t, dan, forumPage)
	waitFor(t, dan, `[data-live-state="subscribed"]`)
	waitForText(t, dan, "[data-live-presence]", "1 person viewing")
	browser.Visit(t, fiona, forumPage)
	waitForText(t, dan, "[data-live-presence]", "2 people viewing")

	browser.Visit(t, fiona, forumPage+"/raise")
	browser.Fill(t, fiona, "#title", "Short breaks cut without notice")
	browser.Fill(t, fiona, "#body", "Our short breaks were stopped last week and nobody told us why.")
	press(t, fiona, `button[value="check"]`)
	press(t, fiona, `button[value="post"]`)
	waitForText(t, dan, "ol.issues", "Short breaks cut without notice")
	waitForText(t, dan, "#live-announcer", "1 new issue raised")
	browser.CheckAxe(t, dan)
	if loc := browser.Location(t, dan); loc != forumPage {
		t.Fatalf("Dan's page moved to %s; it should have updated in place", loc)
	}

	// An issue's page.
	issue := inst.URL + "/issues/" + s.IssueID
	browser.Visit(t, dan, issue)
	waitFor(t, dan, `[data-live-state="subscribed"]`)
	browser.Visit(t, fiona, issue)
	waitForText(t, dan, "[data-live-presence]", "2 people viewing")
	browser.Fill(t, fiona, "#new-status", "on_agenda")
	browser.Fill(t, fiona, "#status-note", "Going to the March steering meeting.")
	press(t, fiona, `form[action$="/status"] button`)
	waitForText(t, dan, "[data-live-status]", "On a steering group agenda")
	waitForText(t, dan, "#timeline", "Going to the March steering meeting.")

	// Dan is typing a comment when Fiona's arrives.
	browser.Fill(t, dan, "#comment", "We have been told the same")
	evaluate[bool](t, dan, `document.getElementById("comment").focus(), true`)
	browser.Fill(t, fiona, "#comment", "The panel now meets **monthly**.")
	press(t, fiona, `form[action$="/comments"] button`)
	waitForText(t, dan, `[data-live-show="comment.added"]`, "Show 1 new comment")
	if got := browser.Text(t, dan, "ol.comments"); got != "" {
		t.Fatalf("the new comment went into the list before Dan asked: %q", got)
	}
	if id := evaluate[string](t, dan, `document.activeElement.id`); id != "comment" {
		t.Fatalf("focus moved to %q while Dan was typing", id)
	}
	browser.Click(t, dan, `[data-live-show="comment.added"]`)
	waitForText(t, dan, "ol.comments", "The panel now meets monthly.")
	if id := evaluate[string](t, dan, `document.activeElement.id`); len(id) < 9 || id[:8] != "comment-" {
		t.Fatalf("after showing the new comments the focus is on %q; want the first new comment", id)
	}
	if got := browser.Value(t, dan, "#comment"); got != "We have been told the same" {
		t.Fatalf("Dan's typing became %q", got)
	}
	browser.CheckAxe(t, dan)

	// Reduced motion: what arrived does not animate.
	const anim = `getComputedStyle(document.querySelector("ol.comments .live-new")).animationName`
	if got := evaluate[string](t, dan, anim); got != "live-arrive" {
		t.Fatalf("a new comment's animation is %q; want live-arrive", got)
	}
	if err := chromedp.Do(dan, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	if got := evaluate[string](t, dan, anim); got != "none" {
		t.Fatalf("with reduced motion a new comment's animation is %q; want none", got)
	}
	if loc := browser.Location(t, dan); loc != issue {
		t.Fatalf("Dan's page moved to %s; it should have updated in place", loc)
	}
}

// quickSignIn signs a seeded person in (the sign-in pages' own journeys
// check them with axe).
func quickSignIn(t *testing.T, tab context.Context, base, email string) {
	t.Helper()
	browser.Visit(t, tab, base+"/signin")
	browser.Fill(t, tab, "#email", email)
	browser.Fill(t, tab, "#password", "password for "+email)
	if status := browser.ClickAndWait(t, tab, "main form button[type=submit]"); status >= 400 {
		t.Fatalf("signing in %s answered %d", email, status)
	}
}

// press submits a form in the tab of the person acting (whose pages other
// journeys check with axe) and waits for the next page.
func press(t *testing.T, tab context.Context, selector string) {
	t.Helper()
	if status := browser.ClickAndWait(t, tab, selector); status >= 400 {
		t.Fatalf("submitting %s answered %d: %s", selector, status, browser.Text(t, tab, "main"))
	}
}

// evaluate runs a JavaScript expression in the tab's page.
func evaluate[T any](t *testing.T, tab context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// TestPresenceAcrossInstances: two Chorus instances joined by NATS count the
// viewers of a forum's page together, and notice one leaving.
func TestPresenceAcrossInstances(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS did not start")
	}
	t.Cleanup(ns.Shutdown)
	dir := t.TempDir()
	s := seedAll(t, dir)
	env := map[string]string{"CHORUS_NATS_URL": ns.ClientURL()}
	a, b := startChorus(t, dir, env), startChorus(t, dir, env)
	room := "forum:" + s.Forum.ID
	va, vb := followOn(t, a.URL, room), followOn(t, b.URL, room)
	waitPresenceText(t, va, "2 people viewing")
	waitPresenceText(t, vb, "2 people viewing")
	vb.Close()
	waitPresenceText(t, va, "1 person viewing")
}

// followOn opens a live connection to an instance and joins room.
func followOn(t *testing.T, base, room string) *websocket.Conn {
	t.Helper()
	h := http.Header{}
	h.Set("Origin", base)
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/live", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if err := ws.WriteJSON(map[string]any{"type": "subscribe", "room": room}); err != nil {
		t.Fatal(err)
	}
	waitLive(t, ws, "subscribed")
	return ws
}

// waitPresenceText reads until a presence message reading want arrives.
func waitPresenceText(t *testing.T, ws *websocket.Conn, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ev := waitLive(t, ws, "presence"); strings.TrimSpace(ev.HTML) == want {
			return
		}
	}
	t.Fatalf("no presence reading %q", want)
}
