package anchor_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/embedded"
	"github.com/agritrace/agritrace/internal/anchor"
	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
)

func h(c byte) string { return strings.Repeat(string(c), 64) }

// TestDrainSettlesRefusalsAndWaitsOutGaps queues four chains: one the
// ledger takes, one whose record conflicts with what the ledger holds, one
// whose predecessor the ledger has not seen, and one queued behind that gap,
// which must not be held up by it. The chain at the gap is set aside, not
// reported as a failure that would hold back the whole worker.
func TestDrainSettlesRefusalsAndWaitsOutGaps(t *testing.T) {
	ctx := context.Background()
	st, led := sqliteAndLedger(t)
	// The ledger already holds B seq 0 with another hash: a fork.
	if _, err := led.Anchor(ctx, []custody.Record{{Kind: "event", Key: "B", Hash: h('f')}}); err != nil {
		t.Fatal(err)
	}
	recs := []custody.Record{
		{Kind: "event", Key: "A", Hash: h('a')},
		{Kind: "event", Key: "B", Hash: h('b')},
		{Kind: "event", Key: "A", Seq: 1, Hash: h('c'), PrevHash: h('a')},
		{Kind: "event", Key: "C", Seq: 1, Hash: h('d'), PrevHash: h('0')},
		{Kind: "event", Key: "C", Seq: 2, Hash: h('e'), PrevHash: h('d')},
		{Kind: "event", Key: "D", Hash: h('1')},
	}
	if err := st.Commit(ctx, trace.Change{Anchors: recs}); err != nil {
		t.Fatal(err)
	}
	w := anchor.New(st, led, slog.New(slog.NewTextHandler(io.Discard, nil)))
	n, err := w.Drain(ctx)
	if n != 4 || err != nil {
		t.Fatalf("Drain = %d, %v; want 4 settled", n, err)
	}
	if n, err := w.Drain(ctx); n != 0 || err != nil {
		t.Fatalf("Drain again = %d, %v; want the chain at the gap left alone for now", n, err)
	}
	status := func(key string, seq uint64) string {
		as, _ := st.Anchors(ctx, "event", key)
		for _, a := range as {
			if a.Seq == seq {
				return a.Status
			}
		}
		return ""
	}
	for _, tt := range []struct {
		key  string
		seq  uint64
		want string
	}{{"A", 0, trace.AnchorAnchored}, {"A", 1, trace.AnchorAnchored}, {"B", 0, trace.AnchorRejected}, {"C", 1, trace.AnchorPending}, {"C", 2, trace.AnchorPending}, {"D", 0, trace.AnchorAnchored}} {
		if got := status(tt.key, tt.seq); got != tt.want {
			t.Errorf("%s/%d = %s, want %s", tt.key, tt.seq, got, tt.want)
		}
	}
}

// counting is a ledger that counts its calls.
type counting struct {
	trace.Ledger
	calls int
}

func (c *counting) Anchor(ctx context.Context, recs []custody.Record) ([]trace.Receipt, error) {
	c.calls++
	return c.Ledger.Anchor(ctx, recs)
}

// TestStuckChainCostsFewCalls: one chain at a gap among 64 costs the batch
// it is in a few calls, halving the batch down to it, not a call per chain.
func TestStuckChainCostsFewCalls(t *testing.T) {
	ctx := context.Background()
	st, emb := sqliteAndLedger(t)
	var recs []custody.Record
	for i := range 64 {
		sum := fmt.Sprintf("%064x", i+1)
		recs = append(recs, custody.Record{Kind: "event", Key: fmt.Sprintf("lot-%02d", i), Hash: sum})
	}
	recs[20] = custody.Record{Kind: "event", Key: "lot-20", Seq: 1, Hash: h('a'), PrevHash: h('b')}
	if err := st.Commit(ctx, trace.Change{Anchors: recs}); err != nil {
		t.Fatal(err)
	}
	led := &counting{Ledger: emb}
	w := anchor.New(st, led, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if n, err := w.Drain(ctx); n != 63 || err != nil {
		t.Fatalf("Drain = %d, %v; want the 63 others settled", n, err)
	}
	// The batch, then at each of six halvings the half with the gap and
	// the other half, then the stuck record on its own.
	t.Logf("%d ledger calls", led.calls)
	if led.calls > 14 {
		t.Errorf("%d ledger calls for one stuck chain among 64", led.calls)
	}
}

// sqliteAndLedger opens a store and an embedded ledger in a temporary
// directory, closed when the test ends.
func sqliteAndLedger(t *testing.T) (*sqlite.Store, *embedded.Ledger) {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	emb, err := embedded.Open(filepath.Join(dir, "ledger"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	return st, emb
}

// TestRefused: the ledger's verdicts on a record are refusals the worker
// isolates and settles; anything else is an outage it waits out.
func TestRefused(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("fabric: %w: event/L seq 2", custody.ErrForbidden), true},
		{fmt.Errorf("fabric: %w", custody.ErrOverwrite), true},
		{fmt.Errorf("fabric: %w", custody.ErrGap), true},
		{errors.New("fabric: endorse error: unavailable"), false},
	} {
		if got := anchor.Refused(tt.err); got != tt.want {
			t.Errorf("Refused(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
