package server

import (
	"bytes"
	"encoding/csv"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"chorus/forum"
	"chorus/steering"

	"github.com/gofiber/fiber/v2"
)

// Dashboards: a forum's and a steering group's figures (computed in the
// domain: forum.ForumInsight, steering.GroupInsight) drawn as SVG bar charts
// on the server, each with a title, a text summary and its data table, and
// sent as CSV chart by chart. Counts reach here already under the
// small-number rule (forum.Count); countText is the one place that shows it.

// dashboardData is what the dashboard templates receive.
type dashboardData struct {
	Forum    *forum.ForumInsight    // a forum's dashboard
	Group    *steering.GroupInsight // a group's dashboard
	Issues   *forum.ForumInsight    // the issue figures either way
	Charts   []*chart
	Response responseText
	From, To string // the range as the form shows it, YYYY-MM
	Months   []monthOption
	CSVBase  string // the chart CSV's address, without ?chart=
	// RangeText says which months the figures cover.
	RangeText string
	query     url.Values // the range and forums chosen, for the CSV links
}

// CSVURL is the address of one chart's CSV, for the same range and forums.
func (d *dashboardData) CSVURL(name string) string {
	q := url.Values{"chart": {name}}
	for k, v := range d.query {
		q[k] = v
	}
	return d.CSVBase + "?" + q.Encode()
}

// monthOption is one month in the range form's lists.
type monthOption struct {
	Value, Label string
}

// responseText is the response-time figures as sentences.
type responseText struct {
	Median, P90, Within string // empty when there are too few to show
	Answered            string
}

// chart is one chart: the SVG's geometry and the table beside it.
type chart struct {
	ID, Name       string // ID is unique on the page; Name is the CSV's ?chart=
	Title, Desc    string
	LabelHead      string   // the table's first column heading
	Series         []string // the series' names (legend and table columns)
	Columns        []string // the table's value columns; Series when empty
	Rows           []chartRow
	Bars           []svgBar
	Ticks          []svgTick
	Labels         []svgLabel
	Width          int
	Height         int
	AxisX, AxisTop int // where the value axis line sits
	Baseline       int
	PlotLeft       int
	PlotRight      int
	RTL            bool
	Legend         bool
	Small          bool // narrow bars: smaller value labels
	// Line makes it a line chart over months (Labels): one line per
	// series (Lines), told apart by its marker and its dash as well as by
	// name, never by colour alone.
	Line  bool
	Lines []svgLine
	// lineMonths, lineRows and lineFrom say what a line chart draws: the
	// months' names, the rows drawn, and where their months' cells begin.
	lineMonths []string
	lineRows   []chartRow
	lineFrom   int
}

// svgLine is one series of a line chart.
type svgLine struct {
	Name   string
	Points string // the polyline's "x,y x,y ..."
	Dash   string // stroke-dasharray; "" for a solid line
	Shape  string // the marker's path, centred on 0,0
	Marks  []svgMark
}

// svgMark is one point of a line: hollow when the small-number rule hid
// its count (drawn at the top of the hidden range, as bars are).
type svgMark struct {
	X, Y  int
	Fewer bool
}

// Markers and dashes of a line chart's series, in order: shapes that can
// be filled or hollow, and dashes that stay apart when lines cross.
var (
	lineShapes = []string{
		"M-4.5,0a4.5,4.5 0 1,0 9,0a4.5,4.5 0 1,0 -9,0Z", // circle
		"M-4,-4h8v8h-8Z",                     // square
		"M0,-5.5L5,3.5H-5Z",                  // triangle
		"M0,-5.5L5.5,0L0,5.5L-5.5,0Z",        // diamond
		"M0,5.5L5,-3.5H-5Z",                  // triangle, point down
		"M0,-5L4.8,-1.5L3,4.2H-3L-4.8,-1.5Z", // pentagon
	}
	lineDashes = []string{"", "8 4", "2 3", "10 3 2 3", "5 5", "14 3"}
)

// MaxLines is how many series a line chart draws; the table beside it has
// them all.
const MaxLines = 6 // len(lineShapes) and len(lineDashes)

