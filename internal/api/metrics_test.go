package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/metrics"
	"github.com/agritrace/agritrace/internal/trace"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads m as Prometheus would and parses it with Prometheus's own
// text parser.
func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value is the value of the sample of family name with exactly these
// labels (a histogram's count), or 0 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return 0
	}
	for _, m := range f.Metric {
		if !hasLabels(m, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

func hasLabels(m *dto.Metric, labels []string) bool {
	if len(m.Label) != len(labels)/2 {
		return false
	}
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, l := range m.Label {
			found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
		}
		if !found {
			return false
		}
	}
	return true
}

// TestMetricsCountRealWork drives the demo story through the real service
// and checks that every counter moved by what was done, with bounded labels.
func TestMetricsCountRealWork(t *testing.T) {
	m := metrics.New()
	e := start(t, func(o *options) { o.metrics, o.noWorker = m, true })
	ctx := context.Background()
	st, err := demo.Run(ctx, e.URL, e.Keys, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	get(t, e.URL+"/no/such/page")
	req, _ := http.NewRequest("BREW", e.URL+"/healthz", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	_, body := get(t, st.SoldURL, "Accept", "application/json")
	var scanned struct{ Verdict string }
	if err := json.Unmarshal([]byte(body), &scanned); err != nil || scanned.Verdict == "" {
		t.Fatalf("scan answer %q: %v", body, err)
	}
	if err := e.Scans.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, m)

	// Requests: by route template, never by path.
	if got := value(fams, "agritrace_http_requests_total", "method", "POST", "route", "/api/v1/lots/:id/ship", "code", "201"); got != 4 {
		t.Errorf("ship requests = %v, want 4 (two seed lots, two legs of bottles)", got)
	}
	if got := value(fams, "agritrace_http_request_duration_seconds", "method", "POST", "route", "/api/v1/lots/:id/ship", "code", "201"); got != 4 {
		t.Errorf("ship latency observations = %v, want 4", got)
	}
	if got := value(fams, "agritrace_http_requests_total", "method", "GET", "route", "unmatched", "code", "404"); got != 1 {
		t.Errorf("unmatched requests = %v, want 1", got)
	}
	if got := value(fams, "agritrace_http_requests_total", "method", "other", "route", "unmatched", "code", "405"); got != 1 {
		t.Errorf("BREW /healthz = %v, want 1 under method other", got)
	}
	for _, s := range fams["agritrace_http_requests_total"].Metric {
		for _, l := range s.Label {
			if l.GetName() == "route" && (strings.Contains(l.GetValue(), st.BottleLot) || strings.Contains(l.GetValue(), demo.Bottle)) {
				t.Errorf("route label %q carries a path, not a template", l.GetValue())
			}
		}
	}

	// Events written, by type, equal what the store holds.
	lots, err := e.Store.Lots(ctx, trace.LotFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{}
	total := 0
	for _, l := range lots {
		evs, err := e.Store.Events(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			want[ev.Type]++
			total++
		}
	}
	for typ, n := range want {
		if got := value(fams, "agritrace_events_written_total", "type", typ); got != n {
			t.Errorf("events written of type %s = %v, store holds %v", typ, got, n)
		}
	}

	// The scan, by its verdict.
	if got := value(fams, "agritrace_scans_total", "verdict", scanned.Verdict); got != 1 {
		t.Errorf("scans with verdict %s = %v, want 1", scanned.Verdict, got)
	}

	// With the worker stopped, every event waits in the outbox.
	if got := value(fams, "agritrace_outbox_pending"); got != float64(total) {
		t.Errorf("outbox pending = %v, want %d events", got, total)
	}
	if got := value(fams, "agritrace_anchor_lag_seconds"); got <= 0 {
		t.Errorf("anchor lag = %v with a full outbox, want > 0", got)
	}
	anchored, err := e.Worker.Drain(ctx)
	if err != nil || anchored != total {
		t.Fatalf("Drain = %d, %v; want %d", anchored, err, total)
	}
	fams = scrape(t, m)
	if got := value(fams, "agritrace_outbox_pending"); got != 0 {
		t.Errorf("outbox pending after draining = %v", got)
	}
	if got := value(fams, "agritrace_anchor_lag_seconds"); got != 0 {
		t.Errorf("anchor lag after draining = %v", got)
	}
	if got := value(fams, "agritrace_anchor_records_total", "outcome", trace.AnchorAnchored); got != float64(total) {
		t.Errorf("anchored records = %v, want %d", got, total)
	}
	height := e.Ledger.(interface{ Height() uint64 }).Height()
	if got := value(fams, "agritrace_ledger_height"); got != float64(height) || height == 0 {
		t.Errorf("ledger height = %v, ledger says %d", got, height)
	}
	if got := value(fams, "agritrace_store_errors_total"); got != 0 {
		t.Errorf("store errors = %v on a healthy store", got)
	}
}
