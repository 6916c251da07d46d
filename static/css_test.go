package static

import (
	"regexp"
	"strings"
	"testing"
)

// physicalRe finds CSS that pins a side of the page: on a right-to-left
// page (Urdu, Arabic) it would stay on the wrong side instead of mirroring.
var physicalRe = regexp.MustCompile(`(?m)(^|[\s;{])(margin-(left|right)|padding-(left|right)|border-(left|right)[\w-]*|left|right)\s*:|text-align\s*:\s*(left|right)|(float|clear)\s*:\s*(left|right)`)

// TestStylesheetMirrors: every side is written as a logical property
// (margin-inline-start, inset-inline-end, text-align: start, ...).
func TestStylesheetMirrors(t *testing.T) {
	b, err := Files.ReadFile("app.css")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(b), "\n") {
		if m := physicalRe.FindString(line); m != "" {
			t.Errorf("app.css:%d uses %q; use the logical property so right-to-left pages mirror", i+1, strings.TrimSpace(m))
		}
	}
}