// chartRow is one row of a chart's table (and its CSV): a label and counts.
type chartRow struct {
	Key   string // the CSV's label: a month (YYYY-MM), a status, a theme
	Label string
	Cells []forum.Count
	Text  []string // the cells as the page shows them
}

// svgBar is one bar.
type svgBar struct {
	X, Y, W, H int
	Series     int
	Fewer      bool
	Class      string
	Text       string // the value above the bar
	TextX      int
	TextY      int
}

// svgTick is one line and value on the value axis.
type svgTick struct {
	Y     int
	Text  string
	TextX int
}

// svgLabel is one category's name under the bars.
type svgLabel struct {
	X, Y   int
	Text   string
	Rotate bool
}

// countText shows a count as a page does: "fewer than 5" when the rule
// hides it, else the number grouped the language's way.
func countText(c forum.Count, t *Tr) string {
	if c.Fewer {
		return t.M("insight.fewer")
	}
	return formatNumber(c.N, t)
}

// monthLabel names a month ("June 2026", "czerwiec 2026").
func monthLabel(m time.Time, t *Tr) string {
	return t.M("insight.month", "Month", monthName(m.Month(), t), "Year", m.Year())
}

// monthName is a month's name standing alone, as a chart, a heading or a
// range names it: the nominative in languages with cases ("styczeń" in
// Polish). A date uses month.<name> instead, the form a day takes
// ("4 stycznia", formatDate): in Polish that is the genitive.
func monthName(m time.Month, t *Tr) string {
	return t.M("month.name." + strings.ToLower(m.String()))
}

// Chart geometry, in SVG user units.
const (
	chartWidth = 640
	chartPlot  = 186 // the bars' height at most
	chartTop   = 24
	chartSide  = 48 // the value axis's side
	chartEnd   = 12
	labelRunes = 24 // the longest name drawn under a bar
)

// frame places a chart's plot for categories with these names (under the
// bars, or the months under a line chart) and returns each category's
// width and whether the names are turned.
func (ch *chart) frame(names []string, rtl bool) (slot int, rotate bool) {
	ch.RTL = rtl
	n := max(len(names), 1)
	// Names longer than labelRunes are cut short under the bars (the table
	// beside has them whole); a character is about 7 units wide.
	longest := 0
	for _, name := range names {
		longest = max(longest, min(utf8.RuneCountInString(name), labelRunes))
	}
	textW := longest * 7
	side, bottom := chartSide, 32
	slot = (chartWidth - side - chartEnd) / n
	// Names turn 40° when they would not fit side by side: a turned name
	// reaches back about cos 40° of its width and down about sin 40°, so
	// the chart keeps room for both inside its own box (and on paper).
	rotate = n > 6 || textW > slot
	if rotate {
		side = min(max(side, textW*77/100-slot/2+8), chartWidth/3)
		bottom = textW*64/100 + 28
		slot = (chartWidth - side - chartEnd) / n
	}
	plotW := slot * n
	ch.Width, ch.Height = chartWidth, chartTop+chartPlot+bottom
	ch.Baseline = chartTop + chartPlot
	ch.PlotLeft, ch.PlotRight, ch.AxisX = side, side+plotW, side
	if rtl {
		ch.PlotRight, ch.AxisX = chartWidth-side, chartWidth-side
		ch.PlotLeft = ch.PlotRight - plotW
	}
	return slot, rotate
}

// scale draws the value axis's ticks up to at least highest and returns
// the axis's top value.
func (ch *chart) scale(highest int) int {
	top := max(forum.SmallCount, highest)
	step := niceStep(top)
	top = (top + step - 1) / step * step
	ch.AxisTop = chartTop
	for v := 0; v <= top; v += step {
		y := ch.Baseline - v*chartPlot/top
		tx := ch.AxisX - 6
		if ch.RTL {
			tx = ch.AxisX + 6
		}
		ch.Ticks = append(ch.Ticks, svgTick{Y: y, Text: strconv.Itoa(v), TextX: tx})
	}
	return top
}

// slotLeft is where category i's slot begins: time and order run right to
// left in a right-to-left language.
func (ch *chart) slotLeft(i, slot int) int {
	if ch.RTL {
		return ch.PlotRight - (i+1)*slot
	}
	return ch.PlotLeft + i*slot
}

