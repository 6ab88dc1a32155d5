// Package metrics exposes AgriTrace's operational figures to Prometheus:
// HTTP requests by route template, scans by verdict, events written, the
// anchoring outbox and its lag, the ledger's height and store failures.
// Instrumentation stays out of the domain: the HTTP layer reports each
// request through ObserveRequest, a store wrapper (Store) counts what is
// committed and what fails, and gauges are read from the store and the
// ledger when Prometheus scrapes.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors of one service instance in a registry of
// its own, so that tests and several instances in one process do not share
// counts.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	scans       *prometheus.CounterVec
	events      *prometheus.CounterVec
	settled     *prometheus.CounterVec
	storeErrors *prometheus.CounterVec
	// emptyAt is when the outbox was last seen empty (Unix nanoseconds).
	emptyAt atomic.Int64
}

// New returns metrics with the Go runtime and process collectors registered.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agritrace_http_requests_total",
			Help: "HTTP requests answered, by method, route template and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "agritrace_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method, route template and status code.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "code"}),
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agritrace_scans_total",
			Help: "Label and lot scans recorded, by verdict.",
		}, []string{"verdict"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agritrace_events_written_total",
			Help: "Custody events committed to the store, by event type.",
		}, []string{"type"}),
		settled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agritrace_anchor_records_total",
			Help: "Outbox records settled by the ledger, by outcome (anchored or rejected).",
		}, []string{"outcome"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agritrace_store_errors_total",
			Help: "Store calls that failed for a reason other than a missing thing or a conflict, by store method.",
		}, []string{"op"}),
	}
	m.emptyAt.Store(time.Now().UnixNano())
	m.reg.MustRegister(m.requests, m.latency, m.scans, m.events, m.settled, m.storeErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// methods are the HTTP methods counted by name; any other is "other", so that
// a client cannot grow the label set.
var methods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// ObserveRequest counts one answered request. route must be the route
// template ("/api/v1/lots/:id"), never the path, so that the label set stays
// bounded; "" (no route matched) is counted as "unmatched".
func (m *Metrics) ObserveRequest(method, route string, status int, d time.Duration) {
	if !methods[method] {
		method = "other"
	}
	if route == "" {
		route = "unmatched"
	}
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(method, route, code).Inc()
	m.latency.WithLabelValues(method, route, code).Observe(d.Seconds())
}

// Heighted is a ledger that knows how many blocks it holds (the embedded
// ledger does; the Fabric gateway client does not).
type Heighted interface {
	Height() uint64
}

// WatchLedger exports the ledger's height, read at each scrape, when the
// ledger can tell it.
func (m *Metrics) WatchLedger(l any) {
	h, ok := l.(Heighted)
	if !ok {
		return
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "agritrace_ledger_height",
		Help: "Blocks on the ledger.",
	}, func() float64 { return float64(h.Height()) }))
}

// Outbox is the part of the store the outbox gauges read.
type Outbox interface {
	PendingAnchorCount(ctx context.Context) (int, error)
}

// scrapeTimeout bounds the store read behind a scrape.
const scrapeTimeout = 5 * time.Second

// outboxCollector reads the outbox depth at scrape time and derives the
// anchoring lag from when the outbox was last seen empty.
type outboxCollector struct {
	m       *Metrics
	outbox  Outbox
	pending *prometheus.Desc
	lag     *prometheus.Desc
}

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.lag
}

// Collect emits nothing when the store cannot be read, rather than a made-up
// zero; the failure is counted in agritrace_store_errors_total.
func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	n, err := c.outbox.PendingAnchorCount(ctx)
	if err != nil {
		return
	}
	now := time.Now()
	if n == 0 {
		c.m.sawEmpty(now)
	}
	lag := now.Sub(time.Unix(0, c.m.emptyAt.Load()))
	if n == 0 {
		lag = 0
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, lag.Seconds())
}

// sawEmpty records that the outbox held nothing at t.
func (m *Metrics) sawEmpty(t time.Time) {
	m.emptyAt.Store(t.UnixNano())
}

func (m *Metrics) watchOutbox(o Outbox) {
	m.reg.MustRegister(outboxCollector{
		m: m, outbox: o,
		pending: prometheus.NewDesc("agritrace_outbox_pending",
			"Outbox records committed but not yet on the ledger.", nil, nil),
		lag: prometheus.NewDesc("agritrace_anchor_lag_seconds",
			"Time since the outbox was last seen empty, 0 when it is empty: an upper bound on how long the oldest record not yet on the ledger has waited.", nil, nil),
	})
}
