package server

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"chorus/forum"
	"chorus/locales"
)

// TestMonthNames: a month standing alone (a chart's months, a range) is in
// the nominative, a date's month in the form a day takes: in Polish
// "styczeń 2026" but "4 stycznia 2026". Every language names all twelve.
func TestMonthNames(t *testing.T) {
	jan := time.Date(2026, time.January, 4, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ tag, label, date string }{
		{"pl", "styczeń 2026", "4 stycznia 2026"},
		{"en", "January 2026", "4 January 2026"},
		{"ro", "ianuarie 2026", "4 ianuarie 2026"},
	} {
		tr := testTranslator(t, tc.tag)
		if got := monthLabel(jan, tr); got != tc.label {
			t.Errorf("%s: monthLabel = %q; want %q", tc.tag, got, tc.label)
		}
		if got := formatDate(jan, tr); got != tc.date {
			t.Errorf("%s: formatDate = %q; want %q", tc.tag, got, tc.date)
		}
	}
	pl := testTranslator(t, "pl")
	for m, want := range map[time.Month]string{time.May: "maj", time.November: "listopad", time.December: "grudzień"} {
		if got := monthName(m, pl); got != want {
			t.Errorf("pl %s = %q; want %q", m, got, want)
		}
	}
	for _, l := range locales.Languages {
		tr := testTranslator(t, l.Tag)
		for m := time.January; m <= time.December; m++ {
			if got := monthName(m, tr); got == "" || strings.HasPrefix(got, "month.") {
				t.Errorf("%s has no name for %s: %q", l.Tag, m, got)
			}
		}
	}
}

// themesInsight is a year of eight themes with known counts: theme i has
// i+1 issues in month i (and none elsewhere), so the six with the most are
// themes 2 to 7, highest first; on a public view counts under 5 are hidden.
func themesInsight(exact bool) *forum.ForumInsight {
	r := forum.InsightRange{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)}
	in := &forum.ForumInsight{Range: r, Months: r.Months(), Exact: exact}
	for i := range 8 {
		tc := forum.ThemeCount{Theme: "Theme " + strconv.Itoa(i), Total: forum.CountOf(i+1, exact)}
		for m := range in.Months {
			n := 0
			if m == i {
				n = i + 1
			}
			tc.Months = append(tc.Months, forum.CountOf(n, exact))
		}
		in.Themes = append(in.Themes, tc)
	}
	return in
}

