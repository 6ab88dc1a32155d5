package mongo_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/agritrace/agritrace/internal/trace"
)

// TestContendedLotAcrossInstances has three instances, each with several
// requests at once, inspect one lot: the in-process lot turns order only the
// requests of one instance, so the service's back-off must see every one
// through, and the lot's chain must come out contiguous.
func TestContendedLotAcrossInstances(t *testing.T) {
	s := openStore(t)
	create(t, s, "L1")
	const instances, workers, each = 3, 4, 3
	stores := []*trace.Service{trace.NewService(s, nil)}
	for i := 1; i < instances; i++ {
		stores = append(stores, trace.NewService(openAs(t, s.Name(), fmt.Sprintf("i%d", i)), nil))
	}
	actor := trace.Org{ID: "cc", Roles: []string{trace.RoleCollector}}
	var wg sync.WaitGroup
	for i, svc := range stores {
		for w := range workers {
			wg.Go(func() {
				for n := range each {
					in := trace.InspectInput{Results: map[string]any{"moisture": 7.0}, Note: fmt.Sprintf("i%d w%d n%d", i, w, n)}
					if _, err := svc.Inspect(ctx, actor, "L1", in); err != nil {
						t.Errorf("instance %d, worker %d, inspection %d: %v", i, w, n, err)
					}
				}
			})
		}
	}
	wg.Wait()
	evs, err := s.Events(ctx, "L1")
	must(t, err)
	if want := 1 + instances*workers*each; len(evs) != want {
		t.Fatalf("%d events, want %d", len(evs), want)
	}
	for i, e := range evs {
		if e.Seq != int64(i) || (i > 0 && e.PrevHash != evs[i-1].Hash) {
			t.Fatalf("event %d: seq %d, prevHash %s after %s: the chain is broken", i, e.Seq, e.PrevHash, evs[max(i-1, 0)].Hash)
		}
	}
	l, err := s.Lot(ctx, "L1")
	must(t, err)
	if l.Seq != int64(len(evs)-1) || l.Head != evs[len(evs)-1].Hash {
		t.Errorf("lot at seq %d head %s, want the last event's %d %s", l.Seq, l.Head, len(evs)-1, evs[len(evs)-1].Hash)
	}
}
