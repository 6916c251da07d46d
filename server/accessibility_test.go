package server_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestAccessibilityStatement: the statement is linked from every page's
// footer and has the parts the NHS service manual's model statement has, in
// every language, with the contact the installation gives or, without one,
// the forum's facilitator.
func TestAccessibilityStatement(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	wantContains(t, c.get("/privacy").Body, `<a href="/accessibility">Accessibility</a>`)
	r := c.get("/accessibility")
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "<title>Accessibility statement – Chorus</title>",
		"How accessible this website is", "Feedback and contact information", "Enforcement procedure",
		"Compliance status", "partially compliant with the Web Content Accessibility Guidelines (WCAG) version 2.2 AA standard",
		"How we tested this website", "Tell your forum&#39;s facilitator", "This statement was prepared on 24 November 2026.",
		`href="https://www.equalityadvisoryservice.com/"`)
	if n := len(regexp.MustCompile(`<h2>`).FindAllString(r.Body, -1)); n < 6 {
		t.Fatalf("the statement has %d sections; want the model statement's six", n)
	}

	// In Arabic, right to left, with the page's words in Arabic.
	wantStatus(t, c.get("/accessibility?lang=ar"), 303) // the choice is kept in a cookie
	r = c.get("/accessibility")
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `<html lang="ar" dir="rtl">`, "بيان إمكانية الوصول إلى Chorus", "حالة الامتثال")

	// With a contact configured, it is given instead of the facilitator.
	e = newEnv(t, func(o *optionsAlias) { o.Privacy.Contact = "access@forum.example.org" })
	r = e.client().get("/accessibility")
	wantContains(t, r.Body, "Contact:", "access@forum.example.org")
	if strings.Contains(r.Body, "forum&#39;s facilitator, who will pass it on") {
		t.Fatal("with a contact set, the statement still sends people to the facilitator")
	}
}