// TestThemeChart: the themes over time are a line chart: a line per theme
// for the six raised most (markers and dashes all different), a point per
// month at its count, hollow where the small-number rule hides one, time
// running right to left in Arabic; the summary gives each line's figures
// and says the table has the rest; the table and CSV keep every theme.
func TestThemeChart(t *testing.T) {
	en := testTranslator(t, "en")
	ch := themeChart(en, themesInsight(true))
	ch.fill(en)
	ch.layout(false)
	if !ch.Line || len(ch.Lines) != MaxLines || len(ch.Rows) != 8 {
		t.Fatalf("%d lines, %d rows; want %d lines and 8 rows", len(ch.Lines), len(ch.Rows), MaxLines)
	}
	shapes, dashes := map[string]bool{}, map[string]bool{}
	for i, l := range ch.Lines {
		if want := "Theme " + strconv.Itoa(7-i); l.Name != want {
			t.Errorf("line %d is %q; want %q (most raised first)", i, l.Name, want)
		}
		shapes[l.Shape], dashes[l.Dash] = true, true
		if len(l.Marks) != 8 || len(strings.Fields(l.Points)) != 8 {
			t.Fatalf("line %q has %d marks and points %q; want 8", l.Name, len(l.Marks), l.Points)
		}
	}
	if len(shapes) != MaxLines || len(dashes) != MaxLines {
		t.Errorf("%d markers and %d dashes for %d lines: each line needs its own", len(shapes), len(dashes), MaxLines)
	}
	// Theme 7: 8 issues in its month, 0 elsewhere. The axis tops at 8
	// (ticks of 2).
	top := ch.Lines[0]
	if got, want := top.Marks[7].Y, chartTop; got != want {
		t.Errorf("8 issues drawn at y %d; want %d", got, want)
	}
	if top.Marks[0].Y != ch.Baseline || top.Marks[0].Fewer {
		t.Errorf("a month with none at %+v; want on the baseline, filled", top.Marks[0])
	}
	if !(top.Marks[0].X < top.Marks[7].X) {
		t.Error("time does not run left to right")
	}
	if last := ch.Ticks[len(ch.Ticks)-1].Text; last != "8" || len(ch.Ticks) != 5 {
		t.Errorf("axis tops at %s with %d ticks; want 8 with 5", last, len(ch.Ticks))
	}
	wantIn(t, ch.Desc, "Theme 7: 0 in January 2026 and 8 in August 2026; the most was 8 in August 2026; 8 in all.",
		"The chart draws the 6 themes raised most; the table has all 8.")
	if strings.Contains(ch.Desc, "Theme 0:") || strings.Contains(ch.Desc, "Theme 1:") {
		t.Error("the summary describes lines that are not drawn")
	}
	csv, err := chartCSV(ch)
	if err != nil {
		t.Fatal(err)
	}
	wantIn(t, string(csv), "Theme,Total,January 2026,", "Theme 0,1,1,0,0,0,0,0,0,0\r\n", "Theme 7,8,0,0,0,0,0,0,0,8\r\n")

	// The public view: a count under 5 is a hollow point at 4, and "<5";
	// themes 0 to 3 all count "fewer than 5", so the first two of them
	// (in the forum's order) are drawn after themes 7 to 4.
	pub := themeChart(en, themesInsight(false))
	pub.fill(en)
	pub.layout(false)
	var names []string
	for _, l := range pub.Lines {
		names = append(names, l.Name)
	}
	if got := strings.Join(names, ", "); got != "Theme 7, Theme 6, Theme 5, Theme 4, Theme 0, Theme 1" {
		t.Errorf("public lines %s", got)
	}
	hollow := pub.Lines[4].Marks[0]
	if !hollow.Fewer || hollow.Y != pub.Baseline-4*chartPlot/pub.scaleTop() {
		t.Errorf("1 issue on a public view drawn as %+v; want hollow at 4", hollow)
	}
	csv, _ = chartCSV(pub)
	wantIn(t, string(csv), "Theme 2,<5,0,0,<5,")
	if strings.Contains(string(csv), ",3,") {
		t.Error("the public CSV has an exact small count")
	}

	// Right to left: the first month on the right.
	ar := testTranslator(t, "ar")
	rtl := themeChart(ar, themesInsight(true))
	rtl.fill(ar)
	rtl.layout(true)
	if l := rtl.Lines[0]; !(l.Marks[0].X > l.Marks[7].X) || rtl.AxisX != rtl.PlotRight {
		t.Errorf("right to left: first month at x %d, last at %d, axis at %d", l.Marks[0].X, l.Marks[7].X, rtl.AxisX)
	}

	// No theme raised: no line, and the summary says so.
	none := themesInsight(true)
	for i := range none.Themes {
		none.Themes[i] = forum.ThemeCount{Theme: none.Themes[i].Theme, Months: make([]forum.Count, 8)}
	}
	empty := themeChart(en, none)
	empty.fill(en)
	empty.layout(false)
	if len(empty.Lines) != 0 || empty.Desc != "Nothing to show for these months." {
		t.Errorf("no themes: %d lines, %q", len(empty.Lines), empty.Desc)
	}
}

// scaleTop is the value at the top of a chart's axis.
func (ch *chart) scaleTop() int {
	top, _ := strconv.Atoi(ch.Ticks[len(ch.Ticks)-1].Text)
	return top
}

func wantIn(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("missing %q in:\n%s", sub, s)
		}
	}
}
