package forum

import (
	"testing"
	"time"
)

func TestMedianAndPercentile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []int
		median float64
		p90    int
	}{
		{"None", nil, 0, 0},
		{"One", []int{7}, 7, 7},
		{"Odd", []int{9, 1, 5}, 5, 9},
		{"Even", []int{1, 2, 3, 10}, 2.5, 10},
		// Nearest rank: ceil(0.9 × 10) = 9th of 1..10.
		{"Ten", []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 5.5, 9},
		{"Eleven", []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100}, 5, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Median(tc.values); got != tc.median {
				t.Errorf("Median = %v; want %v", got, tc.median)
			}
			if got := Percentile(tc.values, 90); got != tc.p90 {
				t.Errorf("Percentile 90 = %v; want %v", got, tc.p90)
			}
		})
	}
}

func TestCountOf(t *testing.T) {
	for _, tc := range []struct {
		n     int
		exact bool
		want  Count
		csv   string
	}{
		{0, false, Count{}, "0"},
		{1, false, Count{Fewer: true}, "<5"},
		{4, false, Count{Fewer: true}, "<5"},
		{5, false, Count{N: 5}, "5"},
		{3, true, Count{N: 3}, "3"},
	} {
		got := CountOf(tc.n, tc.exact)
		if got != tc.want || got.String() != tc.csv {
			t.Errorf("CountOf(%d, %v) = %+v %q; want %+v %q", tc.n, tc.exact, got, got.String(), tc.want, tc.csv)
		}
	}
	if (Count{Fewer: true}).Value() != 4 {
		t.Error("a hidden count is drawn at most at 4")
	}
}

func TestParseInsightRange(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	month := func(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name, from, to string
		want           InsightRange
	}{
		{"Default", "", "", InsightRange{month(2025, 12), month(2026, 11)}},
		{"Chosen", "2026-06", "2026-10", InsightRange{month(2026, 6), month(2026, 10)}},
		{"Reversed", "2026-10", "2026-06", InsightRange{month(2026, 6), month(2026, 10)}},
		{"Nonsense", "June", "<script>", InsightRange{month(2025, 12), month(2026, 11)}},
		{"TooLong", "2000-01", "2026-11", InsightRange{month(2023, 12), month(2026, 11)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseInsightRange(tc.from, tc.to, now); got != tc.want {
				t.Errorf("got %v to %v; want %v to %v", got.From, got.To, tc.want.From, tc.want.To)
			}
		})
	}
}

// insightSet is a forum's issues with known answers, on a fixed clock:
// from June to October 2026, 3 issues raised in June, 12 in October (one
// a theme "Schools"), one answered after 2 days, others after 1..10 days.
func insightSet() ([]*tally, time.Time) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	var all []*tally
	add := func(at time.Time, status Status, answerDays int, themes ...string) {
		iss := &Issue{ID: at.Format(time.RFC3339Nano) + string(status) + string(rune('a'+len(all))), CreatedAt: at, Status: status, Themes: themes}
		t := &tally{issue: iss, target: 28}
		if answerDays >= 0 {
			t.answered = at.Add(time.Duration(answerDays) * day)
		}
		all = append(all, t)
	}
	june := time.Date(2026, 6, 3, 0, 0, 0, 0, time.UTC)
	add(june, StatusResolved, 2, "Waiting times")
	add(june, StatusOpen, 40, "Waiting times") // answered in July, past the target
	add(june, StatusOpen, -1)                  // never answered: overdue
	oct := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10 { // answered after 1..10 days, in October
		add(oct, StatusOnAgenda, i+1, "Waiting times")
	}
	add(oct, StatusOpen, -1, "Schools")
	add(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), StatusOpen, -1) // not yet due
	add(time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC), StatusInReview, -1)
	return all, now
}

