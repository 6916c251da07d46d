package forum

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"time"
)

// A forum's dashboard: how many issues families raised and how many were
// answered, month by month; how long a first response took; how many were
// answered within the forum's response target; what is open now; and the
// themes over time. The figures are computed here, never in templates.

// SmallCount is the smallest aggregate count about families that a public
// view or export shows as a number: 1 to 4 are "fewer than 5", so that
// nobody can be picked out of a figure. 0 stays 0.
const SmallCount = 5

// Count is an aggregate count about families as one viewer may see it. On a
// public view a count from 1 to SmallCount-1 is Fewer and its exact value is
// not kept, so no page or export can leak it.
type Count struct {
	N     int  // the count; 0 when Fewer
	Fewer bool // between 1 and 4, shown as "fewer than 5"
}

// CountOf returns n as a viewer sees it: exact, or with the small-number
// rule applied. It is the one place that rule lives.
func CountOf(n int, exact bool) Count {
	if !exact && n > 0 && n < SmallCount {
		return Count{Fewer: true}
	}
	return Count{N: n}
}

// String writes the count as exports do: "<5" when Fewer.
func (c Count) String() string {
	if c.Fewer {
		return "<5"
	}
	return strconv.Itoa(c.N)
}

// Value is the count a chart draws: SmallCount-1 (the top of the hidden
// range) when Fewer, so a bar never shows more than the rule allows.
func (c Count) Value() int {
	if c.Fewer {
		return SmallCount - 1
	}
	return c.N
}

// MaxInsightMonths is the longest range a dashboard covers.
const MaxInsightMonths = 36

// InsightRange is the months a dashboard covers: from the first day of From
// to the last day of To (both first days of months, UTC).
type InsightRange struct {
	From, To time.Time
}

// MonthStart returns the first day of t's month (in t's own time zone) as
// a UTC date.
func MonthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// ParseInsightRange reads "YYYY-MM" months; either may be empty. The
// default is the twelve months up to now; a range longer than
// MaxInsightMonths keeps its last months, and a reversed one is swapped.
func ParseInsightRange(from, to string, now time.Time) InsightRange {
	r := InsightRange{To: MonthStart(now)}
	if t, err := time.Parse("2006-01", to); err == nil {
		r.To = t
	}
	r.From = r.To.AddDate(0, -11, 0)
	if f, err := time.Parse("2006-01", from); err == nil {
		r.From = f
	}
	if r.From.After(r.To) {
		r.From, r.To = r.To, r.From
	}
	if earliest := r.To.AddDate(0, -(MaxInsightMonths - 1), 0); r.From.Before(earliest) {
		r.From = earliest
	}
	return r
}

// InsightRange reads a dashboard's "YYYY-MM" months against the service's
// clock (see ParseInsightRange).
func (s *Service) InsightRange(from, to string) InsightRange {
	return ParseInsightRange(from, to, s.now())
}

