package embedded_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/embedded"
	"github.com/agritrace/agritrace/internal/jcs"
)

func h(c byte) string { return strings.Repeat(string(c), 64) }

func open(t *testing.T, path string) *embedded.Ledger {
	t.Helper()
	l, err := embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

var ctx = context.Background()

func TestAnchorEnforcesChainAndSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.log")
	l := open(t, path)
	r0 := custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: 0, Hash: h('a')}
	r1 := custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: 1, Hash: h('b'), PrevHash: h('a')}
	got, err := l.Anchor(ctx, []custody.Record{r0, r1})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != got[1] || got[0].TxID == "" {
		t.Errorf("receipts = %+v, want one transaction for both", got)
	}
	again, err := l.Anchor(ctx, []custody.Record{r1})
	if err != nil || again[0] != got[1] {
		t.Errorf("re-send = %+v, %v; want the original receipt", again, err)
	}
	if l.Height() != 1 {
		t.Errorf("height = %d after idempotent re-send, want 1", l.Height())
	}
	for name, bad := range map[string]struct {
		r    custody.Record
		want error
	}{
		"gap":       {custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: 3, Hash: h('c'), PrevHash: h('b')}, custody.ErrGap},
		"prevHash":  {custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: 2, Hash: h('c'), PrevHash: h('a')}, custody.ErrPrevHash},
		"overwrite": {custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: 1, Hash: h('c'), PrevHash: h('a')}, custody.ErrOverwrite},
	} {
		if _, err := l.Anchor(ctx, []custody.Record{bad.r}); !errors.Is(err, bad.want) {
			t.Errorf("%s: err = %v, want %v", name, err, bad.want)
		}
	}
	l.Close()

	l2 := open(t, path)
	chain, err := l2.Chain(ctx, custody.KindEvent, "L1")
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 2 || chain[1].Hash != h('b') || chain[1].TxID != got[1].TxID || chain[1].Org != embedded.Org {
		t.Errorf("chain after reopen = %+v", chain)
	}
}

func TestOpenDropsTornWriteAndCatchesEdits(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.log")
	l := open(t, path)
	if _, err := l.Anchor(ctx, []custody.Record{{Kind: custody.KindEvent, Key: "L1", Hash: h('a')}}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	good, _ := os.ReadFile(path)

	if err := os.WriteFile(path, append(append([]byte{}, good...), `{"number":1,"prev`...), 0o644); err != nil {
		t.Fatal(err)
	}
	l2 := open(t, path)
	if l2.Height() != 1 {
		t.Errorf("height after torn write = %d, want 1", l2.Height())
	}
	l2.Close()

	edited := strings.Replace(string(good), h('a'), h('f'), 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := embedded.Open(path); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Errorf("Open of edited log: err = %v, want it to report the alteration", err)
	}
}

// TestBlockNumbers checks that blocks are numbered from 1, so that a receipt's
// block 0 means none, and that a log begun at block 0 by an older version
// still opens and goes on from there.
func TestBlockNumbers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.log")
	l := open(t, path)
	got, err := l.Anchor(ctx, []custody.Record{{Kind: custody.KindEvent, Key: "L1", Hash: h('a')}})
	if err != nil || got[0].Block != 1 || l.Height() != 1 {
		t.Fatalf("first receipt = %+v, %v, height %d; want block 1 of 1", got, err, l.Height())
	}
	l.Close()

	// The same log as an older version wrote it: block 0, hashed as such.
	line, _ := os.ReadFile(path)
	var b embedded.Block
	if err := json.Unmarshal(line, &b); err != nil {
		t.Fatal(err)
	}
	b.Number, b.Hash = 0, ""
	canonical, err := jcs.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(canonical)
	b.Hash = hex.EncodeToString(sum[:])
	old, _ := json.Marshal(b)
	if err := os.WriteFile(path, append(old, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	l = open(t, path)
	next, err := l.Anchor(ctx, []custody.Record{{Kind: custody.KindEvent, Key: "L1", Seq: 1, Hash: h('b'), PrevHash: h('a')}})
	if err != nil || next[0].Block != 1 || l.Height() != 2 {
		t.Errorf("after an older log's block 0: %+v, %v, height %d; want block 1 of 2", next, err, l.Height())
	}
}
