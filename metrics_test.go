package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

var metricsRe = regexp.MustCompile(`Metrics are served on (http://\S+)`)

// TestMetrics starts Chorus with CHORUS_METRICS_ADDR, makes requests, then
// scrapes /metrics on its own listener and parses it as Prometheus does:
// request latency moved for the route patterns asked for, the store and
// live figures are there, no label holds an ID or a URL, and the public
// site does not serve /metrics.
func TestMetrics(t *testing.T) {
	dir := t.TempDir()
	f := seedForum(t, dir)
	inst := startChorus(t, dir, map[string]string{"CHORUS_METRICS_ADDR": "127.0.0.1:0"})
	var scrape string
	for deadline := time.Now().Add(5 * time.Second); scrape == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := metricsRe.FindStringSubmatch(inst.Stdout.String()); m != nil {
			scrape = m[1]
		}
	}
	if scrape == "" {
		t.Fatalf("no metrics address in the output:\n%s", inst.Stdout.String())
	}
	get := func(url string) int {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for range 3 {
		get(inst.URL + "/forums/" + f.ID)
	}
	get(inst.URL + "/privacy")
	get(inst.URL + "/issues/no-such-issue-0123456789")
	get(inst.URL + "/no/such/page/abcdef")
	if code := get(inst.URL + "/metrics"); code != http.StatusNotFound {
		t.Errorf("the public site answers /metrics with %d; want 404", code)
	}

	res, err := http.Get(scrape)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	families, err := new(expfmt.TextParser).TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	count := func(name string, labels map[string]string) uint64 {
		var n uint64
		for _, m := range families[name].GetMetric() {
			ok := true
			for _, l := range m.GetLabel() {
				if want, set := labels[l.GetName()]; set && want != l.GetValue() {
					ok = false
				}
			}
			if ok {
				n += m.GetHistogram().GetSampleCount()
			}
		}
		return n
	}
	const req = "chorus_http_request_duration_seconds"
	if n := count(req, map[string]string{"route": "/forums/:id", "method": "GET", "status": "2xx"}); n != 3 {
		t.Errorf("GET /forums/:id 2xx counted %d times; want 3", n)
	}
	if n := count(req, map[string]string{"route": "/privacy", "status": "2xx"}); n != 1 {
		t.Errorf("GET /privacy counted %d times; want 1", n)
	}
	if n := count(req, map[string]string{"route": "/issues/:id", "status": "4xx"}); n != 1 {
		t.Errorf("GET /issues/:id 4xx counted %d times; want 1", n)
	}
	if n := count(req, map[string]string{"route": "unmatched"}); n < 2 {
		t.Errorf("unmatched requests counted %d times; want at least 2 (a page and /metrics)", n)
	}
	if n := count("chorus_store_ping_duration_seconds", nil); n < 1 {
		t.Error("no store ping measured")
	}
	for _, name := range []string{"chorus_store_up", "chorus_live_connections", "chorus_live_rooms",
		"chorus_live_events_published_total", "chorus_live_clients_dropped_total", "go_goroutines"} {
		if families[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	if v := families["chorus_store_up"].GetMetric()[0].GetGauge().GetValue(); v != 1 {
		t.Errorf("chorus_store_up = %v", v)
	}
	// No label may carry an ID, a URL or anything a person typed.
	ids := regexp.MustCompile(`[0-9a-f]{8,}|no-such|abcdef|/no/`)
	for name, fam := range families {
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				if ids.MatchString(l.GetValue()) || strings.Contains(l.GetValue(), f.ID) {
					t.Errorf("%s has label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
	_ = dto.MetricType_COUNTER
}