// Months lists the first days of the range's months, in order.
func (r InsightRange) Months() []time.Time {
	var out []time.Time
	for m := r.From; !m.After(r.To); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

// Contains reports whether t falls in the range's months.
func (r InsightRange) Contains(t time.Time) bool {
	return !t.Before(r.From) && t.Before(r.To.AddDate(0, 1, 0))
}

// index is t's month's place in the range, or -1.
func (r InsightRange) index(t time.Time) int {
	if !r.Contains(t) {
		return -1
	}
	t = t.UTC()
	return (t.Year()-r.From.Year())*12 + int(t.Month()) - int(r.From.Month())
}

// StatusCount is how many open issues have one status.
type StatusCount struct {
	Status Status
	Count  Count
}

// ThemeCount is one theme's issues raised, month by month (aligned with
// the insight's Months) and in all.
type ThemeCount struct {
	Theme  string
	Months []Count
	Total  Count
}

// ResponseTimes describe how long families waited for a first response,
// over the issues raised in the range.
type ResponseTimes struct {
	TargetDays int
	Answered   Count // issues with a first response
	// Median and P90 are in whole days from raising to the first response:
	// the median is the middle value (the mean of the two middle ones), the
	// 90th percentile by nearest rank. Set only when Timed.
	Median float64
	P90    int
	Timed  bool // enough answers to show times (5 on a public view, 1 otherwise)
	// Due counts issues answered or past the target; WithinTarget those
	// answered within it. Percent is their share, set only when Shared.
	Due          Count
	WithinTarget Count
	Percent      int
	Shared       bool
}

// ForumInsight is a forum's dashboard, or several forums' combined.
type ForumInsight struct {
	Forums []*Forum
	Range  InsightRange
	// Exact: the facilitators' view, with exact numbers and held issues;
	// otherwise the public view with the small-number rule.
	Exact    bool
	Months   []time.Time
	Raised   []Count // per month, aligned with Months
	Answered []Count // first responses per month
	// RaisedTotal and AnsweredTotal are over the range.
	RaisedTotal, AnsweredTotal Count
	Response                   ResponseTimes
	Open                       []StatusCount // open issues now, by status
	Themes                     []ThemeCount
	// Overdue lists open issues past the target with no response, oldest
	// first; only in the facilitators' view. Titles held for safeguarding
	// are emptied for those who do not safeguard the forum.
	Overdue []*Issue
}

// Insight returns a forum's dashboard for a viewer: its facilitators see
// exact numbers, held issues and the overdue list; everyone else the public
// figures.
func (s *Service) Insight(ctx context.Context, v Viewer, forumID string, r InsightRange) (*ForumInsight, error) {
	f, err := s.store.FindForum(ctx, forumID)
	if err != nil {
		return nil, err
	}
	fac, err := s.facilitates(ctx, v, f)
	if err != nil {
		return nil, err
	}
	return s.insight(ctx, []*Forum{f}, r, fac, fac, safeguards(v, f))
}

// CombinedInsight returns the public figures of several forums together
// (a steering group's linked forums): no held, hidden or unapproved issues;
// exact says whether the small-number rule is left off.
func (s *Service) CombinedInsight(ctx context.Context, forumIDs []string, r InsightRange, exact bool) (*ForumInsight, error) {
	var forums []*Forum
	for _, id := range forumIDs {
		f, err := s.store.FindForum(ctx, id)
		if err != nil {
			return nil, err
		}
		forums = append(forums, f)
	}
	return s.insight(ctx, forums, r, false, exact, false)
}

// tally is one forum's issue as the dashboard counts it.
type tally struct {
	issue    *Issue
	target   int       // the forum's response target, days
	answered time.Time // the first response; zero when none
}

// insight computes the figures. private includes what only facilitators
// see (held and unapproved issues, the overdue list).
func (s *Service) insight(ctx context.Context, forums []*Forum, r InsightRange, private, exact, sees bool) (*ForumInsight, error) {
	now := s.now()
	var all []*tally
	themes := []string{}
	for _, f := range forums {
		list, err := s.insightIssues(ctx, f, private)
		if err != nil {
			return nil, err
		}
		for _, t := range f.Themes {
			if !slices.Contains(themes, t) {
				themes = append(themes, t)
			}
		}
		for _, iss := range list {
			all = append(all, &tally{issue: iss, target: f.ResponseTargetDays})
		}
	}
	ids := make([]string, len(all))
	byID := map[string]*tally{}
	for i, t := range all {
		ids[i], byID[t.issue.ID] = t.issue.ID, t
	}
	events, err := s.store.ListEventsOf(ctx, ids, []EventKind{EventResponse})
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		if t := byID[e.IssueID]; t != nil && t.answered.IsZero() {
			t.answered = e.At
		}
	}
	return computeInsight(forums, all, themes, r, now, private, exact, sees), nil
}

// insightIssues loads every issue of a forum the view counts.
func (s *Service) insightIssues(ctx context.Context, f *Forum, private bool) ([]*Issue, error) {
	const batch = 500
	var out []*Issue
	for offset := 0; ; offset += batch {
		list, total, err := s.store.ListIssues(ctx, IssueFilter{ForumID: f.ID, Sort: SortNewest, Offset: offset, Limit: batch, Held: private})
		if err != nil {
			return nil, err
		}
		for _, sum := range list {
			iss := sum.Issue
			if !private && (iss.Held != "" || iss.Hidden != "" || iss.Erased != "" ||
				iss.Status == StatusSubmitted || iss.Status == StatusInReview) {
				continue
			}
			out = append(out, &iss)
		}
		if len(list) < batch || offset+batch >= total {
			return out, nil
		}
	}
}

