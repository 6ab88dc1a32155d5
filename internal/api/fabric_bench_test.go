package api_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/custody/custodytest"
	"github.com/agritrace/agritrace/chain/fabric"
	"github.com/agritrace/agritrace/internal/anchor"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// The anchoring benchmarks of issue 12's "Keep": records/s settled on Fabric
// through the API, sustained, and the lag from acknowledgement to anchoring at
// a fixed offered rate. Each runs once for a fixed time (use -benchtime 1x).
// The traffic is a county's collection centers recording deliveries: a
// farmer's seed is weighed and commissioned as a lot and graded at once (two
// events, one chain of two records on the ledger).

const (
	// sustainFor is how long uploads go on; the first sustainWarm of it is
	// left out of the rate, while the first calls fill the pipeline.
	sustainFor  = 40 * time.Second
	sustainWarm = 5 * time.Second
	// backlogHigh is the outbox size above which uploads wait: always
	// several worker calls' worth, so the worker never waits for work, and
	// bounded, so the writers do not take the cores the ledger needs.
	backlogHigh = 10_000
	// bareFor is how long the bare ledger is measured before and after.
	bareFor = 10 * time.Second
	// offeredRate and offeredFor are the paced load of the lag benchmark.
	offeredRate = 1000
	offeredFor  = 30 * time.Second
	// settleWithin bounds the wait for the outbox to empty after the load.
	settleWithin = 5 * time.Minute
)

// benchFabric starts the service on Fabric and opens a second connection for
// bare Anchor calls. FABRIC_* variables override client.env (FABRIC_BATCH_SIZE,
// FABRIC_PARALLEL) and AGRITRACE_ANCHOR_BATCH sets the worker's -anchor-batch,
// so that the knobs can be tried without editing code.
func benchFabric(b *testing.B) (*env, *fabric.Ledger) {
	b.Helper()
	path := os.Getenv("AGRITRACE_FABRIC_ENV")
	if path == "" {
		b.Skip("no Fabric network: run scripts/fabric/up.sh and set AGRITRACE_FABRIC_ENV")
	}
	open := func() *fabric.Ledger {
		cfg, err := fabric.LoadEnv(path, "", os.Getenv)
		if err != nil {
			b.Fatal(err)
		}
		l, err := fabric.Open(cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { l.Close() })
		return l
	}
	batch := 0
	if v := os.Getenv("AGRITRACE_ANCHOR_BATCH"); v != "" {
		var err error
		if batch, err = strconv.Atoi(v); err != nil || batch < 1 {
			b.Fatalf("AGRITRACE_ANCHOR_BATCH=%q: want a positive number", v)
		}
	}
	served := open()
	e := start(b, func(o *options) {
		o.ledger = func(trace.Ledger) trace.Ledger { return served }
		if batch > 0 {
			o.worker = func(w *anchor.Worker) { w.Batch = batch }
		}
	})
	for _, p := range demo.Products() {
		if err := e.as(p.Owner).Do(bg, "POST", "/api/v1/products", p, nil); err != nil {
			b.Fatal(err)
		}
	}
	return e, open()
}

// deliveries numbers lots from a prefix new to the ledger, whose chains
// outlive every run.
type deliveries struct {
	prefix string
	next   atomic.Int64
}

func newDeliveries() *deliveries {
	r := make([]byte, 4)
	rand.Read(r)
	return &deliveries{prefix: "D" + hex.EncodeToString(r)}
}

// take returns n deliveries' events and their lots.
func (d *deliveries) take(n int) ([]demo.BatchEvent, []string) {
	evs := make([]demo.BatchEvent, 0, 2*n)
	lots := make([]string, n)
	for i := range lots {
		number := fmt.Sprintf("%sN%d", d.prefix, d.next.Add(1))
		lots[i] = trace.LotID(demo.Seed, number)
		evs = append(evs,
			demo.BatchEvent{Op: "commission", Body: trace.CommissionInput{
				GTIN: demo.Seed, Lot: number, Quantity: 850_000,
				Origin: &trace.Origin{Region: "420526101201", Village: "桃园村", HarvestDate: "2026-05-12"},
			}},
			demo.BatchEvent{Op: "inspect", Lot: lots[i], Body: trace.InspectInput{Results: map[string]any{"moisture": 7.4, "impurities": 1.1, "oilContent": 41.6}}},
		)
	}
	return evs, lots
}

