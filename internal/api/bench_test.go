package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/metrics"
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

func benchScan(b *testing.B, accept string, hot bool, opts ...func(*options)) {
	// Kept provenance lives as long as the service's default keeps it.
	e := start(b, append([]func(*options){keptFor(30 * time.Second)}, opts...)...)
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

// BenchmarkScanMetrics is BenchmarkScanJSON with and without Prometheus
// metrics (the request middleware and the instrumented store): the ratio of
// the two is the metrics' cost on the scan path. Request IDs are on in both.
func BenchmarkScanMetrics(b *testing.B) {
	b.Run("metrics=off", func(b *testing.B) { benchScan(b, "application/json", false) })
	b.Run("metrics=on", func(b *testing.B) {
		benchScan(b, "application/json", false, func(o *options) { o.metrics = metrics.New() })
	})
}

// BenchmarkBatch measures events per second through POST /api/v1/batch into
// SQLite (one transaction and one fsync per batch) with anchoring running
// alongside: the collection center commissions lots, inspects and ships
// them, as a day's intake is uploaded.
func BenchmarkBatch(b *testing.B) {
	for _, size := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("events=%d", size), func(b *testing.B) { benchBatch(b, size) })
	}
}

func benchBatch(b *testing.B, size int) {
	e := start(b)
	for _, p := range demo.Products() {
		if err := e.as(p.Owner).Do(bg, "POST", "/api/v1/products", p, nil); err != nil {
			b.Fatal(err)
		}
	}
	bodies := make([][]byte, b.N)
	for i := range bodies {
		var evs []demo.BatchEvent
		for j := 0; len(evs) < size; j++ {
			number := fmt.Sprintf("B%dN%d", i, j)
			id := trace.LotID(demo.Seed, number)
			evs = append(evs,
				demo.BatchEvent{Op: "commission", Body: trace.CommissionInput{
					GTIN: demo.Seed, Lot: number, Quantity: 5_000_000,
					Origin: &trace.Origin{Region: "420526101201", Village: "桃园村", HarvestDate: "2026-05-12"},
				}},
				demo.BatchEvent{Op: "inspect", Lot: id, Body: trace.InspectInput{Results: map[string]any{"moisture": 7.1, "oilContent": 41.2}}},
				demo.BatchEvent{Op: "inspect", Lot: id, Body: trace.InspectInput{Results: map[string]any{"impurities": 1.2}}},
				demo.BatchEvent{Op: "ship", Lot: id, Body: trace.ShipInput{To: demo.Mill}},
			)
		}
		bodies[i], _ = json.Marshal(map[string]any{"events": evs[:size]})
	}
	b.ResetTimer()
	for i := range b.N {
		req, _ := http.NewRequest("POST", e.URL+"/api/v1/batch", bytes.NewReader(bodies[i]))
		req.Header.Set("Authorization", "Bearer "+e.Keys[demo.Collector])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var a demo.BatchAnswer
		err = json.NewDecoder(resp.Body).Decode(&a)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || a.Accepted != size {
			b.Fatalf("batch %d: status %d, %d accepted, %v", i, resp.StatusCode, a.Accepted, err)
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
}
