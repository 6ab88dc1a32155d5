package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// testLedgerClaim: the first claim is recorded and every later one reads
// it back, even when several claim at once; a replacement is read after.
func testLedgerClaim(t *testing.T, s trace.Store) {
	claims := make([]trace.LedgerClaim, 8)
	got := make([]trace.LedgerClaim, len(claims))
	var wg sync.WaitGroup
	for i := range claims {
		claims[i] = trace.LedgerClaim{Kind: "embedded", ID: string(rune('a' + i)), Keeper: "node-" + string(rune('a'+i)), At: t0}
		wg.Go(func() {
			var err error
			got[i], err = s.ClaimLedger(ctx, claims[i])
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	winner := got[0]
	if !slices.ContainsFunc(claims, func(c trace.LedgerClaim) bool { return c.Same(winner) && c.Keeper == winner.Keeper }) {
		t.Fatalf("recorded claim %+v is none of those made", winner)
	}
	for i, g := range got {
		if !g.Same(winner) || g.Keeper != winner.Keeper || !g.At.Equal(t0) {
			t.Errorf("claimant %d read %+v, claimant 0 read %+v", i, g, winner)
		}
	}
	fabric := trace.LedgerClaim{Kind: "fabric", Channel: "trace", Chaincode: "custody", At: t0.Add(time.Hour)}
	if again, err := s.ClaimLedger(ctx, fabric); err != nil || !again.Same(winner) {
		t.Errorf("a later claim read %+v, %v; want the first, %+v", again, err, winner)
	}
	must(t, s.ReplaceLedger(ctx, fabric))
	if again, err := s.ClaimLedger(ctx, claims[0]); err != nil || !again.Same(fabric) {
		t.Errorf("after ReplaceLedger a claim read %+v, %v; want %+v", again, err, fabric)
	}
}

// testLiveInstances: a store alone on its database lists itself, or, when
// it names no instance (SQLite), nobody; asking again gives the same answer.
// The stores that several instances share test that they see each other.
func testLiveInstances(t *testing.T, s trace.Store) {
	first, err := s.LiveInstances(ctx)
	must(t, err)
	if len(first) > 1 {
		t.Fatalf("a store alone on its database lists %v", first)
	}
	again, err := s.LiveInstances(ctx)
	must(t, err)
	if !slices.Equal(first, again) {
		t.Errorf("LiveInstances = %v, then %v", first, again)
	}
}

// testRateHits: a key gets limit hits per sliding window, exactly, however
// many take at once; keys count apart; expired hits are forgotten.
func testRateHits(t *testing.T, s trace.Store) {
	const limit, window = 3, time.Minute
	take := func(key string, at time.Time) time.Duration {
		t.Helper()
		d, err := s.TakeHit(ctx, key, at, limit, window)
		must(t, err)
		return d
	}
	for i := range limit {
		if d := take("a", t0.Add(time.Duration(i)*time.Second)); d != 0 {
			t.Fatalf("hit %d refused (wait %s)", i, d)
		}
	}
	if d := take("a", t0.Add(10*time.Second)); d != 50*time.Second {
		t.Errorf("hit over the limit: wait %s, want 50s (until the first hit leaves the window)", d)
	}
	if d := take("b", t0.Add(10*time.Second)); d != 0 {
		t.Errorf("another key's first hit refused (wait %s)", d)
	}
	// The window slides: once the first hit has left it, one more is allowed.
	if d := take("a", t0.Add(window)); d != 0 {
		t.Errorf("hit after the first left the window refused (wait %s)", d)
	}
	if d := take("a", t0.Add(window)); d != time.Second {
		t.Errorf("next hit: wait %s, want 1s", d)
	}

	// Concurrent takers: exactly limit win.
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 12 {
		wg.Go(func() {
			d, err := s.TakeHit(ctx, "c", t0, limit, window)
			if err != nil {
				t.Error(err)
				return
			}
			if d == 0 {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != limit {
		t.Errorf("%d of 12 concurrent hits allowed, want %d", allowed, limit)
	}

	// Expired hits are forgotten, and the key counts afresh.
	must(t, s.ExpireHits(ctx, t0.Add(2*window)))
	for i := range limit {
		if d := take("c", t0.Add(2*window)); d != 0 {
			t.Fatalf("hit %d after expiry refused (wait %s)", i, d)
		}
	}
	if d := take("c", t0.Add(2*window)); d != window {
		t.Errorf("hit over the limit after expiry: wait %s, want %s", d, window)
	}
}
