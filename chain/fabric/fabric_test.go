package fabric

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/hyperledger/fabric-gateway/pkg/client"
)

// These tests run against the network scripts/fabric/up.sh starts; the test
// command sets AGRITRACE_FABRIC_ENV to its client.env.

func open(t testing.TB, suffix string) *Ledger {
	t.Helper()
	path := os.Getenv("AGRITRACE_FABRIC_ENV")
	if path == "" {
		t.Skip("no Fabric network: run scripts/fabric/up.sh and set AGRITRACE_FABRIC_ENV")
	}
	cfg, err := LoadEnv(path, suffix, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// chain makes n linked records of a fresh lot.
func chain(key string, n int) []custody.Record {
	var out []custody.Record
	prev := ""
	for i := range n {
		sum := sha256.Sum256([]byte(key + "/" + string(rune('a'+i))))
		h := hex.EncodeToString(sum[:])
		out = append(out, custody.Record{Kind: custody.KindEvent, Key: key, Seq: uint64(i), Hash: h, PrevHash: prev})
		prev = h
	}
	return out
}

func lotKey(t testing.TB) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "T" + hex.EncodeToString(b)
}

var ctx = context.Background()

func TestAnchorAndChain(t *testing.T) {
	l := open(t, "")
	a, b := chain(lotKey(t), 3), chain(lotKey(t), 2)
	recs := append(append([]custody.Record{}, a...), b...)
	receipts, err := l.Anchor(ctx, recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(receipts) != 5 || receipts[0].TxID == "" || receipts[0].Block == 0 {
		t.Fatalf("receipts = %+v", receipts)
	}
	got, err := l.Chain(ctx, custody.KindEvent, a[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].Hash != a[2].Hash || got[0].Org != "CollectorMSP" || got[0].TxID != receipts[0].TxID {
		t.Fatalf("chain = %+v", got)
	}
	// Re-sending is harmless: same receipts, nothing written twice.
	again, err := l.Anchor(ctx, recs[3:])
	if err != nil {
		t.Fatal(err)
	}
	if again[0].TxID != receipts[3].TxID {
		t.Errorf("re-send receipt %+v, want the original %+v", again[0], receipts[3])
	}
	if got, _ := l.Chain(ctx, custody.KindEvent, b[0].Key); len(got) != 2 {
		t.Errorf("chain after re-send has %d records, want 2", len(got))
	}
	// The regulator's peer holds the same chain.
	other := open(t, "_2")
	var theirs []custody.Entry
	for range 50 {
		if theirs, err = other.Chain(ctx, custody.KindEvent, a[0].Key); err == nil && len(theirs) == 3 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	mine, _ := json.Marshal(got)
	if len(theirs) != 3 {
		t.Fatalf("regulator peer holds %d records", len(theirs))
	}
	for i := range theirs {
		if theirs[i] != got[i] && theirs[i].Hash != a[i].Hash {
			t.Errorf("peers disagree at %d: %+v vs %s", i, theirs[i], mine)
		}
	}
}

// TestChaincodeRefuses submits straight to the chaincode, bypassing the
// client's retries: the chain rules are enforced by the peers themselves.
func TestChaincodeRefuses(t *testing.T) {
	l := open(t, "")
	good := chain(lotKey(t), 2)
	if _, err := l.Anchor(ctx, good); err != nil {
		t.Fatal(err)
	}
	other := chain(lotKey(t), 3)
	wrongPrev := good[1]
	wrongPrev.Seq, wrongPrev.Hash, wrongPrev.PrevHash = 2, other[2].Hash, other[0].Hash
	gap := good[1]
	gap.Seq, gap.Hash, gap.PrevHash = 5, other[2].Hash, good[1].Hash
	overwrite := good[1]
	overwrite.Hash = other[1].Hash
	tests := []struct {
		name string
		rec  custody.Record
		want error
	}{
		{"wrong prevHash", wrongPrev, custody.ErrPrevHash},
		{"gap", gap, custody.ErrGap},
		{"different hash for an existing seq", overwrite, custody.ErrOverwrite},
		{"malformed", custody.Record{Kind: "event", Key: "x", Hash: "nothex"}, custody.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arg, _ := json.Marshal([]custody.Record{tt.rec})
			_, err := l.contract.SubmitWithContext(ctx, "Record", client.WithArguments(string(arg)))
			if !errors.Is(classify(err), tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	got, _ := l.Chain(ctx, custody.KindEvent, good[0].Key)
	if len(got) != 2 || got[1].Hash != good[1].Hash {
		t.Errorf("chain changed by refused records: %+v", got)
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

// TestOrdererOutage stops the orderer: anchoring fails as a transient error,
// not a refusal, and once the orderer is back the records land exactly once.
func TestOrdererOutage(t *testing.T) {
	l := open(t, "")
	recs := chain(lotKey(t), 4)
	if _, err := l.Anchor(ctx, recs[:1]); err != nil {
		t.Fatal(err)
	}
	node(t, "stop", "orderer")
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			node(t, "start", "orderer")
		}
	})
	short, cancel := context.WithTimeout(ctx, 3*time.Second)
	_, err := l.Anchor(short, recs[1:])
	cancel()
	if err == nil || refused(err) {
		t.Fatalf("anchoring with the orderer down: %v, want a transient error", err)
	}
	node(t, "start", "orderer")
	restarted = true
	// Raft re-elects within seconds; the outbox worker would simply retry.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err = l.Anchor(ctx, recs[1:]); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	got, _ := l.Chain(ctx, custody.KindEvent, recs[0].Key)
	if len(got) != 4 {
		t.Fatalf("chain holds %d records, want 4", len(got))
	}
}

func TestBatches(t *testing.T) {
	a, b, c := chain("A", 3), chain("B", 2), chain("C", 5)
	recs := append(append(append([]custody.Record{}, a...), b...), c...)
	got := batches(recs, 4)
	var sizes []int
	for _, g := range got {
		sizes = append(sizes, len(g))
	}
	// A (3) fits; B (2) would overflow, so it starts the next; C (5) is cut at 4.
	if len(got) != 4 || sizes[0] != 3 || sizes[1] != 2 || sizes[2] != 4 || sizes[3] != 1 {
		t.Errorf("batches = %v", sizes)
	}
}

// BenchmarkAnchor measures records per second committed on the network at a
// few batch sizes, one transaction at a time as the outbox worker sends them.
func BenchmarkAnchor(b *testing.B) {
	for _, size := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			l := open(b, "")
			b.ResetTimer()
			records := 0
			for b.Loop() {
				var recs []custody.Record
				for range size {
					recs = append(recs, chain(lotKey(b), 1)...)
				}
				if _, err := l.Anchor(ctx, recs); err != nil {
					b.Fatal(err)
				}
				records += size
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
