package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/jcs"
	"github.com/agritrace/agritrace/internal/trace"
)

type historyEvent struct {
	Hash     string        `json:"hash"`
	PrevHash string        `json:"prevHash"`
	Anchor   *trace.Anchor `json:"anchor"`
}

// TestHashRecipe recomputes every hash the way the README tells a third party
// to.
func TestHashRecipe(t *testing.T) {
	e := start(t)
	st := e.story(t)
	for _, lot := range append(st.SeedLots, st.OilLot, st.BottleLot) {
		recomputeHashes(t, e, lot)
	}
}

// recomputeHashes checks a lot's hashes by the README's recipe: take the
// event as the API returns it, drop "hash" and "anchor", write it as RFC 8785
// JSON, SHA-256 it; and each prevHash is the hash before it.
func recomputeHashes(t *testing.T, e *env, lot string) {
	t.Helper()
	var h struct{ Events []map[string]any }
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/lots/"+lot+"/events", nil, &h); err != nil {
		t.Fatal(err)
	}
	prev := ""
	for _, ev := range h.Events {
		want := ev["hash"].(string)
		delete(ev, "hash")
		delete(ev, "anchor")
		raw, _ := json.Marshal(ev)
		canon, err := jcs.Canonicalize(raw)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(canon)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s seq %v: recomputed %s, API says %s\ncanonical: %s", lot, ev["seq"], got, want, canon)
		}
		if ev["prevHash"] != prev {
			t.Errorf("%s seq %v: prevHash %v, want %s", lot, ev["seq"], ev["prevHash"], prev)
		}
		prev = want
	}
}

func history(t *testing.T, e *env, lot string) []historyEvent {
	t.Helper()
	var h struct{ Events []historyEvent }
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/lots/"+lot+"/events", nil, &h); err != nil {
		t.Fatal(err)
	}
	return h.Events
}

func verdict(t *testing.T, e *env, lot string) (string, []map[string]any) {
	t.Helper()
	var r struct {
		Verdict string
		Events  []map[string]any
	}
	if err := e.as("").Do(bg, "GET", "/api/v1/lots/"+lot+"/verify", nil, &r); err != nil {
		t.Fatal(err)
	}
	return r.Verdict, r.Events
}

func TestEventsReportAnchorStatus(t *testing.T) {
	e := start(t, func(o *options) { o.noWorker = true })
	setupProducts(t, e)
	lot := atMill(t, e, "A1", 100)
	for _, ev := range history(t, e, lot) {
		if ev.Anchor == nil || ev.Anchor.Status != trace.AnchorPending {
			t.Fatalf("before anchoring: anchor = %+v, want pending", ev.Anchor)
		}
	}
	if v, _ := verdict(t, e, lot); v != "pending" {
		t.Errorf("verdict before anchoring = %s, want pending", v)
	}
	if n, err := e.Worker.Drain(bg); err != nil || n != 3 {
		t.Fatalf("Drain = %d, %v; want 3 records", n, err)
	}
	for _, ev := range history(t, e, lot) {
		if ev.Anchor.Status != trace.AnchorAnchored || ev.Anchor.TxID == "" || ev.Anchor.Ledger != "embedded" {
			t.Errorf("after anchoring: anchor = %+v", ev.Anchor)
		}
	}
	if v, _ := verdict(t, e, lot); v != "verified" {
		t.Errorf("verdict after anchoring = %s, want verified", v)
	}
}

// TestLedgerOutage takes the ledger away while writes go on: the API keeps
// acknowledging, events stay pending, and once the ledger is back every record
// is anchored exactly once.
func TestLedgerOutage(t *testing.T) {
	var sw *switchable
	e := start(t, func(o *options) {
		o.ledger = func(l trace.Ledger) trace.Ledger {
			sw = &switchable{Ledger: l}
			return sw
		}
	})
	setupProducts(t, e)
	sw.down.Store(true)
	lot := atMill(t, e, "A1", 100)
	expect(t, e.as(demo.Mill), "POST", "/api/v1/lots/"+lot+"/inspect", trace.InspectInput{Results: map[string]any{"moisture": 7}}, 201, "", "")
	time.Sleep(200 * time.Millisecond)
	if v, _ := verdict(t, e, lot); v != "pending" {
		t.Fatalf("verdict with the ledger down = %s, want pending", v)
	}
	sw.down.Store(false)
	waitVerified(t, e, lot)
	chain, err := e.Ledger.Chain(bg, "event", lot)
	if err != nil || len(chain) != 4 {
		t.Fatalf("ledger chain = %d records, %v; want 4", len(chain), err)
	}
}

func waitVerified(t *testing.T, e *env, lot string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, _ := verdict(t, e, lot)
		if v == "verified" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lot %s still %s", lot, v)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestOutboxSurvivesRestart writes with no worker running, stops the service,
// starts a new one on the same files, and sees the backlog anchored.
func TestOutboxSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	first := start(t, func(o *options) { o.dir, o.noWorker = dir, true })
	setupProducts(t, first)
	lot := atMill(t, first, "A1", 100)
	first.Store.Close()
	second := start(t, func(o *options) { o.dir, o.bootstrap = dir, false })
	waitVerified(t, second, lot)
}

// TestTamperingIsCaught edits an event in the database behind the service's
// back, as a dishonest operator might, and expects MISMATCH; then rewrites the
// stored hash too, and the ledger still disagrees.
func TestTamperingIsCaught(t *testing.T) {
	e := start(t)
	st := e.story(t)
	lot := st.SeedLots[0]
	if v, _ := verdict(t, e, lot); v != "verified" {
		t.Fatalf("before tampering: %s", v)
	}
	if _, err := e.Store.DB().Exec(`UPDATE events SET doc = json_set(doc, '$.quantity', 9000000) WHERE lot = ? AND seq = 0`, lot); err != nil {
		t.Fatal(err)
	}
	v, checks := verdict(t, e, lot)
	if v != "mismatch" || checks[0]["verdict"] != "mismatch" || checks[1]["verdict"] != "verified" {
		t.Fatalf("after editing the quantity: %s %v", v, checks)
	}
	// A careful forger recomputes the stored hash; only the ledger can tell.
	evs := events(t, e, lot)
	h, _ := evs[0].ComputeHash()
	if _, err := e.Store.DB().Exec(`UPDATE events SET doc = json_set(doc, '$.hash', ?) WHERE lot = ? AND seq = 0`, h, lot); err != nil {
		t.Fatal(err)
	}
	v, checks = verdict(t, e, lot)
	if v != "mismatch" || checks[0]["reason"] != "the ledger holds a different hash for this record: the store was altered" {
		t.Fatalf("after rewriting the hash: %s %v", v, checks[0])
	}
	// Deleting the last event is caught too.
	if _, err := e.Store.DB().Exec(`DELETE FROM events WHERE lot = ? AND seq = (SELECT max(seq) FROM events WHERE lot = ?)`, st.BottleLot, st.BottleLot); err != nil {
		t.Fatal(err)
	}
	if v, _ := verdict(t, e, st.BottleLot); v != "missing" {
		t.Errorf("after deleting an event: %s, want missing", v)
	}
	// The scan page of a product made from the tampered lot warns the buyer.
	var p struct{ Verdict string }
	if err := e.as("").Do(bg, "GET", st.ShelfURL[len(e.URL):], nil, &p); err != nil || p.Verdict != "suspicious" {
		t.Errorf("scan after tampering: %q, %v; want suspicious", p.Verdict, err)
	}
}