// keepAlive keeps connections open, as each collection center keeps its own;
// the default client keeps two and would dial for most requests.
var keepAlive = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

// upload posts one batch as the collection center and returns when it was
// acknowledged.
func upload(e *env, evs []demo.BatchEvent) (time.Time, error) {
	c := e.as(demo.Collector)
	c.HTTP = keepAlive
	a, err := c.Batch(bg, evs)
	if err != nil {
		return time.Time{}, err
	}
	if a.Accepted != len(evs) {
		return time.Time{}, fmt.Errorf("batch: %d of %d accepted: %+v", a.Accepted, len(evs), a.Results)
	}
	return time.Now(), nil
}

// settle waits for the outbox to empty and returns when each lot's records
// were anchored, as the store recorded it (the worker's settle, after the
// ledger's commit of the whole call).
func settle(b *testing.B, e *env, lots []string) [][]time.Time {
	b.Helper()
	deadline := time.Now().Add(settleWithin)
	for {
		n, err := e.Store.PendingAnchorCount(bg)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d records still pending %s after the load", n, settleWithin)
		}
		time.Sleep(100 * time.Millisecond)
	}
	out := make([][]time.Time, len(lots))
	for i, lot := range lots {
		as, err := e.Store.Anchors(bg, custody.KindEvent, lot)
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range as {
			if a.Status != trace.AnchorAnchored || a.Ledger != "fabric" {
				b.Fatalf("%s seq %d: %s on %q (%s)", lot, a.Seq, a.Status, a.Ledger, a.Error)
			}
			out[i] = append(out[i], a.AnchoredAt)
		}
	}
	return out
}

// bareRate anchors chains shaped like the API's (two records a lot, a
// worker call's worth at a time, one call after the other as the worker
// makes them) for bareFor, and returns records/s.
func bareRate(b *testing.B, l *fabric.Ledger, perCall int) float64 {
	b.Helper()
	prefix := newDeliveries().prefix
	records := 0
	began := time.Now()
	for n := 0; time.Since(began) < bareFor; n++ {
		var recs []custody.Record
		for i := 0; len(recs) < perCall; i++ {
			recs = append(recs, custodytest.Chain(fmt.Sprintf("%sB%dC%d", prefix, n, i), 2)...)
		}
		if _, err := l.Anchor(bg, recs); err != nil {
			b.Fatal(err)
		}
		records += len(recs)
	}
	return float64(records) / time.Since(began).Seconds()
}

// BenchmarkFabricSustained measures records/s anchored on Fabric while
// collection centers upload deliveries through POST /api/v1/batch (50
// deliveries, 100 events a request, four centers at once) for sustainFor,
// pausing while the outbox holds more than backlogHigh records; the smallest
// outbox seen shows whether anchoring, not supply, was the limit. It counts the records whose anchoring
// the store recorded after sustainWarm and before the uploads stopped, and
// compares with bare Anchor calls from this process just before and after.
func BenchmarkFabricSustained(b *testing.B) {
	e, bare := benchFabric(b)
	var rate, bareSum, backlogMin, written, perCall, callMS float64
	runs := 0
	for b.Loop() {
		before := bareRate(b, bare, e.Worker.Batch)
		r := sustain(b, e)
		after := bareRate(b, bare, e.Worker.Batch)
		b.Logf("anchored %.0f records/s through the API (%.0f events/s written, backlog at least %.0f); bare ledger %.0f before, %.0f after",
			r.rate, r.written, r.backlogMin, before, after)
		rate, bareSum, backlogMin, written = rate+r.rate, bareSum+(before+after)/2, backlogMin+r.backlogMin, written+r.written
		perCall, callMS = perCall+r.perCall, callMS+float64(r.callGap.Milliseconds())
		runs++
	}
	n := float64(runs)
	b.ReportMetric(rate/n, "records/s")
	b.ReportMetric(bareSum/n, "bare-records/s")
	b.ReportMetric(rate/bareSum, "of-bare")
	b.ReportMetric(written/n, "written-events/s")
	b.ReportMetric(backlogMin/n, "backlog-min")
	b.ReportMetric(perCall/n, "records/call")
	b.ReportMetric(callMS/n, "call-ms")
	reportLoad(b)
	b.ReportMetric(0, "ns/op")
}

