package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// table is the run's report: one row per figure.
type table struct {
	rows []row
}

// row is a figure beside its baseline, with the target it is held to.
type row struct {
	figure, value, baseline, ratio, target string
	checked, ok                            bool
}

// info adds a figure without a target.
func (t *table) info(figure, value, baseline, ratio string) {
	t.rows = append(t.rows, row{figure: figure, value: value, baseline: baseline, ratio: ratio})
}

// check adds a figure held to a target.
func (t *table) check(figure, value, baseline, ratio, target string, ok bool) {
	t.rows = append(t.rows, row{figure, value, baseline, ratio, target, true, ok})
}

// ratioAtMost adds a figure whose ratio to its baseline must be at most max.
func (t *table) ratioAtMost(figure string, v, base float64, format func(float64) string, max float64) {
	ratio := v / base
	t.check(figure, format(v), format(base), fmt.Sprintf("%.2f", ratio), fmt.Sprintf("ratio ≤ %g", max), base > 0 && ratio <= max)
}

// ratioAtLeast adds a figure whose ratio to its baseline must be at least min.
func (t *table) ratioAtLeast(figure string, v, base float64, format func(float64) string, min float64) {
	ratio := v / base
	t.check(figure, format(v), format(base), fmt.Sprintf("%.3f", ratio), fmt.Sprintf("ratio ≥ %g", min), base > 0 && ratio >= min)
}

// missed counts the figures that miss their target.
func (t *table) missed() int {
	n := 0
	for _, r := range t.rows {
		if r.checked && !r.ok {
			n++
		}
	}
	return n
}

func (t *table) print(out io.Writer) {
	if len(t.rows) == 0 {
		return
	}
	fmt.Fprintln(out)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "figure\tchorus\tbaseline\tratio\ttarget\t")
	for _, r := range t.rows {
		verdict := ""
		if r.checked {
			verdict = "ok"
			if !r.ok {
				verdict = "MISSED"
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.figure, dash(r.value), dash(r.baseline), dash(r.ratio), strings.TrimSpace(r.target+" "+verdict), "")
	}
	w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// percentile returns the p-th percentile (0 < p ≤ 100) of ds, sorting ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := int(float64(len(ds))*p/100+0.5) - 1
	return ds[max(0, min(i, len(ds)-1))]
}

// Formats for table cells.
func ms(v float64) string     { return fmt.Sprintf("%.1f ms", v) }
func us(v float64) string     { return fmt.Sprintf("%.1f µs", v) }
func kb(v float64) string     { return fmt.Sprintf("%.1f KB", v/1024) }
func perSec(v float64) string { return fmt.Sprintf("%.0f/s", v) }

// msOf is d in milliseconds, for the formats above.
func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
