package forum

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRemoveIdentifying: for any text, every finding lies within the text
// and redaction removes every one of them: the redacted text is exactly the
// text between findings with a placeholder for each finding, and it stays
// valid UTF-8. Findings from another text (stale, after an edit) are
// skipped, never cut a character in half, and never panic.
func FuzzRemoveIdentifying(f *testing.F) {
	for _, s := range [][2]string{
		{"My son Jayden (DOB 03/04/2015) has waited. Call 07700 900123, jay.mum@example.com, LE4 5AB, 943 476 5919.", "Jayden is 10"},
		{"میرا بیٹا 07700900123 😀 amina@example.org", "میرا"},
		{"St Mary's C of E Primary School, our twins Amy and Beth, born in March 2014", ""},
		{"\xff 07700\xff900123 LE45AB\xc3", "07700 900123 LE4 5AB"},
	} {
		f.Add(s[0], s[1])
	}
	const placeholder = "[removed]"
	f.Fuzz(func(t *testing.T, text, other string) {
		fs := FindIdentifying(text, idNow)
		var want strings.Builder
		last := 0
		for _, x := range fs {
			if x.Start < last || x.End <= x.Start || x.End > len(text) || text[x.Start:x.End] != x.Text {
				t.Fatalf("FindIdentifying(%q): finding %+v out of place", text, x)
			}
			want.WriteString(text[last:x.Start])
			want.WriteString(placeholder)
			last = x.End
		}
		want.WriteString(text[last:])
		out := RemoveIdentifying(text, fs, placeholder)
		if out != want.String() {
			t.Fatalf("RemoveIdentifying(%q) = %q; want %q", text, out, want.String())
		}
		if utf8.ValidString(text) && !utf8.ValidString(out) {
			t.Fatalf("RemoveIdentifying(%q) = %q: not valid UTF-8", text, out)
		}
		// Stale findings: those of another text applied to this one.
		stale := RemoveIdentifying(text, FindIdentifying(other, idNow), placeholder)
		if utf8.ValidString(text) && !utf8.ValidString(stale) {
			t.Fatalf("stale findings of %q cut %q into %q", other, text, stale)
		}
	})
}
