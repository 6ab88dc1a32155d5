package anchor_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/embedded"
	"github.com/agritrace/agritrace/internal/anchor"
	"github.com/agritrace/agritrace/internal/store/mongo"
	"github.com/agritrace/agritrace/internal/store/mongo/mongotest"
	"github.com/agritrace/agritrace/internal/trace"
)

// onlySigns is the shared ledger as a node holding one organization's
// identity reaches it (fault injection: the ledger underneath is one real
// embedded ledger). It refuses, and counts, any record of another
// organization it is asked to send.
type onlySigns struct {
	trace.Ledger
	msp     string
	mu      sync.Mutex
	calls   int
	sent    []custody.Record
	foreign []custody.Record
}

func (o *onlySigns) Signs(by string) bool { return by == o.msp }

func (o *onlySigns) Anchor(ctx context.Context, recs []custody.Record) ([]trace.Receipt, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls++
	for _, r := range recs {
		if r.By != o.msp {
			o.foreign = append(o.foreign, r)
			return nil, fmt.Errorf("%s holds no identity of %s", o.msp, r.By)
		}
	}
	got, err := o.Ledger.Anchor(ctx, recs)
	if err == nil {
		o.sent = append(o.sent, recs...)
	}
	return got, err
}

// interleaved queues chains whose records the two organizations write in
// runs of one, two and three, some started by one, some by the other.
func interleaved(chains, length int) []custody.Record {
	msps := [2]string{"CollectorMSP", "ProcessorMSP"}
	var recs []custody.Record
	for c := range chains {
		prev := ""
		for i := range length {
			r := custody.Record{Kind: custody.KindEvent, Key: fmt.Sprintf("lot-%d", c), Seq: uint64(i),
				Hash: fmt.Sprintf("%032x%032x", c+1, i+1), PrevHash: prev, By: msps[(c+i/(1+c%3))%2]}
			recs, prev = append(recs, r), r.Hash
		}
	}
	return recs
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestWorkerLeavesWhatItCannotSign: a node sends each chain up to the first
// record another organization signs and then leaves the chain alone for
// Handoff: draining again costs the ledger no call and is no error.
func TestWorkerLeavesWhatItCannotSign(t *testing.T) {
	ctx := context.Background()
	st, emb := sqliteAndLedger(t)
	recs := interleaved(3, 4)
	if err := st.Commit(ctx, trace.Change{Anchors: recs}); err != nil {
		t.Fatal(err)
	}
	collector := &onlySigns{Ledger: emb, msp: "CollectorMSP"}
	w := anchor.New(st, collector, quiet())
	w.Handoff = time.Hour
	// lot-0 runs C P C P, lot-1 P P C C, lot-2 C C C P: the collector's
	// node has lot-0 seq 0 and lot-2 seq 0 to 2 to send now.
	if n, err := w.Drain(ctx); n != 4 || err != nil {
		t.Fatalf("Drain = %d, %v; want the collector's 4 leading records", n, err)
	}
	calls := collector.calls
	if n, err := w.Drain(ctx); n != 0 || err != nil || collector.calls != calls {
		t.Errorf("Drain again = %d, %v with %d more ledger calls; want the chains left to the processor's node", n, err, collector.calls-calls)
	}
	if len(collector.foreign) > 0 {
		t.Errorf("the collector's node was asked to send %+v", collector.foreign)
	}
}

// TestNodesShareChainsBySigner: two nodes on one MongoDB store (FerretDB),
// each holding one organization's identity, drain chains whose records the
// two organizations write in turn: every record reaches the ledger, in seq
// order, sent by the node that signs it.
func TestNodesShareChainsBySigner(t *testing.T) {
	uri, db := mongotest.Embedded(t), fmt.Sprintf("at%d_%d_handoff", os.Getpid(), time.Now().UnixNano())
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	emb, err := embedded.Open(filepath.Join(dir, "ledger"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	recs := interleaved(6, 8)
	var nodes []*onlySigns
	var stores []*mongo.Store
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		for _, s := range stores {
			s.Close()
		}
	})
	for _, msp := range []string{"CollectorMSP", "ProcessorMSP"} {
		st, err := mongo.Open(ctx, uri, db)
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, st)
		n := &onlySigns{Ledger: emb, msp: msp}
		nodes = append(nodes, n)
		w := anchor.New(st, n, quiet())
		w.Idle, w.Handoff, w.MaxBackoff = 20*time.Millisecond, 20*time.Millisecond, 200*time.Millisecond
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(ctx) }()
	}
	if err := stores[0].Commit(ctx, trace.Change{Anchors: recs}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for key := range 6 {
		lot := fmt.Sprintf("lot-%d", key)
		for !settled(t, stores[1], lot, 8) {
			if time.Now().After(deadline) {
				t.Fatalf("%s is not all anchored after 2 minutes", lot)
			}
			time.Sleep(20 * time.Millisecond)
		}
		chain, err := emb.Chain(ctx, custody.KindEvent, lot)
		if err != nil || len(chain) != 8 {
			t.Fatalf("%s on the ledger = %d records, %v", lot, len(chain), err)
		}
		for i, e := range chain {
			if want := recs[key*8+i]; e.Seq != want.Seq || e.Hash != want.Hash {
				t.Errorf("%s on the ledger at %d = seq %d %s, want seq %d %s", lot, i, e.Seq, e.Hash, want.Seq, want.Hash)
			}
		}
	}
	for _, n := range nodes {
		n.mu.Lock()
		if len(n.foreign) > 0 {
			t.Errorf("the %s node was asked to send %+v", n.msp, n.foreign)
		}
		for _, r := range n.sent {
			if r.By != n.msp {
				t.Errorf("the %s node sent %s/%d of %s", n.msp, r.Key, r.Seq, r.By)
			}
		}
		if len(n.sent) == 0 {
			t.Errorf("the %s node sent nothing", n.msp)
		}
		n.mu.Unlock()
	}
}

// settled reports whether the n records of lot's chain are all anchored.
func settled(t *testing.T, st trace.Store, lot string, n int) bool {
	t.Helper()
	as, err := st.Anchors(context.Background(), custody.KindEvent, lot)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.Status != trace.AnchorAnchored {
			return false
		}
	}
	return len(as) == n
}
