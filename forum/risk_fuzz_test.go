package forum

import (
	"strings"
	"testing"
)

// FuzzRiskMatch: whatever a post says and whatever term a forum adds,
// RiskMatch never panics; normalising is idempotent; a forum's term found
// on its own as words in a post is always matched, wherever it stands; and
// text added around a risky post never hides the risk.
func FuzzRiskMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"My son said he wants to die", ""}, {"Self–harm!", "crisis"}, {"pharmacy", "harm"}, {"خودکشی کی باتیں", "زخم"},
		{"SUICIDE", "  "}, {"\xff\xfeabuse", "\xff"}, {"no food at home", "no-food"}, {"", "é"}, {"ǅemal", "ǆ"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, text, term string) {
		if n := normalise(text); normalise(n) != n {
			t.Fatalf("normalise(%q) = %q, then %q: not idempotent", text, n, normalise(n))
		}
		fo := &Forum{RiskTerms: []string{term}}
		risky := RiskMatch(fo, text)
		if risky && !RiskMatch(fo, "Before. "+text+" After.") {
			t.Fatalf("RiskMatch(%q) but not with words around it", text)
		}
		if strings.TrimSpace(normalise(term)) == "" {
			return
		}
		for _, post := range []string{term, "We said: " + term + ".", text + "\n" + term, "(" + term + ") " + text} {
			if !RiskMatch(fo, post) {
				t.Fatalf("RiskMatch(term %q, %q) = false", term, post)
			}
		}
	})
}
