package fabric

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/custody/custodytest"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/hyperledger/fabric-gateway/pkg/client"
)

// These tests run against the network scripts/fabric/up.sh starts; the test
// command sets AGRITRACE_FABRIC_ENV to its client.env. Without it they skip.

// open connects as the organization selected by suffix: "" is the
// collection center (CollectorMSP), "_2" the regulator (RegulatorMSP), each
// through its own peer.
func open(t testing.TB, suffix string, edit ...func(*Config)) *Ledger {
	t.Helper()
	path := os.Getenv("AGRITRACE_FABRIC_ENV")
	if path == "" {
		t.Skip("no Fabric network: run scripts/fabric/up.sh and set AGRITRACE_FABRIC_ENV")
	}
	// FABRIC_* variables override the file, e.g. FABRIC_PARALLEL for benchmarks.
	cfg, err := LoadEnv(path, suffix, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edit {
		e(&cfg)
	}
	l, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

var chain = custodytest.Chain

func lotKey(testing.TB) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "T" + hex.EncodeToString(b)
}

var ctx = context.Background()

// interleave takes one record of each chain in turn, as an outbox holding
// several lots' events would.
func interleave(chains ...[]custody.Record) []custody.Record {
	var out []custody.Record
	for i := 0; ; i++ {
		n := len(out)
		for _, c := range chains {
			if i < len(c) {
				out = append(out, c[i])
			}
		}
		if len(out) == n {
			return out
		}
	}
}

// eventually polls a peer until f holds, for peers that commit a block a
// moment after the one the client waited on.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	var err error
	for range 50 {
		if err = f(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: %v", what, err)
}

func TestAnchorManyLots(t *testing.T) {
	// Ten records per transaction: 40 lots of 1 to 7 records and one lot of
	// 25, which must go in three transactions one after another.
	l := open(t, "", func(c *Config) { c.BatchSize = 10 })
	var chains [][]custody.Record
	for i := range 40 {
		chains = append(chains, chain(lotKey(t), 1+i%7))
	}
	chains = append(chains, chain(lotKey(t), 25))
	recs := interleave(chains...)
	receipts, err := l.Anchor(ctx, recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(receipts) != len(recs) {
		t.Fatalf("%d receipts for %d records", len(receipts), len(recs))
	}
	byRecord := map[string]trace.Receipt{}
	for i, r := range recs {
		if receipts[i].TxID == "" || receipts[i].Block == 0 {
			t.Fatalf("receipt %d = %+v", i, receipts[i])
		}
		byRecord[r.Hash] = receipts[i]
	}
	regulator := open(t, "_2")
	for _, c := range chains {
		got, err := l.Chain(ctx, custody.KindEvent, c[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c) {
			t.Fatalf("%s: chain holds %d records, want %d", c[0].Key, len(got), len(c))
		}
		for i, e := range got {
			if !e.Record.Equal(c[i]) || e.Org != "CollectorMSP" || e.TxID != byRecord[c[i].Hash].TxID {
				t.Fatalf("%s[%d] = %+v, want %+v in %s", c[0].Key, i, e, c[i], byRecord[c[i].Hash].TxID)
			}
		}
		// The regulator's peer holds the same chain, written by the same
		// transactions.
		eventually(t, "regulator's peer", func() error {
			theirs, err := regulator.Chain(ctx, custody.KindEvent, c[0].Key)
			if err != nil {
				return err
			}
			a, _ := json.Marshal(theirs)
			b, _ := json.Marshal(got)
			if string(a) != string(b) {
				return fmt.Errorf("peers disagree:\n%s\n%s", a, b)
			}
			return nil
		})
	}
	long := chains[len(chains)-1]
	if byRecord[long[0].Hash].Block >= byRecord[long[24].Hash].Block {
		t.Errorf("a 25-record chain at 10 per transaction committed in blocks %d..%d", byRecord[long[0].Hash].Block, byRecord[long[24].Hash].Block)
	}

	// Re-sending everything is accepted with the original receipts and
	// writes nothing.
	again, err := l.Anchor(ctx, recs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		if again[i] != receipts[i] {
			t.Fatalf("re-sent record %d: receipt %+v, want the original %+v", i, again[i], receipts[i])
		}
	}
	// A re-send with the next record of a lot: old receipts, one new record.
	c := chains[0]
	next := chain(c[0].Key, len(c)+1)
	mixed, err := l.Anchor(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if mixed[0] != byRecord[c[0].Hash] || mixed[len(c)].TxID == byRecord[c[0].Hash].TxID {
		t.Errorf("mixed re-send receipts %+v", mixed)
	}
	for _, c := range chains[1:] {
		if got, _ := l.Chain(ctx, custody.KindEvent, c[0].Key); len(got) != len(c) {
			t.Errorf("%s holds %d records after re-send, want %d", c[0].Key, len(got), len(c))
		}
	}
	if got, _ := l.Chain(ctx, custody.KindEvent, c[0].Key); len(got) != len(c)+1 {
		t.Errorf("%s holds %d records, want %d", c[0].Key, len(got), len(c)+1)
	}
}

// TestChaincodeRefuses submits straight to the chaincode through the Gateway,
// bypassing the Ledger's retries: the chain rules are enforced by the peers.
func TestChaincodeRefuses(t *testing.T) {
	l := open(t, "")
	good := chain(lotKey(t), 2)
	if _, err := l.Anchor(ctx, good); err != nil {
		t.Fatal(err)
	}
	other := chain(lotKey(t), 6)
	wrongPrev := custody.Record{Kind: custody.KindEvent, Key: good[0].Key, Seq: 2, Hash: other[2].Hash, PrevHash: other[1].Hash}
	gap := custody.Record{Kind: custody.KindEvent, Key: good[0].Key, Seq: 5, Hash: other[5].Hash, PrevHash: other[4].Hash}
	overwrite := good[1]
	overwrite.Hash = other[1].Hash
	tests := []struct {
		name string
		recs []custody.Record
		want error
	}{
		{"wrong prevHash", []custody.Record{wrongPrev}, custody.ErrPrevHash},
		{"gap", []custody.Record{gap}, custody.ErrGap},
		{"different hash for an existing seq", []custody.Record{overwrite}, custody.ErrOverwrite},
		{"malformed", []custody.Record{{Kind: custody.KindEvent, Key: "x", Hash: "nothex"}}, custody.ErrInvalid},
		{"good record with a bad one", []custody.Record{chain(lotKey(t), 1)[0], gap}, custody.ErrGap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arg, _ := json.Marshal(tt.recs)
			_, err := l.def.contract.SubmitWithContext(ctx, "Record", client.WithArguments(string(arg)))
			if err == nil {
				t.Fatal("accepted")
			}
			if err := classify(err); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if got, _ := l.Chain(ctx, custody.KindEvent, good[0].Key); len(got) != 2 || got[1].Hash != good[1].Hash {
		t.Errorf("chain changed by refused records: %+v", got)
	}
	// Through Anchor the same refusals come back wrapping the sentinel: an
	// overwrite after one attempt, a gap after its short bounded retry (the
	// client says how many attempts it made when it gives up). Counted, not
	// timed: the machine is shared.
	if _, err := l.Anchor(ctx, []custody.Record{overwrite}); !errors.Is(err, custody.ErrOverwrite) || strings.Contains(err.Error(), "gave up after") {
		t.Errorf("Anchor(overwrite) = %v, want a refusal without retries", err)
	}
	if _, err := l.Anchor(ctx, []custody.Record{gap}); !errors.Is(err, custody.ErrGap) || !strings.Contains(err.Error(), "gave up after") {
		t.Errorf("Anchor(gap) = %v, want a gap given up on after its retries", err)
	}
}

// node stops or starts one node of the test network.
func node(t testing.TB, action, name string) {
	t.Helper()
	script := filepath.Join("..", "..", "scripts", "fabric", "node.sh")
	cmd := exec.Command(script, action, name)
	cmd.Env = append(os.Environ(), "AGRITRACE_FABRIC_DIR="+filepath.Dir(os.Getenv("AGRITRACE_FABRIC_ENV")))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node.sh %s %s: %v\n%s", action, name, err, out)
	}
}

// TestOrdererOutage stops all three orderers ("orderer" names them all):
// nothing is ordered until they return, and then nothing is lost.
func TestOrdererOutage(t *testing.T) { outage(t, "orderer", nil) }

func TestRegulatorPeerOutage(t *testing.T) { outage(t, "regulator", nil) }

// TestCollectorPeerOutage stops the peer the ledger submits through.
func TestCollectorPeerOutage(t *testing.T) { outage(t, "collector", nil) }

// outage anchors a stream of records while a node goes down and comes back,
// the way the outbox worker does: each Anchor call has a deadline, and a
// failed one is sent again. Anchor must fail only with transient errors
// (never a refusal other than a passing gap) and, after the restart, every
// record is on the ledger exactly once. With whileDown nil the node stays
// down 4 s and some Anchor call must fail meanwhile; otherwise whileDown runs
// while it is down, reading the steps the stream completes.
func outage(t *testing.T, name string, whileDown func(stepped <-chan int)) {
	l := open(t, "", func(c *Config) { c.RetryFor = 3 * time.Second })
	const steps = 12
	lots := [][]custody.Record{chain(lotKey(t), steps), chain(lotKey(t), steps), chain(lotKey(t), steps)}
	st := startStream(l, lots, 5*time.Second)
	stepped, done := st.stepped, st.done
	for i := range stepped {
		if i == 2 {
			break
		}
	}
	node(t, "stop", name)
	stopped := true
	t.Cleanup(func() {
		if stopped {
			node(t, "start", name)
		}
	})
	if whileDown == nil {
		time.Sleep(4 * time.Second)
	} else {
		whileDown(stepped)
	}
	node(t, "start", name)
	stopped = false
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("refused during the outage: %v", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the stream did not finish within 2 minutes of the restart")
	}
	failures := st.failed()
	t.Logf("%d failed Anchor calls while %s was down, first: %v", len(failures), name, first(failures))
	if whileDown == nil && len(failures) == 0 {
		t.Errorf("no Anchor call failed with %s down", name)
	}
	regulator := open(t, "_2")
	for _, c := range lots {
		got, err := l.Chain(ctx, custody.KindEvent, c[0].Key)
		if err != nil || len(got) != steps {
			t.Fatalf("%s holds %d records (%v), want %d", c[0].Key, len(got), err, steps)
		}
		for i := range got {
			if !got[i].Record.Equal(c[i]) {
				t.Fatalf("%s[%d] = %+v, want %+v", c[0].Key, i, got[i], c[i])
			}
		}
		eventually(t, "regulator's peer after the outage", func() error {
			theirs, err := regulator.Chain(ctx, custody.KindEvent, c[0].Key)
			if err == nil && len(theirs) != steps {
				err = fmt.Errorf("%d records", len(theirs))
			}
			return err
		})
	}
}

func first(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}

// BenchmarkAnchor measures records per second committed on the network at
// 1, 10 and 100 records per transaction, each Anchor call holding records of
// many lots so that transactions run side by side (Parallel, 32 by default).
// BenchmarkAnchor/single is the trickle case: one record per call, each call
// waiting for its block.
func BenchmarkAnchor(b *testing.B) {
	for _, size := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			l := open(b, "", func(c *Config) { c.BatchSize = size })
			perOp := max(20*size, 200)
			records, txs := 0, 0
			for b.Loop() {
				var recs []custody.Record
				for range perOp {
					recs = append(recs, chain(lotKey(b), 1)...)
				}
				if _, err := l.Anchor(ctx, recs); err != nil {
					b.Fatal(err)
				}
				records += perOp
				txs += perOp / size
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(txs)/b.Elapsed().Seconds(), "tx/s")
			b.ReportMetric(0, "ns/op")
		})
	}
	b.Run("single", func(b *testing.B) {
		l := open(b, "")
		records := 0
		for b.Loop() {
			if _, err := l.Anchor(ctx, chain(lotKey(b), 1)); err != nil {
				b.Fatal(err)
			}
			records++
		}
		b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	})
}

// stream anchors step i of every lot together, i = 0, 1, ..., the way the
// outbox worker does: each call with a deadline, a failed one sent again,
// until every step is in or the ledger refuses something other than a
// passing gap. It reports each step done on stepped, and the end on done.
type stream struct {
	stepped chan int
	done    chan error

	mu       sync.Mutex
	failures []error
}

func startStream(l *Ledger, lots [][]custody.Record, timeout time.Duration) *stream {
	steps := len(lots[0])
	s := &stream{stepped: make(chan int, steps), done: make(chan error, 1)}
	go func() {
		for i := range steps {
			recs := make([]custody.Record, len(lots))
			for j, lot := range lots {
				recs[j] = lot[i]
			}
			for {
				cctx, cancel := context.WithTimeout(ctx, timeout)
				_, err := l.Anchor(cctx, recs)
				cancel()
				if err == nil {
					break
				}
				s.mu.Lock()
				s.failures = append(s.failures, err)
				s.mu.Unlock()
				if refused(err) && !errors.Is(err, custody.ErrGap) {
					s.done <- err
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
			s.stepped <- i
		}
		s.done <- nil
	}()
	return s
}

// failed returns the failed Anchor calls so far.
func (s *stream) failed() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.failures)
}