// layout computes a chart's bars from its rows: the first len(Series)
// cells of each row, one bar per series, grouped by row.
func (ch *chart) layout(rtl bool) {
	if ch.Line {
		ch.layoutLines(rtl)
		return
	}
	ch.Legend = len(ch.Series) > 1
	names := make([]string, len(ch.Rows))
	for i, r := range ch.Rows {
		names[i] = r.Label
	}
	slot, rotate := ch.frame(names, rtl)
	highest := 0
	for _, r := range ch.Rows {
		for i := range ch.Series {
			highest = max(highest, r.Cells[i].Value())
		}
	}
	top := ch.scale(highest)
	barW := max(slot*7/10/max(len(ch.Series), 1), 2)
	ch.Small = barW < 28
	for i, r := range ch.Rows {
		left := ch.slotLeft(i, slot)
		groupW := barW * len(ch.Series)
		start := left + (slot-groupW)/2
		for si := range ch.Series {
			c := r.Cells[si]
			h := c.Value() * chartPlot / top
			x := start + si*barW
			if rtl {
				x = start + (len(ch.Series)-1-si)*barW
			}
			text := strconv.Itoa(c.N)
			if c.Fewer {
				text = "<5"
			}
			ch.Bars = append(ch.Bars, svgBar{X: x, Y: ch.Baseline - h, W: barW, H: h, Series: si, Fewer: c.Fewer,
				Class: "series-" + strconv.Itoa(si+1), Text: text, TextX: x + barW/2, TextY: ch.Baseline - h - 4})
		}
		ch.Labels = append(ch.Labels, svgLabel{X: left + slot/2, Y: ch.Baseline + 16, Text: shorten(r.Label), Rotate: rotate})
	}
}

// layoutLines draws a line chart over months: the lines are the rows of
// lineRows (each row's cells from lineFrom on, one per month), the first
// MaxLines of them.
func (ch *chart) layoutLines(rtl bool) {
	ch.Legend = true
	slot, rotate := ch.frame(ch.lineMonths, rtl)
	rows := ch.lineRows
	highest := 0
	for _, r := range rows {
		for _, c := range r.Cells[ch.lineFrom:] {
			highest = max(highest, c.Value())
		}
	}
	top := ch.scale(highest)
	for si, r := range rows {
		l := svgLine{Name: r.Label, Dash: lineDashes[si], Shape: lineShapes[si]}
		points := make([]string, 0, len(ch.lineMonths))
		for i, c := range r.Cells[ch.lineFrom:] {
			x, y := ch.slotLeft(i, slot)+slot/2, ch.Baseline-c.Value()*chartPlot/top
			points = append(points, strconv.Itoa(x)+","+strconv.Itoa(y))
			l.Marks = append(l.Marks, svgMark{X: x, Y: y, Fewer: c.Fewer})
		}
		l.Points = strings.Join(points, " ")
		ch.Lines = append(ch.Lines, l)
	}
	for i, m := range ch.lineMonths {
		ch.Labels = append(ch.Labels, svgLabel{X: ch.slotLeft(i, slot) + slot/2, Y: ch.Baseline + 16, Text: shorten(m), Rotate: rotate})
	}
}

// shorten cuts a name to labelRunes characters, ending with "…".
func shorten(s string) string {
	if utf8.RuneCountInString(s) <= labelRunes {
		return s
	}
	return string([]rune(s)[:labelRunes-1]) + "…"
}

// niceStep is a tick step of 1, 2 or 5 times a power of ten giving about
// five ticks up to top.
func niceStep(top int) int {
	for base := 1; ; base *= 10 {
		for _, m := range []int{1, 2, 5} {
			if top/(base*m) <= 5 {
				return base * m
			}
		}
	}
}

