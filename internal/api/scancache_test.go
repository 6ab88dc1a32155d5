package api_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/api"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/trace"
)

// keptFor gives the scan judge a cache whose kept provenance lives ttl.
func keptFor(ttl time.Duration) func(*options) {
	return func(o *options) {
		o.server = func(s *api.Server) { s.Judge.Cache = scan.NewCache(scan.CacheOptions{TTL: ttl}) }
	}
}

// ledgerSwitch lets a test take the ledger away.
func ledgerSwitch(sw **switchable) func(*options) {
	return func(o *options) {
		o.ledger = func(l trace.Ledger) trace.Ledger {
			*sw = &switchable{Ledger: l}
			return *sw
		}
	}
}

type scanned struct {
	Verdict string
	Reasons []scan.Reason
	Journey []scan.Chapter
	Ledger  struct{ Verdict string }
}

func scanOf(t *testing.T, e *env, url string) scanned {
	t.Helper()
	var p scanned
	if err := e.as("").Do(bg, "GET", url[len(e.URL):], nil, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// pageSteps counts the journey's steps on the scan page.
func pageSteps(t *testing.T, url string) int {
	t.Helper()
	status, body := get(t, url)
	if status != 200 {
		t.Fatalf("GET %s: %d", url, status)
	}
	return strings.Count(body, `<li class="step `)
}

func steps(p scanned) int {
	n := 0
	for _, c := range p.Journey {
		n += len(c.Steps)
	}
	return n
}

// TestScanCacheFollowsHeads keeps provenance for an hour, and still a new
// event upstream shows on the very next scan, pending until anchored and
// then verified; a label with a forged signature is refused however often
// its genuine twin was scanned.
func TestScanCacheFollowsHeads(t *testing.T) {
	var sw *switchable
	e := start(t, keptFor(time.Hour), ledgerSwitch(&sw))
	st := e.story(t)
	bottle := st.BottleURLs[len(st.BottleURLs)-1]
	first := scanOf(t, e, bottle)
	if first.Ledger.Verdict != "verified" {
		t.Fatalf("first scan: ledger %s", first.Ledger.Verdict)
	}
	if again := scanOf(t, e, bottle); steps(again) != steps(first) || again.Verdict != first.Verdict {
		t.Errorf("second scan: %d steps, %s; first %d, %s", steps(again), again.Verdict, steps(first), first.Verdict)
	}
	// The page renders the kept history once per language and reuses it.
	for range 2 {
		if n := pageSteps(t, bottle+"&lang=en"); n != steps(first) {
			t.Errorf("page in English: %d steps, want %d", n, steps(first))
		}
	}
	sw.down.Store(true)
	expect(t, e.as(demo.Regulator), "POST", "/api/v1/lots/"+st.OilLot+"/inspect", trace.InspectInput{Results: map[string]any{"acidValue": 0.9}}, 201, "", "")
	after := scanOf(t, e, bottle)
	if steps(after) != steps(first)+1 || after.Ledger.Verdict != "pending" {
		t.Errorf("scan after an inspection upstream: %d steps (want %d), ledger %s (want pending)", steps(after), steps(first)+1, after.Ledger.Verdict)
	}
	if n := pageSteps(t, bottle+"&lang=en"); n != steps(first)+1 {
		t.Errorf("page after an inspection upstream: %d steps, want %d", n, steps(first)+1)
	}
	sw.down.Store(false)
	waitVerified(t, e, st.OilLot)
	if v := scanOf(t, e, bottle); v.Ledger.Verdict != "verified" || steps(v) != steps(first)+1 {
		t.Errorf("scan once anchored: ledger %s, %d steps", v.Ledger.Verdict, steps(v))
	}
	forged := bottle[:len(bottle)-4] + "AAAA"
	if v := scanOf(t, e, forged); v.Verdict != scan.NotGenuine {
		t.Errorf("scan of a forged signature after genuine ones: %s", v.Verdict)
	}
}

// TestScanCacheBoundsHiddenEdits edits an event behind the service's back,
// which moves no head: scans may show the kept provenance until the TTL has
// passed, and then show the alteration.
func TestScanCacheBoundsHiddenEdits(t *testing.T) {
	e := start(t, keptFor(300*time.Millisecond))
	st := e.story(t)
	if v := scanOf(t, e, st.ShelfURL); v.Ledger.Verdict != "verified" {
		t.Fatalf("before the edit: ledger %s", v.Ledger.Verdict)
	}
	if _, err := e.Store.DB().Exec(`UPDATE events SET doc = json_set(doc, '$.quantity', 1) WHERE lot = ? AND seq = 0`, st.SeedLots[0]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if v := scanOf(t, e, st.ShelfURL); v.Ledger.Verdict != "mismatch" || v.Verdict != scan.Suspicious {
		t.Errorf("after the edit and the TTL: ledger %s, verdict %s", v.Ledger.Verdict, v.Verdict)
	}
}

// countingStore counts the calls a scan makes into the store; each is one
// SQL statement on SQLite.
type countingStore struct {
	trace.Store
	calls atomic.Int64
}

func (c *countingStore) Lot(ctx context.Context, id string) (trace.Lot, error) {
	c.calls.Add(1)
	return c.Store.Lot(ctx, id)
}
func (c *countingStore) LotsByID(ctx context.Context, ids []string) ([]trace.Lot, error) {
	c.calls.Add(1)
	return c.Store.LotsByID(ctx, ids)
}
func (c *countingStore) Unit(ctx context.Context, serial string) (trace.Unit, error) {
	c.calls.Add(1)
	return c.Store.Unit(ctx, serial)
}
func (c *countingStore) Events(ctx context.Context, lot string) ([]trace.Event, error) {
	c.calls.Add(1)
	return c.Store.Events(ctx, lot)
}
func (c *countingStore) Anchors(ctx context.Context, kind, key string) ([]trace.Anchor, error) {
	c.calls.Add(1)
	return c.Store.Anchors(ctx, kind, key)
}
func (c *countingStore) Product(ctx context.Context, gtin string) (trace.Product, error) {
	c.calls.Add(1)
	return c.Store.Product(ctx, gtin)
}
func (c *countingStore) Org(ctx context.Context, id string) (trace.Org, error) {
	c.calls.Add(1)
	return c.Store.Org(ctx, id)
}
func (c *countingStore) Orgs(ctx context.Context) ([]trace.Org, error) {
	c.calls.Add(1)
	return c.Store.Orgs(ctx)
}
func (c *countingStore) Complaints(ctx context.Context, f trace.ComplaintFilter) ([]trace.Complaint, error) {
	c.calls.Add(1)
	return c.Store.Complaints(ctx, f)
}
func (c *countingStore) Scans(ctx context.Context, f trace.ScanFilter) ([]trace.Scan, error) {
	c.calls.Add(1)
	return c.Store.Scans(ctx, f)
}
func (c *countingStore) ScanSummary(ctx context.Context, serial string) (trace.ScanSummary, error) {
	c.calls.Add(1)
	return c.Store.ScanSummary(ctx, serial)
}
func (c *countingStore) AddScan(ctx context.Context, sc trace.Scan) error {
	c.calls.Add(1)
	return c.Store.AddScan(ctx, sc)
}

// ComplaintWrites passes on the queue's count, so findings are kept as they
// are in service.
func (c *countingStore) ComplaintWrites() uint64 {
	return c.Store.(scan.WriteCounter).ComplaintWrites()
}

// LotWrites passes on the queue's count too.
func (c *countingStore) LotWrites() uint64 {
	return c.Store.(scan.WriteCounter).LotWrites()
}

// TestScanStatements counts what a scan of a demo bottle asks of the store
// once its lots are kept: the unit, its lot (twice: for the verdict and for
// the kept provenance's head), the label's scan summary, the confirmed
// findings on the serial, and queueing the record, which costs no statement
// of its own. The walk up the lots and the findings on the lot are kept from
// the bottle before, until this process writes a lot or a complaint. The scan JSON
// benchmark's log prints the same count.
func TestScanStatements(t *testing.T) {
	counted := &countingStore{}
	e := start(t, func(o *options) {
		o.server = func(s *api.Server) {
			counted.Store = s.Store
			s.Store, s.Judge.Store, s.Judge.Verifier.Store = counted, counted, counted
			s.Judge.Service = trace.NewService(counted, s.Keys)
			s.Judge.Cache = scan.NewCache(scan.CacheOptions{TTL: time.Hour})
		}
	})
	st := e.story(t)
	scanOf(t, e, st.BottleURLs[0])
	counted.calls.Store(0)
	scanOf(t, e, st.BottleURLs[1])
	if n := counted.calls.Load(); n > 6 {
		t.Errorf("a scan of a demo bottle whose lots are kept made %d store calls, want at most 6", n)
	}
	t.Logf("store calls for one scan of a demo bottle: %d", counted.calls.Load())
}