// computeInsight turns the counted issues into the dashboard's figures.
func computeInsight(forums []*Forum, all []*tally, themes []string, r InsightRange, now time.Time, private, exact, sees bool) *ForumInsight {
	in := &ForumInsight{Forums: forums, Range: r, Exact: exact, Months: r.Months()}
	n := len(in.Months)
	raised, answered := make([]int, n), make([]int, n)
	byTheme := map[string][]int{}
	for _, t := range themes {
		byTheme[t] = make([]int, n)
	}
	open := map[Status]int{}
	var days []int
	due, within, target := 0, 0, 0
	var raisedTotal, answeredTotal int
	for _, t := range all {
		iss := t.issue
		target = max(target, t.target)
		if !iss.Status.Closed() {
			open[iss.Status]++
		}
		if i := r.index(t.answered); !t.answered.IsZero() && i >= 0 {
			answered[i]++
			answeredTotal++
		}
		if private && !iss.Status.Closed() && t.answered.IsZero() && now.Sub(iss.CreatedAt) > time.Duration(t.target)*24*time.Hour {
			o := *iss
			if withheld(o.Moderation, true, sees) {
				o.Title, o.Body = "", ""
			}
			in.Overdue = append(in.Overdue, &o)
		}
		i := r.index(iss.CreatedAt)
		if i < 0 {
			continue
		}
		raised[i]++
		raisedTotal++
		for _, th := range iss.Themes {
			if byTheme[th] == nil {
				byTheme[th] = make([]int, n)
				themes = append(themes, th)
			}
			byTheme[th][i]++
		}
		switch {
		case !t.answered.IsZero():
			d := max(0, int(t.answered.Sub(iss.CreatedAt)/(24*time.Hour)))
			days = append(days, d)
			due++
			if d <= t.target {
				within++
			}
		case now.Sub(iss.CreatedAt) > time.Duration(t.target)*24*time.Hour:
			due++
		}
	}
	for i := range in.Months {
		in.Raised = append(in.Raised, CountOf(raised[i], exact))
		in.Answered = append(in.Answered, CountOf(answered[i], exact))
	}
	in.RaisedTotal, in.AnsweredTotal = CountOf(raisedTotal, exact), CountOf(answeredTotal, exact)
	if len(forums) == 1 {
		target = forums[0].ResponseTargetDays
	}
	rt := ResponseTimes{TargetDays: target, Answered: CountOf(len(days), exact), Due: CountOf(due, exact), WithinTarget: CountOf(within, exact)}
	if enough(len(days), exact) {
		rt.Median, rt.P90, rt.Timed = Median(days), Percentile(days, 90), true
	}
	if enough(due, exact) {
		rt.Percent, rt.Shared = (within*100+due/2)/due, true
	}
	in.Response = rt
	for _, st := range Statuses {
		if st.Closed() || (!private && (st == StatusSubmitted || st == StatusInReview)) {
			continue
		}
		in.Open = append(in.Open, StatusCount{Status: st, Count: CountOf(open[st], exact)})
	}
	for _, th := range themes {
		tc := ThemeCount{Theme: th}
		total := 0
		for _, c := range byTheme[th] {
			tc.Months = append(tc.Months, CountOf(c, exact))
			total += c
		}
		tc.Total = CountOf(total, exact)
		in.Themes = append(in.Themes, tc)
	}
	sort.SliceStable(in.Overdue, func(a, b int) bool { return in.Overdue[a].CreatedAt.Before(in.Overdue[b].CreatedAt) })
	return in
}

// enough reports whether n values are enough to show a figure made of them:
// any on an exact view, SmallCount on a public one.
func enough(n int, exact bool) bool {
	if exact {
		return n > 0
	}
	return n >= SmallCount
}

// Median is the middle of some values (the mean of the two middle ones
// when there is an even number); 0 for none.
func Median(values []int) float64 {
	if len(values) == 0 {
		return 0
	}
	v := slices.Clone(values)
	slices.Sort(v)
	mid := len(v) / 2
	if len(v)%2 == 1 {
		return float64(v[mid])
	}
	return float64(v[mid-1]+v[mid]) / 2
}

// Percentile is the p-th percentile of some values by nearest rank: the
// smallest value at least p% of them do not exceed; 0 for none.
func Percentile(values []int, p int) int {
	if len(values) == 0 {
		return 0
	}
	v := slices.Clone(values)
	slices.Sort(v)
	rank := (p*len(v) + 99) / 100 // ceil(p/100 × n)
	return v[max(rank, 1)-1]
}
