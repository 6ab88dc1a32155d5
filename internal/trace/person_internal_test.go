package trace

import (
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/hashchain"
)

// TestStampRelinks stamps a change with two events on one lot and one on
// another: every hash must cover the person, each event must point at the
// stamped hash before it, and the lots' heads and the outbox records must
// follow, or the ledger would refuse the chain.
func TestStampRelinks(t *testing.T) {
	c := &change{now: time.Date(2026, 5, 20, 8, 30, 0, 0, time.UTC), actor: Org{ID: "xingshan-cc"}, place: Place{Name: "收购点", Region: "420526"}, index: map[string]int{}}
	c.create(Lot{ID: "A"})
	c.track(Lot{ID: "B", Seq: 3, Head: "b3"})
	for _, step := range []struct{ lot, typ string }{{"A", EventCommission}, {"A", EventInspect}, {"B", EventInspect}} {
		if err := c.append(step.lot, step.typ, 1000, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.stamp("xingshan-cc.clerk"); err != nil {
		t.Fatal(err)
	}
	heads := map[string]hashchain.Head{"A": hashchain.Empty, "B": {Seq: 3, Hash: "b3"}}
	for i, e := range c.events {
		h, err := e.ComputeHash()
		if err != nil || h != e.Hash || e.Person != "xingshan-cc.clerk" {
			t.Fatalf("event %d: %+v recomputes to %s (%v)", i, e, h, err)
		}
		if seq, prev := heads[e.Lot].Next(); e.Seq != seq || e.PrevHash != prev {
			t.Errorf("event %d of %s: seq %d prev %s, want %d %s", i, e.Lot, e.Seq, e.PrevHash, seq, prev)
		}
		heads[e.Lot] = hashchain.Head{Seq: e.Seq, Hash: e.Hash}
		if a := c.anchors[i]; a.Hash != e.Hash || a.PrevHash != e.PrevHash {
			t.Errorf("outbox record %d: %+v, event %s after %s", i, a, e.Hash, e.PrevHash)
		}
	}
	for _, w := range c.lots {
		if w.Lot.Head != heads[w.Lot.ID].Hash {
			t.Errorf("lot %s head %s, want %s", w.Lot.ID, w.Lot.Head, heads[w.Lot.ID].Hash)
		}
	}
}
