package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are this instance's Prometheus metrics. They are served by
// MetricsHandler on a separate listener (CHORUS_METRICS_ADDR), never on the
// public site. Labels are bounded and hold no personal data: a request is
// labelled by its route pattern from the route table ("/issues/:id"), never
// its URL, so no ID becomes a label.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	store    prometheus.Histogram
	storeUp  prometheus.Gauge
	known    map[string]bool // "METHOD /pattern" of every route in the table
}

// Long-lived routes: their duration is a connection's life, not a request's
// latency, so they are counted by the live gauges instead.
var unmeasured = map[string]bool{"GET /live": true, "GET /live/events": true}

func (s *Server) newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), known: map[string]bool{}}
	for _, r := range s.Routes() {
		m.known[r.Method+" "+r.Path] = true
	}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "chorus_http_request_duration_seconds",
		Help:    "Time to answer a request, by route pattern (never the URL), method and status class. Live connections are not included.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method", "status"})
	m.store = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "chorus_store_ping_duration_seconds",
		Help:    "Round trip to the store (its Ping), measured at each scrape: the store's own latency, not the time of any one query.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	})
	m.storeUp = prometheus.NewGauge(prometheus.GaugeOpts{Name: "chorus_store_up", Help: "1 when the store answered the last ping, else 0."})
	live := func(f func() float64) func() float64 {
		return func() float64 {
			if s.live == nil {
				return 0
			}
			return f()
		}
	}
	m.reg.MustRegister(m.requests, m.store, m.storeUp,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chorus_live_connections", Help: "Live-update connections (websocket and server-sent events) on this instance."},
			live(func() float64 { return float64(s.live.hub.Stats().Connections) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chorus_live_rooms", Help: "Rooms (pages) watched on this instance."},
			live(func() float64 { return float64(s.live.hub.Stats().Rooms) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "chorus_live_events_published_total", Help: "Live events numbered and published from this instance."},
			live(func() float64 { return float64(s.live.hub.Stats().Published) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "chorus_live_clients_dropped_total", Help: "Live clients cut off because they could not keep up."},
			live(func() float64 { return float64(s.live.hub.Stats().Dropped) })),
	)
	return m
}

// measure is the middleware timing each request.
func (s *Server) measure(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		status = statusOf(err)
	}
	route, method := c.Route().Path, c.Method()
	key := method + " " + route
	if unmeasured[key] {
		return err
	}
	// The catch-all that answers "not found" is middleware on "/": a page
	// that is not found must not count as the home page.
	if !s.metrics.known[key] || (route == "/" && c.Path() != "/") {
		route, method = "unmatched", "other"
		if _, ok := map[string]bool{"GET": true, "POST": true, "HEAD": true}[c.Method()]; ok {
			method = c.Method()
		}
	}
	s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(status/100)+"xx").Observe(time.Since(start).Seconds())
	return err
}

// ping asks the store whether it answers and records how long it took.
func (s *Server) ping(ctx context.Context) error {
	if s.deps.Ready == nil {
		return nil
	}
	start := time.Now()
	err := s.deps.Ready(ctx)
	s.metrics.store.Observe(time.Since(start).Seconds())
	if err != nil {
		s.metrics.storeUp.Set(0)
	} else {
		s.metrics.storeUp.Set(1)
	}
	return err
}

// MetricsHandler serves /metrics in Prometheus text format. Serve it on a
// listener of its own (CHORUS_METRICS_ADDR), not the public one.
func (s *Server) MetricsHandler() http.Handler {
	h := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		s.ping(ctx) // the result is the chorus_store_* metrics
		cancel()
		h.ServeHTTP(w, r)
	})
}