// sustained is what one run of the uploads measured.
type sustained struct {
	rate, written, backlogMin, perCall float64
	callGap                            time.Duration
}

// sustain uploads for sustainFor, waits for the outbox to empty and measures
// from the store's anchored times.
func sustain(b *testing.B, e *env) sustained {
	b.Helper()
	d := newDeliveries()
	var (
		mu      sync.Mutex
		lots    []string
		backlog atomic.Int64
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	began := time.Now()
	measureFrom := began.Add(sustainWarm)
	low := int64(math.MaxInt64)
	stopWatch := watchOutbox(b, e, func(n int) {
		backlog.Store(int64(n))
		if time.Now().After(measureFrom) {
			low = min(low, int64(n))
		}
	})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if backlog.Load() > backlogHigh {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				evs, ls := d.take(50)
				if _, err := upload(e, evs); err != nil {
					b.Error(err)
					return
				}
				// An upload adds up to 100 records before the next sample.
				backlog.Add(int64(len(evs)))
				mu.Lock()
				lots = append(lots, ls...)
				mu.Unlock()
			}
		}()
	}
	time.Sleep(sustainFor)
	close(stop)
	stopped := time.Now()
	wg.Wait()
	stopWatch()
	if b.Failed() {
		b.FailNow()
	}
	settled := settle(b, e, lots)
	counted := 0
	for _, ats := range settled {
		for _, at := range ats {
			if !at.Before(measureFrom) && at.Before(stopped) {
				counted++
			}
		}
	}
	n, gap, _ := calls(settled, measureFrom, stopped)
	return sustained{
		rate:       float64(counted) / stopped.Sub(measureFrom).Seconds(),
		written:    float64(2*len(lots)) / stopped.Sub(began).Seconds(),
		backlogMin: float64(low),
		perCall:    float64(counted) / float64(max(n, 1)),
		callGap:    gap,
	}
}

// reportLoad reports the machine's one-minute load average at the end, where
// the system has one (Linux): on a shared machine the figures mean little
// without it.
func reportLoad(b *testing.B) {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return
	}
	var load float64
	if _, err := fmt.Sscan(string(raw), &load); err == nil {
		b.ReportMetric(load, "loadavg")
	}
}

// calls tells the worker's calls apart by their settle time, which all the
// records of a call share, and returns how many settled in [from, to) and the
// median and longest time from one to the next: the length of a call when
// the worker is never idle.
func calls(ats [][]time.Time, from, to time.Time) (n int, median, longest time.Duration) {
	var ts []time.Time
	for _, a := range ats {
		for _, t := range a {
			if !t.Before(from) && t.Before(to) {
				ts = append(ts, t)
			}
		}
	}
	slices.SortFunc(ts, time.Time.Compare)
	ts = slices.CompactFunc(ts, time.Time.Equal)
	if len(ts) < 2 {
		return len(ts), 0, 0
	}
	gaps := make([]time.Duration, len(ts)-1)
	for i := range gaps {
		gaps[i] = ts[i+1].Sub(ts[i])
	}
	slices.Sort(gaps)
	return len(ts), pct(gaps, 0.5), pct(gaps, 1)
}

// watchOutbox hands the outbox's size to seen every 100 ms until the
// returned stop is called, which returns once the last reading is done.
func watchOutbox(b *testing.B, e *env, seen func(n int)) (stop func()) {
	done, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		for {
			n, err := e.Store.PendingAnchorCount(bg)
			if err != nil {
				b.Error(err)
				return
			}
			seen(n)
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); <-watched }
}