// seriesDesc summarises a series over months: its first and last months,
// its highest month and its total.
func seriesDesc(t *Tr, what string, months []time.Time, counts []forum.Count, total forum.Count) string {
	if len(months) == 0 {
		return ""
	}
	hi := 0
	for i, c := range counts {
		if c.Value() > counts[hi].Value() {
			hi = i
		}
	}
	last := len(months) - 1
	return t.M("insight.desc.series", "What", what,
		"First", countText(counts[0], t), "FirstMonth", monthLabel(months[0], t),
		"Last", countText(counts[last], t), "LastMonth", monthLabel(months[last], t),
		"Most", countText(counts[hi], t), "MostMonth", monthLabel(months[hi], t),
		"Total", countText(total, t))
}

// listDesc summarises a chart of categories: each with its count.
func listDesc(t *Tr, rows []chartRow) string {
	if len(rows) == 0 {
		return t.M("insight.desc.none")
	}
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = t.M("insight.desc.item", "Label", r.Label, "Number", r.Text[0])
	}
	return strings.Join(parts, t.M("insight.desc.separator"))
}

// fill writes the rows' page text.
func (ch *chart) fill(t *Tr) {
	if len(ch.Columns) == 0 {
		ch.Columns = ch.Series
	}
	for i := range ch.Rows {
		r := &ch.Rows[i]
		r.Text = make([]string, len(r.Cells))
		for j, c := range r.Cells {
			r.Text[j] = countText(c, t)
		}
	}
}

// issueCharts builds the charts of issue figures.
func issueCharts(t *Tr, in *forum.ForumInsight) []*chart {
	months := &chart{ID: "chart-months", Name: "months", Title: t.M("insight.chart.months"), LabelHead: t.M("insight.col.month"),
		Series: []string{t.M("insight.col.raised"), t.M("insight.col.answered")}}
	for i, m := range in.Months {
		months.Rows = append(months.Rows, chartRow{Key: m.Format("2006-01"), Label: monthLabel(m, t), Cells: []forum.Count{in.Raised[i], in.Answered[i]}})
	}
	months.Desc = seriesDesc(t, t.M("insight.col.raised"), in.Months, in.Raised, in.RaisedTotal) + " " +
		seriesDesc(t, t.M("insight.col.answered"), in.Months, in.Answered, in.AnsweredTotal)

	open := &chart{ID: "chart-open", Name: "open", Title: t.M("insight.chart.open"), LabelHead: t.M("insight.col.status"),
		Series: []string{t.M("insight.col.issues")}}
	for _, sc := range in.Open {
		open.Rows = append(open.Rows, chartRow{Key: string(sc.Status), Label: t.M("status." + string(sc.Status)), Cells: []forum.Count{sc.Count}})
	}

	themes := themeChart(t, in)
	charts := []*chart{months, open, themes}
	for _, ch := range charts {
		ch.fill(t)
	}
	open.Desc = listDesc(t, open.Rows)
	return charts
}

// themeChart is the themes over time: a line per theme across the months
// (the MaxLines themes raised most, in the order of their totals), and the
// table of every theme, its total and each month's count.
func themeChart(t *Tr, in *forum.ForumInsight) *chart {
	ch := &chart{ID: "chart-themes", Name: "themes", Title: t.M("insight.chart.themes"), LabelHead: t.M("insight.col.theme"),
		Columns: []string{t.M("insight.col.total")}, Line: true, lineFrom: 1}
	for _, m := range in.Months {
		ch.Columns = append(ch.Columns, monthLabel(m, t))
		ch.lineMonths = append(ch.lineMonths, monthLabel(m, t))
	}
	for _, tc := range in.Themes {
		ch.Rows = append(ch.Rows, chartRow{Key: tc.Theme, Label: tc.Theme, Cells: append([]forum.Count{tc.Total}, tc.Months...)})
	}
	drawn := topThemes(in.Themes, MaxLines)
	var desc []string
	for _, i := range drawn {
		ch.lineRows = append(ch.lineRows, ch.Rows[i])
		ch.Series = append(ch.Series, in.Themes[i].Theme)
		desc = append(desc, seriesDesc(t, in.Themes[i].Theme, in.Months, in.Themes[i].Months, in.Themes[i].Total))
	}
	switch {
	case len(drawn) == 0:
		desc = []string{t.M("insight.desc.none")}
	case len(drawn) < len(in.Themes):
		desc = append(desc, t.M("insight.themes.top", "Shown", formatNumber(len(drawn), t), "All", formatNumber(len(in.Themes), t)))
	}
	ch.Desc = strings.Join(desc, " ")
	return ch
}

