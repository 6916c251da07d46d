package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// benchSupports has many visitors support one issue at once while others
// watch its count: PERFORMANCE.md target 4 (and the coalescing of 3).
func (r *runner) benchSupports() error {
	ch, err := r.chorus()
	if err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	p, err := ch.start(addr, "chorus-supports.log")
	if err != nil {
		return err
	}
	defer p.stop()
	issuePath := "/issues/" + ch.supported
	step("%d visitors open the issue page", r.supporters)
	visitors, err := newVisitors(addr, issuePath, r.supporters)
	if err != nil {
		return err
	}
	before, err := shownCount(addr, issuePath)
	if err != nil {
		return err
	}
	a, _, err := connect("ws://"+addr+"/live", p.base, "issue:"+ch.supported, r.watchers, 0)
	if err != nil {
		return err
	}
	time.Sleep(time.Second) // presence updates of the joins die down

	step("burst: %d supports from 64 concurrent clients, %d viewers watching", len(visitors), r.watchers)
	cpu0 := p.cpu()
	acks, failed, took := supportBurst(addr, p.base, issuePath, visitors)
	cpu := p.cpu() - cpu0
	want := before + len(acks)
	waitStart := time.Now()
	for time.Since(waitStart) < 10*time.Second && minShown(a) < int64(want) {
		time.Sleep(5 * time.Millisecond)
	}
	a.close()
	final, err := shownCount(addr, issuePath)
	if err != nil {
		return err
	}

	t := &r.table
	rate := float64(len(acks)) / took.Seconds()
	t.check(fmt.Sprintf("supports/s, 64 concurrent (%d supporters)", len(visitors)), perSec(rate), "", "", "≥ 2000/s", rate >= 2000)
	// The server's CPU per support hardly depends on what else the machine
	// runs, unlike the rate: it says how far two quiet cores would go.
	if len(acks) > 0 {
		per := cpu / time.Duration(len(acks))
		t.info("server CPU per support (request, store, live count)", us(float64(per)/float64(time.Microsecond)), "", "")
	}
	t.check("final count = acknowledged supports", fmt.Sprintf("%d = %d", final-before, len(acks)), "", "", "equal", final-before == len(acks))
	t.check("supports refused or failed", fmt.Sprint(failed), "", "", "0", failed == 0)
	p99, last, missing := screenLatency(a, acks, before)
	t.check("support to count on every screen, p99", ms(msOf(p99)), "", "", "≤ 1 s", missing == 0 && p99 <= time.Second)
	t.check("last support to final count on every screen", ms(msOf(last)), "", "", "≤ 1 s", missing == 0 && last <= time.Second)
	t.info(fmt.Sprintf("count updates per viewer in the %.1f s burst (coalesced)", took.Seconds()), fmt.Sprintf("%.1f", countsPerViewer(a)), "", "")
	return nil
}

// supportBurst has every visitor press "support" once, 64 at a time. It
// returns when each acknowledgment arrived, in order, and the failures.
func supportBurst(addr, origin, issuePath string, visitors []visitor) ([]time.Time, int, time.Duration) {
	c := &fasthttp.HostClient{Addr: addr, MaxConns: 64, ReadTimeout: 30 * time.Second}
	var next atomic.Int64
	var failed atomic.Int64
	var mu sync.Mutex
	var acks []time.Time
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Time
			for i := int(next.Add(1)) - 1; i < len(visitors); i = int(next.Add(1)) - 1 {
				v := visitors[i]
				status, err := postForm(c, "http://"+addr+issuePath+"/support", origin, v, "csrf="+v.csrf)
				if err != nil || status != 303 {
					failed.Add(1)
					continue
				}
				mine = append(mine, time.Now())
			}
			mu.Lock()
			acks = append(acks, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(acks, func(i, j int) bool { return acks[i].Before(acks[j]) })
	took := time.Since(start)
	if len(acks) > 0 {
		took = acks[len(acks)-1].Sub(start)
	}
	return acks, int(failed.Load()), took
}

// familiesAffected finds the count an issue page shows ("2,000 families
// affected": numbers are grouped by thousands).
var familiesAffected = regexp.MustCompile(`(\d[\d,]*) famil(?:y|ies) affected`)

// shownCount reads the support count an issue page shows.
func shownCount(addr, path string) (int, error) {
	status, body, _, err := getPage(&fasthttp.HostClient{Addr: addr}, "http://"+addr+path)
	if err != nil {
		return 0, err
	}
	m := familiesAffected.FindSubmatch(body)
	if status != 200 || m == nil {
		return 0, fmt.Errorf("GET %s: status %d, no count on the page", path, status)
	}
	return strconv.Atoi(strings.ReplaceAll(string(m[1]), ",", ""))
}

// minShown is the lowest count any viewer shows.
func minShown(a *audience) int64 {
	low := int64(-1)
	for _, v := range a.viewers {
		if n := v.shown.Load(); low < 0 || n < low {
			low = n
		}
	}
	return low
}

// screenLatency measures, for a sample of the acknowledged supports, how
// long until each viewer showed a count including it (the k-th ack is
// included once the count reaches before+k). It returns the p99, the time
// from the last ack until every screen showed the final count, and how many
// (viewer, support) pairs never got there.
func screenLatency(a *audience, acks []time.Time, before int) (p99, last time.Duration, missing int) {
	if len(acks) == 0 {
		return 0, 0, 0
	}
	stride := max(1, len(acks)/200)
	var lat []time.Duration
	for _, v := range a.viewers {
		for k := stride; k <= len(acks); k += stride {
			if d, ok := shownAfter(v.counts, before+k, acks[k-1]); ok {
				lat = append(lat, d)
			} else {
				missing++
			}
		}
		d, ok := shownAfter(v.counts, before+len(acks), acks[len(acks)-1])
		if !ok {
			missing++
		}
		last = max(last, d)
	}
	return percentile(lat, 99), last, missing
}

// shownAfter is how long after at the viewer first showed a count of at
// least want (zero if it already did).
func shownAfter(seen []countSeen, want int, at time.Time) (time.Duration, bool) {
	for _, s := range seen {
		if s.count >= want {
			return max(0, s.at.Sub(at)), true
		}
	}
	return 0, false
}

// countsPerViewer is how many count updates a viewer received, on average:
// coalescing keeps it near two per second of burst (plus the last one).
func countsPerViewer(a *audience) float64 {
	total := 0
	for _, v := range a.viewers {
		total += len(v.counts)
	}
	return float64(total) / float64(len(a.viewers))
}
