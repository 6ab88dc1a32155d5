package embedded_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
)

// TestRulesHoldForChainsReadFromTheIndex reopens a ledger, so that its
// heads know no chain and validation reads every chain from the index in
// one query per batch, and checks that every custody rule still holds and a
// re-send still gets its original receipt.
func TestRulesHoldForChainsReadFromTheIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.log")
	l := open(t, path)
	r0 := custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: 0, Hash: h('a')}
	r1 := custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: 1, Hash: h('b'), PrevHash: h('a')}
	got, err := l.Anchor(ctx, []custody.Record{r0, r1})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()

	for name, bad := range map[string]struct {
		r    custody.Record
		want error
	}{
		"gap":       {custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: 3, Hash: h('c'), PrevHash: h('b')}, custody.ErrGap},
		"prevHash":  {custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: 2, Hash: h('c'), PrevHash: h('a')}, custody.ErrPrevHash},
		"overwrite": {custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: 0, Hash: h('c')}, custody.ErrOverwrite},
	} {
		l := open(t, path)
		_, err := l.Anchor(ctx, []custody.Record{bad.r})
		l.Close()
		if !errors.Is(err, bad.want) {
			t.Errorf("%s after reopen: err = %v, want %v", name, err, bad.want)
		}
	}

	l = open(t, path)
	defer l.Close()
	r2 := custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: 2, Hash: h('c'), PrevHash: h('b')}
	n0 := custody.Record{Kind: custody.KindEvent, Key: "L2", Seq: 0, Hash: h('d')}
	more, err := l.Anchor(ctx, []custody.Record{r1, r2, n0})
	if err != nil {
		t.Fatal(err)
	}
	if more[0] != got[1] || more[1] == got[1] || more[1] != more[2] {
		t.Errorf("receipts after reopen = %+v, want the re-sent record's original and one new transaction", more)
	}
	chain, err := l.Chain(ctx, custody.KindEvent, "L1")
	if err != nil || len(chain) != 3 || chain[2].Hash != h('c') {
		t.Errorf("chain = %+v, %v", chain, err)
	}
}