// topThemes returns the places of the n themes with the highest totals
// (as a viewer sees them), highest first; ties keep the forum's order.
// Themes raised nowhere in the range are not drawn.
func topThemes(themes []forum.ThemeCount, n int) []int {
	var idx []int
	for i, tc := range themes {
		if tc.Total.Value() > 0 {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return themes[b].Total.Value() - themes[a].Total.Value() })
	return idx[:min(n, len(idx))]
}

// groupCharts builds a group's own charts: actions by rating and the quiet
// voice by meeting.
func (s *Server) groupCharts(t *Tr, in *steering.GroupInsight) []*chart {
	actions := &chart{ID: "chart-actions", Name: "actions", Title: t.M("insight.chart.actions"), LabelHead: t.M("insight.col.rating"),
		Series: []string{t.M("insight.col.actions")}}
	for _, rc := range in.Actions {
		actions.Rows = append(actions.Rows, chartRow{Key: string(rc.RAG), Label: t.M("steering.rag." + string(rc.RAG)), Cells: []forum.Count{forum.CountOf(rc.Count, true)}})
	}
	quiet := &chart{ID: "chart-questions", Name: "questions", Title: t.M("insight.chart.questions"), LabelHead: t.M("insight.col.meeting"),
		Series: []string{t.M("insight.col.questions")}}
	for _, mq := range in.Questions {
		quiet.Rows = append(quiet.Rows, chartRow{Key: mq.Meeting.StartsAt.In(s.opts.Location).Format(time.DateOnly),
			Label: formatDate(mq.Meeting.StartsAt.In(s.opts.Location), t), Cells: []forum.Count{mq.Count}})
	}
	charts := []*chart{actions, quiet}
	for _, ch := range charts {
		ch.fill(t)
	}
	actions.Desc = listDesc(t, actions.Rows) + " " + t.M("insight.overdue_actions", "Number", formatNumber(in.OverdueCount, t))
	quiet.Desc = listDesc(t, quiet.Rows)
	return charts
}

// dashboard fills what both dashboards share.
func (s *Server) dashboard(c *fiber.Ctx, d *dashboardData, in *forum.ForumInsight, own []*chart) {
	t := s.tr(c)
	d.Issues = in
	d.Charts = append(own, issueCharts(t, in)...)
	for _, ch := range d.Charts {
		ch.layout(t.Lang.Dir == "rtl")
	}
	d.From, d.To = in.Range.From.Format("2006-01"), in.Range.To.Format("2006-01")
	d.RangeText = t.M("insight.range", "From", monthLabel(in.Range.From, t), "To", monthLabel(in.Range.To, t))
	d.query = url.Values{"from": {d.From}, "to": {d.To}}
	if g := d.Group; g != nil && len(g.Chosen) < len(g.Group.ForumIDs) {
		d.query["forum"] = g.Chosen
	}
	// The form offers the three years up to the range's end or now.
	end := forum.MonthStart(time.Now().In(s.opts.Location))
	if in.Range.To.After(end) {
		end = in.Range.To
	}
	for m := end.AddDate(0, -(forum.MaxInsightMonths - 1), 0); !m.After(end); m = m.AddDate(0, 1, 0) {
		d.Months = append(d.Months, monthOption{Value: m.Format("2006-01"), Label: monthLabel(m, t)})
	}
	rt := in.Response
	d.Response.Answered = countText(rt.Answered, t)
	if rt.Timed {
		d.Response.Median = t.M("insight.response.median", "Days", strconv.FormatFloat(rt.Median, 'f', -1, 64))
		d.Response.P90 = t.M("insight.response.p90", "Days", formatNumber(rt.P90, t))
	}
	if rt.Shared {
		d.Response.Within = t.M("insight.response.within", "Percent", formatNumber(rt.Percent, t), "Days", formatNumber(rt.TargetDays, t),
			"Within", countText(rt.WithinTarget, t), "Due", countText(rt.Due, t))
	}
}

