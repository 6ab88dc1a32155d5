package api_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/api"
	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/trace"
)

// TestRepeatedProbesFold: someone trying serials from one address (or one
// IPv6 /64) leaves one alert for the window, not one row per try; another
// source gets its own, and a genuine scan is kept as always.
func TestRepeatedProbesFold(t *testing.T) {
	e := start(t, func(o *options) {
		o.server = func(s *api.Server) {
			s.ProbeWindow = time.Hour
			s.TrustedProxies = []string{"127.0.0.1"}
		}
	})
	st := e.story(t)
	good, err := url.Parse(st.ShelfURL)
	if err != nil {
		t.Fatal(err)
	}
	page := e.URL + "/provenance" + good.Path
	probe := func(from string, i int) {
		t.Helper()
		serial := strings.ToUpper(strings.Repeat("Z", 9) + string(rune('A'+i%26)) + string(rune('A'+i/26)) + "Q")
		u := page[:strings.LastIndex(page, "/")+1] + serial + "?" + good.RawQuery
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-Forwarded-For", from)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("probe %s from %s = %d", serial, from, resp.StatusCode)
		}
	}
	for i := range 30 {
		probe("203.0.113.7", i)
	}
	for i := range 5 {
		probe("2001:db8:1:2::"+string(rune('1'+i)), i)
	}
	probe("2001:db8:1:3::1", 0)
	if status, _ := get(t, st.ShelfURL); status != 200 {
		t.Fatalf("genuine scan = %d", status)
	}
	if err := e.Scans.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	scans, err := e.Store.Scans(context.Background(), trace.ScanFilter{Verdicts: scan.AlertVerdicts})
	if err != nil {
		t.Fatal(err)
	}
	probes := 0
	for _, sc := range scans {
		if scan.Probe(sc) && strings.HasPrefix(sc.Serial, "ZZZZZZZZZ") {
			probes++
		}
	}
	if probes != 3 {
		t.Errorf("%d probe alerts kept, want 3 (one per source: an IPv4 address, a /64, another /64)", probes)
	}
}

// TestDashboardShowsFoldedProbes: the regulator's dashboard says how many
// probes a folded alert stands for.
func TestDashboardShowsFoldedProbes(t *testing.T) {
	re := startRegulator(t)
	folded := trace.Scan{ID: "folded-probes", Serial: "ZZZZZZZZZZZQ", Lot: re.st.BottleLot, Time: time.Now().UTC(), Client: scan.Consumer,
		Verdict: scan.NotGenuine, Reasons: []string{scan.UnknownSerial, scan.RepeatedProbes}, Count: 49, Since: time.Now().UTC().Add(-time.Minute)}
	if err := re.Store.AddScan(context.Background(), folded); err != nil {
		t.Fatal(err)
	}
	c := consoleClient(t, re.URL, "amr.inspector", consolePassword)
	resp, err := c.Get(re.URL + "/console/dashboard?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "× 49 probes from one source, folded") {
		t.Errorf("dashboard = %d, without the folded alert's count", resp.StatusCode)
	}
}
