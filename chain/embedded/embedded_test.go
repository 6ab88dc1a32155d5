package embedded_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/embedded"
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
