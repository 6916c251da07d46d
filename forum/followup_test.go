package forum

import (
	"strings"
	"testing"
)

func TestCodeFormat(t *testing.T) {
	key := []byte("k")
	code := derive(key, "followup-selector|x|a", selectorLen) + derive(key, "followup-secret|x", secretLen)
	if len(code) != CodeLen {
		t.Fatalf("code %q has %d letters", code, len(code))
	}
	for _, r := range code {
		if !strings.ContainsRune(codeAlphabet, r) {
			t.Fatalf("code %q has %q, outside the alphabet", code, r)
		}
	}
	if derive(key, "m", 20) != derive(key, "m", 20) || derive(key, "m", 20) == derive(key, "n", 20) || derive([]byte("other"), "m", 20) == derive(key, "m", 20) {
		t.Fatal("derive must be deterministic per key and message, and differ otherwise")
	}
	formatted := FormatCode(code)
	if strings.Count(formatted, " ") != CodeLen/4-1 {
		t.Fatalf("FormatCode = %q; want groups of four", formatted)
	}
	for _, typed := range []string{formatted, strings.ToLower(formatted), strings.ReplaceAll(formatted, " ", "-"), " " + code + "\n"} {
		if got := NormalizeCode(typed); got != code {
			t.Errorf("NormalizeCode(%q) = %q; want %q", typed, got, code)
		}
	}
	if _, _, ok := splitCode(NormalizeCode(strings.Replace(formatted, string(formatted[0]), "0", 1))); ok {
		t.Error("a code with a digit must not split")
	}
	if _, _, ok := splitCode(code[:CodeLen-1]); ok {
		t.Error("a short code must not split")
	}
	sel, sec, ok := splitCode(code)
	if !ok || sel+sec != code || len(sel) != selectorLen {
		t.Fatalf("splitCode(%q) = %q %q %v", code, sel, sec, ok)
	}
}

// TestCodeLettersUniform: rejection sampling keeps every letter equally
// likely, so the secret's 86 bits are real.
func TestCodeLettersUniform(t *testing.T) {
	counts := map[rune]int{}
	s := derive([]byte("k"), "uniform", 20000)
	for _, r := range s {
		counts[r]++
	}
	if len(counts) != len(codeAlphabet) {
		t.Fatalf("%d letters used; want %d", len(counts), len(codeAlphabet))
	}
	for r, n := range counts {
		if n < 850 || n > 1150 { // expected 1000 each
			t.Errorf("letter %q appears %d times in 20000", r, n)
		}
	}
}
