package storetest

import (
	"fmt"
	"testing"

	"github.com/agritrace/agritrace/internal/trace"
)

// batchChange is what a batch of POST /api/v1/batch commits: n new lots, each
// with its commission and an inspection, as one Change.
func batchChange(t *testing.T, prefix string, n int) trace.Change {
	t.Helper()
	var c trace.Change
	for i := range n {
		l, e0, r0 := newLot(t, fmt.Sprintf("%s%d", prefix, i))
		l, e1, r1 := nextEvent(t, l, trace.EventInspect, l.Custodian)
		c.Lots = append(c.Lots, trace.LotWrite{Lot: l, PrevSeq: -1})
		c.Events = append(c.Events, e0, e1)
		c.Anchors = append(c.Anchors, r0, r1)
	}
	return c
}

// testBatchSizedCommit: a change of hundreds of lots and events commits whole,
// and one whose event in the middle is already recorded writes nothing.
func testBatchSizedCommit(t *testing.T, s trace.Store) {
	c := batchChange(t, "B", 300)
	must(t, s.Commit(ctx, c))
	for _, i := range []int{0, 199, 200, 299} {
		evs, err := s.Events(ctx, c.Lots[i].Lot.ID)
		must(t, err)
		if len(evs) != 2 || evs[1].Hash != c.Lots[i].Lot.Head {
			t.Errorf("lot %d: %d events", i, len(evs))
		}
	}
	pending, err := s.PendingAnchors(ctx, 1000)
	must(t, err)
	if len(pending) != 600 {
		t.Fatalf("%d outbox records, want 600", len(pending))
	}

	again := batchChange(t, "C", 300)
	again.Events[450] = c.Events[450]
	wantCode(t, s.Commit(ctx, again), trace.ECONFLICT)
	if _, err := s.Lot(ctx, again.Lots[0].Lot.ID); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Errorf("first lot of a refused change: %v", err)
	}
	pending, err = s.PendingAnchors(ctx, 1000)
	must(t, err)
	if len(pending) != 600 {
		t.Errorf("%d outbox records after a refused change, want 600", len(pending))
	}
}
