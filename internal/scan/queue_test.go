package scan_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
)

var (
	bg    = context.Background()
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
	t0    = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
)

// counting is the real store with its batch writes counted, and failed on
// demand: the one fake here, for fault injection.
type counting struct {
	trace.Store
	batches atomic.Int64
	fail    atomic.Bool
	gate    sync.Mutex
}

func (c *counting) AddScans(ctx context.Context, scans []trace.Scan) error {
	c.gate.Lock()
	defer c.gate.Unlock()
	if c.fail.Load() {
		return errors.New("disk on fire")
	}
	c.batches.Add(1)
	return c.Store.AddScans(ctx, scans)
}

func openStore(t *testing.T) (*counting, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agritrace.db")
	st, err := sqlite.Open(bg, path)
	if err != nil {
		t.Fatal(err)
	}
	return &counting{Store: st}, path
}

func record(i int, serial string) trace.Scan {
	return trace.Scan{ID: fmt.Sprintf("q-%d", i), Serial: serial, Lot: "L", Time: t0.Add(time.Duration(i) * time.Millisecond),
		Client: scan.Consumer, Scanner: fmt.Sprintf("phone-%d", i), Verdict: scan.Genuine}
}

// TestQueueBatches: many scans are stored in few writes, a label's summary
// includes scans still queued, reading scans waits for the queued ones, and
// Close stores the rest before the store closes.
func TestQueueBatches(t *testing.T) {
	st, path := openStore(t)
	q := scan.NewQueue(st, scan.QueueOptions{Batch: 100, Every: time.Hour, Log: quiet})
	var wg sync.WaitGroup
	for i := range 250 {
		wg.Add(1)
		go func() { defer wg.Done(); must(t, q.AddScan(bg, record(i, "S1"))) }()
	}
	wg.Wait()
	// Two batches fill and go; the writer's interval is an hour, so the
	// last 50 wait in the queue, yet the verdict sees them.
	deadline := time.Now().Add(10 * time.Second)
	for st.batches.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := st.batches.Load(); n != 2 {
		t.Fatalf("%d batch writes for 250 scans in batches of 100, want 2", n)
	}
	sum, err := q.ScanSummary(bg, "S1")
	must(t, err)
	if len(sum.Scanners) != trace.SummaryKeep || sum.Scanners[0].Key != "phone-249" {
		t.Errorf("summary with queued scans: %d scanners, latest %+v", len(sum.Scanners), sum.Scanners[0])
	}
	all, err := q.Scans(bg, trace.ScanFilter{Serial: "S1", Limit: 1000})
	must(t, err)
	if len(all) != 250 || st.batches.Load() != 3 {
		t.Errorf("Scans after queueing 250: %d in %d writes", len(all), st.batches.Load())
	}
	must(t, q.AddScan(bg, record(250, "S2")))
	must(t, q.Close())
	reopened, err := sqlite.Open(bg, path)
	must(t, err)
	defer reopened.Close()
	if got, err := reopened.Scans(bg, trace.ScanFilter{Serial: "S2"}); err != nil || len(got) != 1 {
		t.Errorf("a scan queued at shutdown: %d stored, %v", len(got), err)
	}
}

// TestQueueBackPressure: while the store fails, records stay queued and are
// retried; a full queue holds scans back for its wait and then drops them,
// saying so; when the store recovers, everything queued is stored.
func TestQueueBackPressure(t *testing.T) {
	st, _ := openStore(t)
	st.fail.Store(true)
	q := scan.NewQueue(st, scan.QueueOptions{Batch: 2, Every: 10 * time.Millisecond, Capacity: 3, Wait: 50 * time.Millisecond, Log: quiet})
	defer q.Close()
	for i := range 3 {
		must(t, q.AddScan(bg, record(i, "S1")))
	}
	begun := time.Now()
	if err := q.AddScan(bg, record(3, "S1")); !errors.Is(err, scan.ErrQueueFull) || time.Since(begun) < 50*time.Millisecond {
		t.Errorf("a scan into a full queue: %v after %v; want ErrQueueFull after the wait", err, time.Since(begun))
	}
	st.fail.Store(false)
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	must(t, q.Flush(ctx))
	got, err := q.Scans(bg, trace.ScanFilter{Serial: "S1"})
	if err != nil || len(got) != 3 {
		t.Errorf("after the store recovered: %d scans stored, %v; want the 3 queued", len(got), err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
