package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"chorus/internal/testenv/browser"
)

// maxTabs bounds the presses of Tab to reach a control: past the skip
// links, the quick exit, the navigation, ten languages and the Easy Read
// switch, with room for a page's own links.
const maxTabs = 150

// keyTo presses Tab until selector has focus (checking that each control
// passed on the way shows its focus, is not hidden behind the sticky quick
// exit bar or anything else, and is big enough to press), then Enter, and
// waits for the page that follows.
func keyTo(t *testing.T, tab context.Context, selector string) {
	t.Helper()
	browser.TabTo(t, tab, selector, maxTabs)
	if status := browser.EnterAndWait(t, tab); status >= 400 {
		t.Fatalf("Enter on %s answered %d: %s", selector, status, browser.Text(t, tab, "main"))
	}
	browser.CheckAxe(t, tab)
}

// typeInto presses Tab until the field has focus and types text key by key.
func typeInto(t *testing.T, tab context.Context, selector, text string) {
	t.Helper()
	browser.TabTo(t, tab, selector, maxTabs)
	browser.Type(t, tab, text)
}

// TestKeyboardJourneys: raise an issue, support one, comment, moderate
// and build an agenda with the keyboard alone (Tab, typing, arrows and
// Enter; no clicks, no filling by script), on a seeded installation with
// JavaScript on. On the way every control the focus passes shows its focus
// (2.4.7), is never entirely hidden behind the sticky quick exit bar or
// anything else (2.4.11), and is at least 24 px each way unless it is a
// link in a sentence (2.5.8); the password field lets a password manager
// paste (3.3.8); every page passes axe.
func TestKeyboardJourneys(t *testing.T) {
	began := time.Now()
	dir := t.TempDir()
	s := seedSteering(t, dir)
	sm := seedSteeringMeeting(t, dir, s)
	inst := startChorus(t, dir, nil)
	b := browser.New(t, browser.WithTimeout(10*time.Minute))

	t.Run("RaiseAnIssue", func(t *testing.T) {
		amina := b.NewTab(t)
		visit(t, amina, inst.URL+"/forums/"+s.Forum.ID)
		keyTo(t, amina, `a[href="/forums/`+s.Forum.ID+`/raise"]`)
		typeInto(t, amina, "#title", "No help at night")
		typeInto(t, amina, "#body", "When our son is in crisis at night nobody answers.")
		keyTo(t, amina, `button[name="action"][value="check"]`)
		keyTo(t, amina, `button[name="action"][value="post"]`)
		if code := browser.Text(t, amina, "#followup-code"); len(strings.ReplaceAll(code, " ", "")) < 10 {
			t.Fatalf("after raising by keyboard: no follow-up code but %q", browser.Text(t, amina, "main"))
		}
	})

	dan := b.NewTab(t)
	t.Run("SignIn", func(t *testing.T) {
		visit(t, dan, inst.URL+"/signin")
		typeInto(t, dan, "#email", "dan@example.org")
		browser.TabTo(t, dan, "#password", maxTabs)
		// 3.3.8: nothing stops a password manager or a paste.
		if blocked := evaluate[bool](t, dan, `(() => {
			const e = new ClipboardEvent("paste", {bubbles: true, cancelable: true, clipboardData: new DataTransfer()});
			document.querySelector("#password").dispatchEvent(e);
			return e.defaultPrevented;
		})()`); blocked {
			t.Error("the password field blocks pasting (3.3.8)")
		}
		browser.Type(t, dan, "password for dan@example.org")
		if status := browser.EnterAndWait(t, dan); status >= 400 {
			t.Fatalf("signing in by keyboard answered %d", status)
		}
		if strings.HasSuffix(browser.Location(t, dan), "/signin") {
			t.Fatalf("Dan was not signed in: %s", browser.Text(t, dan, "main"))
		}
	})

	issue := inst.URL + "/issues/" + s.IssueID
	t.Run("Support", func(t *testing.T) {
		visit(t, dan, issue)
		keyTo(t, dan, `form[action$="/support"] button[type=submit]`)
		if !browser.Exists(t, dan, `form[action$="/unsupport"]`) {
			t.Fatalf("after supporting by keyboard: %s", browser.Text(t, dan, "main"))
		}
	})

	const said = "The same happened to us last spring."
	t.Run("Comment", func(t *testing.T) {
		visit(t, dan, issue)
		typeInto(t, dan, "#comment", said)
		keyTo(t, dan, `form[action$="/comments"] button[type=submit]`)
		textHas(t, dan, "#comments", said)
	})

	t.Run("Moderate", func(t *testing.T) {
		fiona := b.NewTab(t)
		quickSignIn(t, fiona, inst.URL, "fiona@example.org")
		visit(t, fiona, issue)
		// The comment's own moderation link, then hide it with a reason.
		keyTo(t, fiona, `#comments a[href*="moderate?comment="]`)
		browser.TabTo(t, fiona, `input[name="action"]:checked`, maxTabs)
		for range 6 {
			if browser.Exists(t, fiona, `#action-hide:checked`) {
				break
			}
			browser.PressKey(t, fiona, "\u2193") // ArrowDown moves through the radio group
		}
		if !browser.Exists(t, fiona, `#action-hide:checked`) {
			t.Fatal("the arrow keys do not reach 'hide'")
		}
		typeInto(t, fiona, "#reason", "Names another family")
		keyTo(t, fiona, `form[action$="/moderate"] button[type=submit]`)
		someone := b.NewTab(t)
		visit(t, someone, issue)
		textHas(t, someone, "#comments", "Names another family")
		textLacks(t, someone, "#comments", said)
	})

	t.Run("BuildAnAgenda", func(t *testing.T) {
		chris := b.NewTab(t)
		quickSignIn(t, chris, inst.URL, chairEmail)
		visit(t, chris, inst.URL+"/meetings/"+sm.DraftID+"/agenda")
		keyTo(t, chris, `.suggestions form[action$="/items"] button`)
		keyTo(t, chris, `.suggestions form[action$="/items"] button`)
		if n := evaluate[int](t, chris, `document.querySelectorAll('form[action$="/move"]').length`); n < 2 {
			t.Fatalf("after adding two suggestions by keyboard the agenda has %d move buttons: %s", n, browser.Text(t, chris, "main"))
		}
		// Move the second item up.
		first := evaluate[string](t, chris, `document.querySelector('form[action$="/remove"] button').innerText`)
		keyTo(t, chris, `ol.agenda > li:nth-child(2) form[action$="/move"] button`)
		if now := evaluate[string](t, chris, `document.querySelector('form[action$="/remove"] button').innerText`); now == first {
			t.Errorf("moving the second item up by keyboard left %q first", first)
		}
	})
	t.Logf("keyboard journeys took %v", time.Since(began).Round(time.Second))
}
