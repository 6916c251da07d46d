package forum

import (
	"strings"
	"testing"
)

// FuzzNormalizeCode: whatever is typed into the follow-up form, NormalizeCode
// never panics, gives only code letters and the "wrong letter" mark, and
// normalising again changes nothing (the normalised code travels in the
// next request's form and is normalised there again); a code is split into
// selector and secret only when it is exactly a code.
func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"", "ACDE FGHJ KMNP QRTV WXYZ ACDE FGHJ", "acde-fghj-kmnp-qrtv-wxyz-acde-fghj", "0O1IL5SUB",
		"ACDEFGHJKMNPQRTVWXYZACDEFGHJO", "ACDE?FGHJ", "ıſǅ ＡＣＤＥ ß", "\xff\xfeACDE", "ACDEFGHJKMNPQRTVWXYZACDEFGHJ\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		code := NormalizeCode(typed)
		if strings.Trim(code, codeAlphabet+"?") != "" {
			t.Fatalf("NormalizeCode(%q) = %q: letters outside the code alphabet", typed, code)
		}
		if again := NormalizeCode(code); again != code {
			t.Fatalf("NormalizeCode(%q) = %q, then %q: not idempotent", typed, code, again)
		}
		sel, sec, ok := splitCode(code)
		if ok != (len(code) == CodeLen && !strings.Contains(code, "?")) {
			t.Fatalf("splitCode(%q) ok = %v", code, ok)
		}
		if ok && (len(sel) != selectorLen || len(sec) != secretLen || sel+sec != code) {
			t.Fatalf("splitCode(%q) = %q, %q", code, sel, sec)
		}
	})
}

// FuzzCodeRoundTrip: every valid code, written the ways people copy it
// (in groups, lower case, with dashes, on two lines), normalises back to
// itself and splits into its selector and secret.
func FuzzCodeRoundTrip(f *testing.F) {
	f.Add([]byte("0123456789abcdefghijklmnopqrstuvwxyz"), uint8(0))
	f.Add([]byte{255, 254, 253, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}, uint8(3))
	f.Fuzz(func(t *testing.T, seed []byte, style uint8) {
		if len(seed) < CodeLen {
			return
		}
		var b strings.Builder
		for _, x := range seed[:CodeLen] {
			b.WriteByte(codeAlphabet[int(x)%len(codeAlphabet)])
		}
		code := b.String()
		written := FormatCode(code)
		switch style % 5 {
		case 1:
			written = strings.ToLower(written)
		case 2:
			written = strings.ReplaceAll(written, " ", "-")
		case 3:
			written = "  " + strings.Replace(written, " ", "\r\n", 3) + "\t"
		case 4:
			written = strings.ReplaceAll(written, " ", "")
		}
		got := NormalizeCode(written)
		if got != code {
			t.Fatalf("NormalizeCode(%q) = %q; want %q", written, got, code)
		}
		sel, sec, ok := splitCode(got)
		if !ok || sel != code[:selectorLen] || sec != code[selectorLen:] {
			t.Fatalf("splitCode(%q) = %q, %q, %v", got, sel, sec, ok)
		}
	})
}
