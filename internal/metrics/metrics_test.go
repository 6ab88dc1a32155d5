package metrics_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/embedded"
	"github.com/agritrace/agritrace/internal/metrics"
	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// labelled returns the samples of a family as label set -> value.
func labelled(fams map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	f := fams[name]
	if f == nil {
		return out
	}
	for _, m := range f.Metric {
		key := ""
		for _, l := range m.Label {
			key += l.GetName() + "=" + l.GetValue() + " "
		}
		out[key] = m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
	}
	return out
}

// failingOrgs answers every organization read with a failure of the
// database: the one fake here, for fault injection.
type failingOrgs struct{ trace.Store }

func (failingOrgs) Org(context.Context, string) (trace.Org, error) {
	return trace.Org{}, errors.New("sqlite: disk I/O error")
}

func openStore(t *testing.T) trace.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "agritrace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestStoreFailuresCountedAnswersNot(t *testing.T) {
	m := metrics.New()
	s := m.Store(failingOrgs{openStore(t)})
	ctx := context.Background()
	if _, err := s.Org(ctx, "coop"); err == nil {
		t.Fatal("Org succeeded on a failing store")
	}
	if _, err := s.Lot(ctx, "06901234000016.none"); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Fatalf("Lot = %v, want ENOTFOUND", err)
	}
	got := labelled(scrape(t, m), "agritrace_store_errors_total")
	if len(got) != 1 || got["op=Org "] != 1 {
		t.Errorf("store errors = %v, want one failed Org and no missing lot", got)
	}
	fams := scrape(t, m)
	if got := labelled(fams, "agritrace_outbox_pending"); got[""] != 0 || len(got) != 1 {
		t.Errorf("outbox pending on an empty store = %v", got)
	}
}

func TestRequestLabelsStayBounded(t *testing.T) {
	m := metrics.New()
	m.ObserveRequest("GET", "/api/v1/lots/:id", 200, time.Millisecond)
	m.ObserveRequest("BREW", "", 405, time.Millisecond)
	m.ObserveRequest("PROPFIND", "", 405, time.Millisecond)
	got := labelled(scrape(t, m), "agritrace_http_requests_total")
	want := map[string]float64{
		"code=200 method=GET route=/api/v1/lots/:id ": 1,
		"code=405 method=other route=unmatched ":      2,
	}
	if len(got) != len(want) {
		t.Fatalf("requests = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("requests[%s] = %v, want %v", k, got[k], v)
		}
	}
}

func TestLedgerHeightWhenKnown(t *testing.T) {
	l, err := embedded.Open(filepath.Join(t.TempDir(), "ledger.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	m := metrics.New()
	m.WatchLedger(l)
	if got := labelled(scrape(t, m), "agritrace_ledger_height"); len(got) != 1 || got[""] != float64(l.Height()) {
		t.Errorf("ledger height = %v, ledger says %d", got, l.Height())
	}
	unknown := metrics.New()
	unknown.WatchLedger(struct{ trace.Ledger }{l})
	if _, ok := scrape(t, unknown)["agritrace_ledger_height"]; ok {
		t.Error("a ledger that cannot tell its height got a height")
	}
}
