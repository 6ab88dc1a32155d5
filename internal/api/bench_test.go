package api_test

import (
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// BenchmarkIngest measures custody events per second through the HTTP API into
// SQLite (full fsync per commit) with anchoring running alongside. Parallel
// clients each write to their own lot, as scanners at different sites do.
func BenchmarkIngest(b *testing.B) {
	e := start(b)
	for _, p := range demo.Products() {
		if err := e.as(p.Owner).Do(bg, "POST", "/api/v1/products", p, nil); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := e.as(demo.Collector)
		var r trace.Result
		err := c.Do(bg, "POST", "/api/v1/lots", trace.CommissionInput{
			GTIN: demo.Seed, Lot: fmt.Sprintf("BENCH%d", n.Add(1)), Quantity: 1_000_000,
			Origin: &trace.Origin{Region: "420526", Village: "桃园村"},
		}, &r)
		if err != nil {
			b.Error(err)
			return
		}
		in := trace.InspectInput{Results: map[string]any{"moisture": 7.1}}
		for pb.Next() {
			if err := c.Do(bg, "POST", "/api/v1/lots/"+r.Lots[0].ID+"/inspect", in, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func benchScan(b *testing.B, accept string, hot bool) {
	// Kept provenance lives as long as the service's default keeps it.
	e := start(b, keptFor(30*time.Second))
	st := e.story(b)
	urls := st.BottleURLs
	if hot {
		urls = []string{st.ShelfURL}
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", urls[int(next.Add(1))%len(urls)], nil)
			req.Header.Set("Accept", accept)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "scans/s")
}

// BenchmarkScanJSON and BenchmarkScanHTML measure scans of the bottles of a
// lot, in turn, as shoppers scan them: each bottle's history spans five lots
// and twenty events, verified against the ledger and then kept while no event
// is added to them.
func BenchmarkScanJSON(b *testing.B) { benchScan(b, "application/json", false) }
func BenchmarkScanHTML(b *testing.B) { benchScan(b, "text/html", false) }

// BenchmarkScanHotLabel scans one label over and over, as when a cloned code
// is printed on a whole batch of fakes: each scan judges the label on its
// scan summary, with the scans still queued folded in.
func BenchmarkScanHotLabel(b *testing.B) { benchScan(b, "application/json", true) }
