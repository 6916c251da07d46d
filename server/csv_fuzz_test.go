package server

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// formulaStarts are the first characters a spreadsheet may run as a formula.
const formulaStarts = "=+-@\t\r"

// FuzzCSVCell: after csvCell no cell starts with a formula character, and
// taking one leading apostrophe off any neutralised cell gives the
// original back.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"", "plain", "=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx", "'", "'=1", "''", "=cmd|' /C calc'!A0",
		"ميرا", " =1", "\ufeff=1", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := csvCell(s)
		if got != "" && strings.ContainsRune(formulaStarts, rune(got[0])) {
			t.Fatalf("csvCell(%q) = %q starts with a formula character", s, got)
		}
		if strings.TrimPrefix(got, "'") != s {
			t.Fatalf("csvCell(%q) = %q: taking the apostrophe off does not give the original", s, got)
		}
	})
}

// FuzzCSVExport: the steering and audit exports' writer (csvCell, then
// RFC 4180 with CRLF line ends) reads back with encoding/csv to the same
// cells once the apostrophes are off, none starting with a formula
// character. One exception, from RFC 4180's line ends: inside a cell a
// line end is written CRLF and read back LF, and a lone CR is not kept.
func FuzzCSVExport(f *testing.F) {
	f.Add("Call families back", "=HYPERLINK(\"http://x\")", "line one\nline two", "\"quoted\", with comma")
	f.Add("", "'", "\r\n", "-")
	f.Add("@SUM(1)", "\t=1", "a\rb", "میرا بیٹا")
	f.Add("\ufeff", " \"", "\n=1", "+\r\n+")
	b, err := testBundle()
	if err != nil {
		f.Fatal(err)
	}
	tr := &Tr{loc: i18n.NewLocalizer(b, "en"), en: i18n.NewLocalizer(b, "en")}
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		orig := []string{a, b, c, d}
		out, err := exportCSV(tr, []string{"description", "owner", "status", "due"}, [][]string{append([]string(nil), orig...)})
		if err != nil {
			t.Fatal(err)
		}
		body, ok := strings.CutPrefix(string(out), "\ufeff")
		if !ok {
			t.Fatal("no byte order mark")
		}
		r := csv.NewReader(strings.NewReader(body))
		r.FieldsPerRecord = 4
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("export of %q does not read back: %v\n%q", orig, err, body)
		}
		if len(recs) != 2 {
			t.Fatalf("export of %q reads back as %d records; want 2", orig, len(recs))
		}
		for i, cell := range recs[1] {
			if cell != "" && strings.ContainsRune(formulaStarts, rune(cell[0])) {
				t.Fatalf("cell %q starts with a formula character", cell)
			}
			want := strings.ReplaceAll(strings.ReplaceAll(orig[i], "\r\n", "\n"), "\r", "")
			if got := strings.TrimPrefix(cell, "'"); got != want {
				t.Fatalf("cell %d: wrote %q, read back %q; want %q", i, orig[i], cell, want)
			}
		}
	})
}
