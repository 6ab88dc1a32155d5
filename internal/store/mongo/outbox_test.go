package mongo_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/embedded"
	"github.com/agritrace/agritrace/internal/anchor"
	"github.com/agritrace/agritrace/internal/store/mongo"
	"github.com/agritrace/agritrace/internal/trace"
)

// The tests here stand several instances up as several Stores on one
// database, each under its own name, all anchoring into one embedded ledger.

// instances opens n stores named i0, i1, ... on one fresh database, one
// after the other as instances starting up would.
func instances(t *testing.T, n int, lapse time.Duration) []*mongo.Store {
	t.Helper()
	db := dbName(t)
	var out []*mongo.Store
	for i := range n {
		out = append(out, openInstance(t, db, fmt.Sprintf("i%d", i), lapse))
	}
	t.Cleanup(func() { out[0].DropDatabase(context.Background()) })
	return out
}

// openInstance opens the store of instance name on db; closing it again
// when the test ends is harmless for an instance the test already stopped.
func openInstance(t *testing.T, db, name string, lapse time.Duration) *mongo.Store {
	t.Helper()
	s, err := mongo.Open(ctx, uri, db, mongo.WithInstance(name), mongo.WithLiveness(lapse/4, lapse))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// observed is the embedded ledger, watched: how many times each record was
// sent in a call it took, how many times in any call, and how many gaps it
// found. It refuses every record of a chain that stuck names, as a gap.
type observed struct {
	trace.Ledger
	stuck func(custody.Record) bool
	mu    sync.Mutex
	sends map[string]int
	tries map[string]int
	gaps  int
}

func newLedger(t *testing.T) *observed {
	t.Helper()
	led, err := embedded.Open(filepath.Join(t.TempDir(), "ledger"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	return &observed{Ledger: led, stuck: func(custody.Record) bool { return false }, sends: map[string]int{}, tries: map[string]int{}}
}

func recID(r custody.Record) string { return fmt.Sprintf("%s/%s/%d", r.Kind, r.Key, r.Seq) }

func (o *observed) Anchor(ctx context.Context, recs []custody.Record) ([]trace.Receipt, error) {
	o.mu.Lock()
	for _, r := range recs {
		o.tries[recID(r)]++
	}
	for _, r := range recs {
		if o.stuck(r) {
			o.gaps++
			o.mu.Unlock()
			return nil, fmt.Errorf("observed: %s: %w", recID(r), custody.ErrGap)
		}
	}
	o.mu.Unlock()
	got, err := o.Ledger.Anchor(ctx, recs)
	o.mu.Lock()
	defer o.mu.Unlock()
	if errors.Is(err, custody.ErrGap) {
		o.gaps++
	}
	if err == nil {
		for _, r := range recs {
			o.sends[recID(r)]++
		}
	}
	return got, err
}

// mostSends is how many times the ledger took the most sent record of keys,
// and how many times it took them in all.
func (o *observed) mostSends(keys func(string) bool) (most, all int) {
	return o.most(o.sends, keys)
}

// mostTries is mostSends counting every call, taken or not.
func (o *observed) mostTries(keys func(string) bool) (most, all int) {
	return o.most(o.tries, keys)
}

func (o *observed) most(counts map[string]int, keys func(string) bool) (most, all int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for id, n := range counts {
		if keys(id) {
			most, all = max(most, n), all+n
		}
	}
	return most, all
}

// chainOf returns the n records of chain key, linked by their hashes.
func chainOf(key string, n int) []custody.Record {
	out := make([]custody.Record, n)
	prev := ""
	for i := range out {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", key, i)))
		out[i] = custody.Record{Kind: custody.KindEvent, Key: key, Seq: uint64(i), Hash: hex.EncodeToString(sum[:]), PrevHash: prev}
		prev = out[i].Hash
	}
	return out
}

// workers starts a worker per store, polling often, and stops them when the test
// ends; it returns the workers' kicks.
func workers(t *testing.T, led trace.Ledger, stores []*mongo.Store, batch int) []func() {
	t.Helper()
	wctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var kicks []func()
	for _, s := range stores {
		w := anchor.New(s, led, slog.New(slog.NewTextHandler(io.Discard, nil)))
		w.Batch, w.Idle = batch, 20*time.Millisecond
		kicks = append(kicks, w.Kick)
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(wctx) }()
	}
	t.Cleanup(func() { stop(); wg.Wait() })
	return kicks
}

// waitFor waits, generously, for cond.
func waitFor(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after 3 minutes", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func pending(s trace.Store, want int) func() (bool, error) {
	return func() (bool, error) {
		n, err := s.PendingAnchorCount(ctx)
		return n == want, err
	}
}

// onLedger fails the test unless the ledger holds every record of chains.
func onLedger(t *testing.T, led trace.Ledger, chains [][]custody.Record) {
	t.Helper()
	for _, c := range chains {
		got, err := led.Chain(ctx, c[0].Kind, c[0].Key)
		if err != nil || len(got) != len(c) {
			t.Fatalf("ledger holds %d records of %s, want %d (%v)", len(got), c[0].Key, len(c), err)
		}
		for i, e := range got {
			if !e.Record.Equal(c[i]) {
				t.Errorf("ledger's %s record %d = %+v, want %+v", c[0].Key, i, e.Record, c[i])
			}
		}
	}
}

// TestOutboxAcrossInstances is the stall: lots get their events
// through three instances at once while each instance's worker drains the
// shared outbox. Every record reaches the ledger in its chain's order, no
// chain waits on a gap, and claims keep each record to one send, or two
// when instances race for a chain.
func TestOutboxAcrossInstances(t *testing.T) {
	stores := instances(t, 3, 10*time.Second)
	led := newLedger(t)
	kicks := workers(t, led, stores, 25)
	const lots, events = 40, 5
	chains := make([][]custody.Record, lots)
	for i := range chains {
		chains[i] = chainOf(fmt.Sprintf("lot-%02d", i), events)
	}
	var wg sync.WaitGroup
	errs := make(chan error, lots)
	// A dozen lots at a time, each through the instances in turn, one event
	// after the other as a lot's single writer would.
	sem := make(chan struct{}, 12)
	for i, c := range chains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			for seq, r := range c {
				at := (i + seq) % len(stores)
				if err := stores[at].Commit(ctx, trace.Change{Anchors: []custody.Record{r}}); err != nil {
					errs <- fmt.Errorf("%s: %w", recID(r), err)
					return
				}
				kicks[at]()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	waitFor(t, "drained", pending(stores[0], 0))
	onLedger(t, led, chains)
	most, all := led.mostSends(func(string) bool { return true })
	t.Logf("%d records sent %d times in all, the most sent %d times; %d gaps", lots*events, all, most, led.gaps)
	if most > 2 || led.gaps != 0 {
		t.Errorf("a record was sent %d times and the ledger found %d gaps; want at most 2 and none", most, led.gaps)
	}
}

// TestOutboxStuckChainDoesNotHoldBackOthers: thirty chains, queued first,
// the ledger will not take (a gap it never sees filled); lots that come
// after them still reach the ledger, through two instances whose batches
// the stuck records would fill.
func TestOutboxStuckChainDoesNotHoldBackOthers(t *testing.T) {
	stores := instances(t, 2, 2*time.Second)
	led := newLedger(t)
	led.stuck = func(r custody.Record) bool { return strings.HasPrefix(r.Key, "a-stuck") }
	for i := range 30 {
		if err := stores[i%2].Commit(ctx, trace.Change{Anchors: chainOf(fmt.Sprintf("a-stuck-%02d", i), 5)}); err != nil {
			t.Fatal(err)
		}
	}
	kicks := workers(t, led, stores, 20)
	var fresh [][]custody.Record
	for i := range 20 {
		c := chainOf(fmt.Sprintf("lot-%02d", i), 3)
		fresh = append(fresh, c)
		if err := stores[i%2].Commit(ctx, trace.Change{Anchors: c}); err != nil {
			t.Fatal(err)
		}
		kicks[i%2]()
	}
	waitFor(t, "down to the stuck records", pending(stores[0], 150))
	onLedger(t, led, fresh)
	most, _ := led.mostSends(func(id string) bool { return strings.Contains(id, "/lot-") })
	tried, _ := led.mostTries(func(id string) bool { return strings.Contains(id, "/lot-") })
	_, stuck := led.mostTries(func(id string) bool { return strings.Contains(id, "a-stuck") })
	t.Logf("fresh records taken at most %d times, in at most %d calls; stuck records sent %d times in all", most, tried, stuck)
	if most > 2 {
		t.Errorf("a fresh record was sent %d times", most)
	}
}

// TestOutboxClaimsAreExclusive: a chain one instance holds is not handed
// to another while the holder renews its claim; the holder gets it again,
// and once released, so does the other.
func TestOutboxClaimsAreExclusive(t *testing.T) {
	stores := instances(t, 2, time.Minute)
	a, b := stores[0], stores[1]
	if err := a.Commit(ctx, trace.Change{Anchors: append(chainOf("X", 2), chainOf("Y", 1)...)}); err != nil {
		t.Fatal(err)
	}
	claim := func(s *mongo.Store) string {
		t.Helper()
		recs, err := s.ClaimAnchors(ctx, 100, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			out = append(out, fmt.Sprintf("%s%d", r.Key, r.Seq))
		}
		return strings.Join(out, " ")
	}
	if got := claim(a); got != "X0 X1 Y0" {
		t.Fatalf("a claims %q", got)
	}
	if got := claim(b); got != "" {
		t.Errorf("b claims %q while a holds every chain", got)
	}
	if err := b.Commit(ctx, trace.Change{Anchors: chainOf("Z", 1)}); err != nil {
		t.Fatal(err)
	}
	if got := claim(b); got != "Z0" {
		t.Errorf("b claims %q, want the new chain alone", got)
	}
	if got := claim(a); got != "X0 X1 Y0" {
		t.Errorf("a claims %q again, want the chains it holds", got)
	}
	if err := a.ReleaseAnchors(ctx, []trace.AnchorChain{{Kind: custody.KindEvent, Key: "X"}, {Kind: custody.KindEvent, Key: "Y"}}); err != nil {
		t.Fatal(err)
	}
	if got := claim(b); got != "X0 X1 Y0 Z0" {
		t.Errorf("b claims %q once a released its chains", got)
	}
}

// TestOutboxDeadInstanceClaimsTakenOver: an instance dies holding claims.
// Another leaves them alone until it has seen them stand still for the
// lapse on its own clock, then drains those chains; an instance restarted
// under the dead one's name takes them back at once.
func TestOutboxDeadInstanceClaimsTakenOver(t *testing.T) {
	for _, tt := range []struct {
		name    string
		restart bool
	}{{"taken over", false}, {"taken back on restart", true}} {
		t.Run(tt.name, func(t *testing.T) {
			lapse := time.Second
			if tt.restart {
				lapse = time.Hour
			}
			stores := instances(t, 2, lapse)
			dead, other := stores[0], stores[1]
			var chains [][]custody.Record
			for i := range 10 {
				chains = append(chains, chainOf(fmt.Sprintf("lot-%02d", i), 3))
				if err := dead.Commit(ctx, trace.Change{Anchors: chains[i]}); err != nil {
					t.Fatal(err)
				}
			}
			if recs, err := dead.ClaimAnchors(ctx, 1000, nil); err != nil || len(recs) != 30 {
				t.Fatalf("ClaimAnchors = %d records, %v", len(recs), err)
			}
			dead.Close()
			if recs, err := other.ClaimAnchors(ctx, 1000, nil); err != nil || len(recs) != 0 {
				t.Fatalf("claims of an instance just seen taken at once: %d records, %v", len(recs), err)
			}
			led := newLedger(t)
			drainer := other
			if tt.restart {
				drainer = openInstance(t, dead.Name(), "i0", lapse)
			}
			w := anchor.New(drainer, led, slog.New(slog.NewTextHandler(io.Discard, nil)))
			waitFor(t, "drained", func() (bool, error) {
				if _, err := w.Drain(ctx); err != nil {
					return false, err
				}
				return pending(other, 0)()
			})
			onLedger(t, led, chains)
			if most, _ := led.mostSends(func(string) bool { return true }); most != 1 {
				t.Errorf("a record was sent %d times", most)
			}
		})
	}
}
