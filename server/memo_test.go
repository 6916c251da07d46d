package server

import (
	"testing"
	"time"

	"chorus/locales"
)

// TestTranslatorMemo: a translator shared by every request remembers the
// messages it has made, and what it remembers is what it would make anew,
// for every language, every count and every date, however often asked.
func TestTranslatorMemo(t *testing.T) {
	b, err := testBundle()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{bundle: b, easy: b}
	days := []time.Time{
		time.Date(2026, time.January, 2, 0, 0, 0, 0, time.UTC),
		time.Date(2026, time.February, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, time.December, 31, 0, 0, 0, 0, time.UTC),
	}
	for _, l := range locales.Languages {
		t.Run(l.Tag, func(t *testing.T) {
			shared, fresh := s.translator(l.Tag), testTranslator(t, l.Tag)
			if shared.memo == nil || s.translator(l.Tag) != shared {
				t.Fatal("the translator is not shared")
			}
			for range 2 { // the second round reads the memo
				for _, n := range []int{0, 1, 2, 3, 5, 11, 21, 1234} {
					if got, want := shared.N("issue.supports", n), fresh.N("issue.supports", n); got != want {
						t.Errorf("N(issue.supports, %d) = %q, want %q", n, got, want)
					}
				}
				for _, id := range []string{"status.open", "forum.issues", "nav.home"} {
					if got, want := shared.M(id), fresh.M(id); got != want {
						t.Errorf("M(%s) = %q, want %q", id, got, want)
					}
				}
				if got, want := shared.M("issue.by", "Name", "Kasia"), fresh.M("issue.by", "Name", "Kasia"); got != want {
					t.Errorf("M(issue.by) = %q, want %q", got, want)
				}
				for _, d := range days {
					if got, want := formatDate(d, shared), formatDate(d, fresh); got != want {
						t.Errorf("formatDate(%s) = %q, want %q", d.Format(time.DateOnly), got, want)
					}
				}
			}
			if shared.memo.n.Load() == 0 {
				t.Error("nothing was remembered")
			}
		})
	}
}
