package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
)

// record is outbox record seq of chain key; its hashes only need to differ.
func record(key string, seq uint64) custody.Record {
	r := custody.Record{Kind: custody.KindEvent, Key: key, Seq: seq, Hash: fmt.Sprintf("%s-%d", key, seq)}
	if seq > 0 {
		r.PrevHash = fmt.Sprintf("%s-%d", key, seq-1)
	}
	return r
}

// names writes records as key+seq, e.g. "X0 X1 Y0".
func names(recs []custody.Record) string {
	var out []string
	for _, r := range recs {
		out = append(out, fmt.Sprintf("%s%d", r.Key, r.Seq))
	}
	return fmt.Sprint(out)
}

// testClaimAnchors: records are handed out chain by chain, each in seq order
// whatever order the changes queued them in; whole chains only, but for a
// first chain longer than the limit; round the chains from call to call;
// never a chain the worker set aside.
func testClaimAnchors(t *testing.T, s trace.Store) {
	for _, recs := range [][]custody.Record{
		{record("Y", 0), record("X", 0)},
		{record("X", 2), record("X", 1), record("Y", 1)},
		{record("Z", 0)},
	} {
		must(t, s.Commit(ctx, trace.Change{Anchors: recs}))
	}
	x := trace.AnchorChain{Kind: custody.KindEvent, Key: "X"}
	for i, tt := range []struct {
		limit int
		skip  []trace.AnchorChain
		want  string
	}{
		{100, []trace.AnchorChain{x}, "[Y0 Y1 Z0]"},
		{4, nil, "[X0 X1 X2]"},
		{4, nil, "[Y0 Y1 Z0]"},
		{4, nil, "[X0 X1 X2]"},
		{2, nil, "[Y0 Y1]"},
		{2, nil, "[Z0]"},
		{2, nil, "[X0 X1]"},
		{2, []trace.AnchorChain{x}, "[Y0 Y1]"},
	} {
		got, err := s.ClaimAnchors(ctx, tt.limit, tt.skip)
		must(t, err)
		if names(got) != tt.want {
			t.Errorf("call %d: ClaimAnchors(%d, %v) = %s, want %s", i, tt.limit, tt.skip, names(got), tt.want)
		}
		chains := []trace.AnchorChain{}
		for _, r := range got {
			if c := trace.ChainOf(r); !slices.Contains(chains, c) {
				chains = append(chains, c)
			}
		}
		must(t, s.ReleaseAnchors(ctx, chains))
	}

	// Settled records leave; the rest of their chain follows in order.
	first, err := s.ClaimAnchors(ctx, 100, nil)
	must(t, err)
	must(t, s.SettleAnchors(ctx, []trace.AnchorOutcome{{Record: record("X", 0), Ledger: "embedded", At: t0}}))
	if names(first) != "[Z0 X0 X1 X2 Y0 Y1]" {
		t.Errorf("ClaimAnchors(100) = %s", names(first))
	}
	left, err := s.ClaimAnchors(ctx, 100, nil)
	must(t, err)
	if names(left) != "[Z0 X1 X2 Y0 Y1]" {
		t.Errorf("ClaimAnchors after settling X0 = %s", names(left))
	}
}

// testAnchorWriters: what a record does to custody, who signs it and what
// it was made from come
// back as queued from every read of the outbox; a record without them (as
// queued before they existed) comes back without them.
func testAnchorWriters(t *testing.T, s trace.Store) {
	ship := record("W", 1)
	ship.Act, ship.To, ship.By = custody.ActShip, "ProcessorMSP", "CollectorMSP"
	first := record("W", 0)
	first.By, first.From = "CollectorMSP", []string{"S1", "S2 with a space, and a comma"}
	oversight := record("V", 0)
	oversight.Act, oversight.By = custody.ActRegulate, "RegulatorMSP"
	want := []custody.Record{oversight, record("U", 0), first, ship}
	must(t, s.Commit(ctx, trace.Change{Anchors: want}))
	sorted := []custody.Record{record("U", 0), oversight, first, ship}
	pending, err := s.PendingAnchors(ctx, 10)
	must(t, err)
	byChain := func(recs []custody.Record) []custody.Record {
		out := slices.Clone(recs)
		slices.SortFunc(out, func(a, b custody.Record) int {
			return cmp.Or(strings.Compare(a.Key, b.Key), cmp.Compare(a.Seq, b.Seq))
		})
		return out
	}
	if got := byChain(pending); !slices.EqualFunc(got, sorted, custody.Record.Equal) {
		t.Errorf("PendingAnchors = %+v, want %+v", got, sorted)
	}
	claimed, err := s.ClaimAnchors(ctx, 10, nil)
	must(t, err)
	if got := byChain(claimed); !slices.EqualFunc(got, sorted, custody.Record.Equal) {
		t.Errorf("ClaimAnchors = %+v, want %+v", got, sorted)
	}
	must(t, s.ReleaseAnchors(ctx, []trace.AnchorChain{trace.ChainOf(first), trace.ChainOf(oversight), trace.ChainOf(record("U", 0))}))
	as, err := s.Anchors(ctx, custody.KindEvent, "W")
	must(t, err)
	if len(as) != 2 || !as[0].Record.Equal(first) || !as[1].Record.Equal(ship) {
		t.Errorf("Anchors(W) = %+v, want %+v then %+v", as, first, ship)
	}
}