// handleForumDashboard shows a forum's dashboard: public figures, or exact
// ones and the overdue list for its facilitators.
func (s *Server) handleForumDashboard(c *fiber.Ctx) error {
	in, err := s.forumInsight(c)
	if err != nil {
		return err
	}
	d := &dashboardData{Forum: in, CSVBase: "/forums/" + in.Forums[0].ID + "/dashboard.csv"}
	s.dashboard(c, d, in, nil)
	p := s.page(c, "", d)
	p.Title = s.tr(c).M("insight.forum.title", "Name", in.Forums[0].Name)
	p.Wide = true
	return s.render(c, fiber.StatusOK, "dashboard", p)
}

func (s *Server) forumInsight(c *fiber.Ctx) (*forum.ForumInsight, error) {
	r := s.deps.Forums.InsightRange(c.Query("from"), c.Query("to"))
	return s.deps.Forums.Insight(c.UserContext(), s.viewer(c), c.Params("id"), r)
}

// handleGroupDashboard shows a group's dashboard to those who may see the
// group, optionally for some of its forums.
func (s *Server) handleGroupDashboard(c *fiber.Ctx) error {
	in, err := s.groupInsight(c)
	if err != nil {
		return err
	}
	t := s.tr(c)
	d := &dashboardData{Group: in, CSVBase: "/groups/" + in.Group.ID + "/dashboard.csv"}
	s.dashboard(c, d, in.Issues, s.groupCharts(t, in))
	p := s.page(c, "", d)
	p.Title = t.M("insight.group.title", "Name", in.Group.Name)
	p.Wide = true
	return s.render(c, fiber.StatusOK, "dashboard", p)
}

func (s *Server) groupInsight(c *fiber.Ctx) (*steering.GroupInsight, error) {
	var ids []string
	for _, v := range c.Context().QueryArgs().PeekMulti("forum") {
		ids = append(ids, string(v))
	}
	r := s.deps.Steering.InsightRange(c.Query("from"), c.Query("to"))
	return s.deps.Steering.Insight(c.UserContext(), principal(c), c.Params("id"), r, ids)
}

// handleForumDashboardCSV sends one chart of a forum's dashboard as CSV.
func (s *Server) handleForumDashboardCSV(c *fiber.Ctx) error {
	in, err := s.forumInsight(c)
	if err != nil {
		return err
	}
	return s.sendChartCSV(c, fileStem(in.Forums[0].Name, "forum"), issueCharts(s.tr(c), in))
}

// handleGroupDashboardCSV sends one chart of a group's dashboard as CSV.
func (s *Server) handleGroupDashboardCSV(c *fiber.Ctx) error {
	in, err := s.groupInsight(c)
	if err != nil {
		return err
	}
	t := s.tr(c)
	return s.sendChartCSV(c, fileStem(in.Group.Name, "group"), append(s.groupCharts(t, in), issueCharts(t, in.Issues)...))
}

// sendChartCSV sends the chart ?chart= names; ErrNotFound when none has
// that name.
func (s *Server) sendChartCSV(c *fiber.Ctx, stem string, charts []*chart) error {
	name := c.Query("chart", charts[0].Name)
	for _, ch := range charts {
		if ch.Name != name {
			continue
		}
		body, err := chartCSV(ch)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+stem+"-"+ch.Name+`.csv"`)
		return c.Send(body)
	}
	return forum.ErrNotFound
}

// chartCSV writes a chart's table as RFC 4180 CSV: a heading row in the
// page's language, each row's key (a month as YYYY-MM, a status, a theme)
// and its counts, "<5" where the small-number rule hides one. Every cell
// is formula-safe (csvCell).
func chartCSV(ch *chart) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	head := []string{csvCell(ch.LabelHead)}
	for _, col := range ch.Columns {
		head = append(head, csvCell(col))
	}
	if err := w.Write(head); err != nil {
		return nil, err
	}
	for _, r := range ch.Rows {
		rec := []string{csvCell(r.Key)}
		for _, cell := range r.Cells {
			rec = append(rec, csvCell(cell.String()))
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