func TestComputeInsight(t *testing.T) {
	all, now := insightSet()
	r := InsightRange{From: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	f := &Forum{ID: "f", ResponseTargetDays: 28, Themes: []string{"Waiting times", "Schools"}}

	t.Run("Exact", func(t *testing.T) {
		in := computeInsight([]*Forum{f}, all, []string{"Waiting times", "Schools"}, r, now, true, true, false)
		wantCounts(t, "raised", in.Raised, 3, 0, 0, 0, 12, 1)
		wantCounts(t, "answered", in.Answered, 1, 1, 0, 0, 10, 0)
		if in.RaisedTotal.N != 16 || in.AnsweredTotal.N != 12 {
			t.Errorf("totals %v %v; want 16 12", in.RaisedTotal, in.AnsweredTotal)
		}
		// Days to answer: 2, 40, 1..10: median of 12 values = (5+6)/2, p90 = 11th = 10.
		rt := in.Response
		if !rt.Timed || rt.Median != 5.5 || rt.P90 != 10 || rt.Answered.N != 12 {
			t.Errorf("response times %+v; want median 5.5, p90 10 of 12", rt)
		}
		// Due: 12 answered + 2 overdue (June and October, never answered); the one in
		// review is counted here too (facilitators' view) and is not yet due.
		if !rt.Shared || rt.Due.N != 14 || rt.WithinTarget.N != 11 || rt.Percent != 79 {
			t.Errorf("within target %+v; want 11 of 14, 79%%", rt)
		}
		wantStatuses(t, in.Open, map[Status]int{StatusSubmitted: 0, StatusInReview: 1, StatusOpen: 4, StatusOnAgenda: 10})
		if len(in.Overdue) != 2 || !in.Overdue[0].CreatedAt.Equal(time.Date(2026, 6, 3, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("overdue %d, want the June one first of 2", len(in.Overdue))
		}
		if len(in.Themes) != 2 || in.Themes[0].Theme != "Waiting times" || in.Themes[0].Total.N != 12 || in.Themes[1].Total.N != 1 {
			t.Errorf("themes %+v", in.Themes)
		}
		wantCounts(t, "waiting times", in.Themes[0].Months, 2, 0, 0, 0, 10, 0)
	})

	t.Run("Public", func(t *testing.T) {
		in := computeInsight([]*Forum{f}, all, []string{"Waiting times", "Schools"}, r, now, false, false, false)
		// June's 3 and July's 1 are "fewer than 5"; 0 stays 0.
		if !in.Raised[0].Fewer || in.Raised[0].N != 0 || in.Raised[1] != (Count{}) || in.Raised[4].N != 12 {
			t.Errorf("raised %+v", in.Raised)
		}
		if !in.Answered[1].Fewer || in.Raised[5].Fewer != true {
			t.Errorf("answered %+v, raised in November %+v", in.Answered, in.Raised[5])
		}
		if in.Themes[1].Total != (Count{Fewer: true}) {
			t.Errorf("the Schools theme (1 issue) shows %+v", in.Themes[1].Total)
		}
		if in.Overdue != nil {
			t.Error("the public view lists overdue issues")
		}
		for _, sc := range in.Open {
			if sc.Status == StatusInReview || sc.Status == StatusSubmitted {
				t.Errorf("the public view counts %s", sc.Status)
			}
		}
	})

	t.Run("TooFewToTime", func(t *testing.T) {
		in := computeInsight([]*Forum{f}, all[:3], nil, r, now, false, false, false)
		if in.Response.Timed || in.Response.Shared || !in.Response.Answered.Fewer {
			t.Errorf("2 answers shown publicly: %+v", in.Response)
		}
		in = computeInsight([]*Forum{f}, all[:3], nil, r, now, true, true, false)
		if !in.Response.Timed || in.Response.Median != 21 || in.Response.P90 != 40 {
			t.Errorf("facilitators' times %+v; want median 21, p90 40", in.Response)
		}
	})
}

func wantCounts(t *testing.T, what string, got []Count, want ...int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d months; want %d", what, len(got), len(want))
	}
	for i, w := range want {
		if got[i] != (Count{N: w}) {
			t.Errorf("%s month %d = %+v; want %d", what, i, got[i], w)
		}
	}
}

func wantStatuses(t *testing.T, got []StatusCount, want map[Status]int) {
	t.Helper()
	for _, sc := range got {
		if w, ok := want[sc.Status]; ok && sc.Count.N != w {
			t.Errorf("open %s = %d; want %d", sc.Status, sc.Count.N, w)
		}
	}
}
