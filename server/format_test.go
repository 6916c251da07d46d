package server

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"chorus/locales"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// testBundle loads the messages once for the tests in this file.
var testBundle = sync.OnceValues(locales.Bundle)

// testTranslator builds a translator for a language straight from the bundle.
func testTranslator(t *testing.T, tag string) *Tr {
	t.Helper()
	b, err := testBundle()
	if err != nil {
		t.Fatal(err)
	}
	l, ok := locales.Lookup(tag)
	if !ok {
		t.Skipf("%s is not an interface language", tag)
	}
	return &Tr{Lang: l, loc: i18n.NewLocalizer(b, tag, "en"), en: i18n.NewLocalizer(b, "en")}
}

// TestFormatDate: each language names the month in its own words, in its
// own order, with Western digits.
func TestFormatDate(t *testing.T) {
	day := time.Date(2026, time.November, 4, 15, 4, 0, 0, time.UTC)
	for _, tc := range []struct{ tag, want string }{
		{"en", "4 November 2026"},
		{"ur", "4 نومبر 2026"},
		{"ar", "4 نوفمبر 2026"},
	} {
		t.Run(tc.tag, func(t *testing.T) {
			if got := formatDate(day, testTranslator(t, tc.tag)); got != tc.want {
				t.Errorf("formatDate = %q; want %q", got, tc.want)
			}
		})
	}
}

// TestFormatNumber: counts are grouped the language's way and always use
// Western digits, also in Arabic (see locales/README.md).
func TestFormatNumber(t *testing.T) {
	for _, tc := range []struct {
		tag  string
		n    int
		want string
	}{
		{"en", 7, "7"},
		{"en", 12345, "12,345"},
		{"ur", 12345, "12,345"},
		{"ar", 7, "7"},
		{"ar", 12345, "12,345"},
		{"ar", 1234567, "1,234,567"},
	} {
		t.Run(fmt.Sprintf("%s/%d", tc.tag, tc.n), func(t *testing.T) {
			if got := formatNumber(tc.n, testTranslator(t, tc.tag)); got != tc.want {
				t.Errorf("formatNumber(%d) = %q; want %q", tc.n, got, tc.want)
			}
		})
	}
}

// TestPluralCounts: a count inside a message is formatted like any number,
// and the plural form still follows the count (Arabic has six forms).
func TestPluralCounts(t *testing.T) {
	ar := testTranslator(t, "ar")
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "لا توجد تعليقات"},
		{1, "تعليق واحد"},
		{2, "تعليقان"},
		{3, "3 تعليقات"},
		{11, "11 تعليقًا"},
		{100, "100 تعليق"},
		{1500, "1,500 تعليق"},
	} {
		if got := ar.N("issue.comments", tc.n); got != tc.want {
			t.Errorf("ar issue.comments(%d) = %q; want %q", tc.n, got, tc.want)
		}
	}
	if got := testTranslator(t, "en").N("issue.comments", 2500); got != "2,500 comments" {
		t.Errorf("en issue.comments(2500) = %q; want %q", got, "2,500 comments")
	}
}
