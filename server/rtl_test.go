package server_test

import (
	"net/url"
	"regexp"
	"testing"

	"chorus/forum"
)

var (
	stylesheetRe = regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)"`)
	codeTagRe    = regexp.MustCompile(`<p class="([^"]*)" id="followup-code"([^>]*)>([A-Z ]+)</p>`)
	secretBoxRe  = regexp.MustCompile(`(?s)\.secret-box\s*\{([^}]*)\}`)
)

// TestArabicPages: an Arabic page is marked right to left, and the follow-up
// code on it is isolated left to right, so its groups of letters stay in
// order inside the Arabic text.
func TestArabicPages(t *testing.T) {
	fe := newForumEnv(t, "sqlite", forum.ForumSettings{AllowAnonymous: true})
	visitor := fe.client()
	wantStatus(t, visitor.get("/?lang=ar"), 303) // remembered in a cookie
	r := fe.raise(visitor, url.Values{"title": {"انتظار طويل لمنسّق الرعاية"}, "body": {"انتظرنا ثمانية أشهر."}, "anonymous": {"yes"}})
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `<html lang="ar" dir="rtl">`, "احتفظ برمز المتابعة هذا")

	m := codeTagRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatal("no follow-up code on the code page")
	}
	wantContains(t, m[2], `dir="ltr"`)
	wantContains(t, m[1], "secret-box")
	css := stylesheetRe.FindStringSubmatch(r.Body)
	if css == nil {
		t.Fatal("the page links no stylesheet")
	}
	sheet := visitor.get(css[1])
	wantStatus(t, sheet, 200)
	rule := secretBoxRe.FindStringSubmatch(sheet.Body)
	if rule == nil {
		t.Fatal("app.css has no .secret-box rule")
	}
	wantContains(t, rule[1], "direction: ltr", "unicode-bidi: isolate")

	// Counts printed by templates go through the page language's number format.
	wantStatus(t, fe.Facilitator.get("/moderation?lang=ar"), 303)
	r = fe.Facilitator.get("/moderation")
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `<html lang="ar" dir="rtl">`, "بانتظار الموافقة</a>: 0")
}
