package trace_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
)

// counting counts the lot reads a walk makes, one per statement.
type counting struct {
	trace.Store
	n atomic.Int64
}

func (c *counting) Lot(ctx context.Context, id string) (trace.Lot, error) {
	c.n.Add(1)
	return c.Store.Lot(ctx, id)
}

func (c *counting) Lots(ctx context.Context, f trace.LotFilter) ([]trace.Lot, error) {
	c.n.Add(1)
	return c.Store.Lots(ctx, f)
}

func (c *counting) LotsByID(ctx context.Context, ids []string) ([]trace.Lot, error) {
	c.n.Add(1)
	return c.Store.LotsByID(ctx, ids)
}

func (c *counting) ChildLots(ctx context.Context, parents []string) ([]trace.Lot, error) {
	c.n.Add(1)
	return c.Store.ChildLots(ctx, parents)
}

const gtin = "06901234567892"

func lotAt(layer, i int) string { return trace.LotID(gtin, fmt.Sprintf("L%02d-%03d", layer, i)) }

// deepGraph stores layers of width lots, each lot made from three of the
// layer above (fan-in 3) and so feeding three of the layer below (fan-out
// 3). The mill made and holds every lot; the shop holds the last layer.
func deepGraph(tb testing.TB, layers, width int) *counting {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "agritrace.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	var c trace.Change
	for k := range layers {
		for i := range width {
			l := trace.Lot{ID: lotAt(k, i), GTIN: gtin, Number: fmt.Sprintf("L%02d-%03d", k, i), Quantity: 1000, Available: 1000,
				BaseUnit: "g", Status: trace.LotActive, Producer: "mill", Custodian: "mill", Holders: []string{"mill"},
				Areas: []string{"42", "4205", "420526"}}
			if k == 0 {
				l.Origin = &trace.Origin{Region: "420526101"}
			}
			if k == layers-1 {
				l.Custodian, l.Holders = "shop", []string{"mill", "shop"}
			}
			for _, d := range []int{0, 1, 3} {
				if k > 0 {
					l.Parents = append(l.Parents, trace.Portion{Lot: lotAt(k-1, (i+d)%width), Quantity: 100})
				}
			}
			c.Lots = append(c.Lots, trace.LotWrite{Lot: l, PrevSeq: -1})
		}
	}
	if err := st.Commit(context.Background(), c); err != nil {
		tb.Fatal(err)
	}
	return &counting{Store: st}
}

// BenchmarkTraceFor times the trace of a lot in the middle of a 25-layer
// graph of 5,000 lots, for its holder and for a shop that holds only lots
// made from it far downstream (whose read check walks down to them).
func BenchmarkTraceFor(b *testing.B) {
	st := deepGraph(b, 25, 200)
	svc := trace.NewService(st, nil)
	root := lotAt(12, 100)
	for _, actor := range []trace.Org{
		{ID: "mill", Roles: []string{trace.RoleProcessor}},
		{ID: "shop", Roles: []string{trace.RoleRetailer}},
	} {
		b.Run(actor.ID, func(b *testing.B) {
			st.n.Store(0)
			var nodes int
			for b.Loop() {
				g, err := svc.TraceFor(context.Background(), actor, root)
				if err != nil {
					b.Fatal(err)
				}
				nodes = len(g.Nodes)
			}
			b.ReportMetric(float64(st.n.Load())/float64(b.N), "queries/op")
			b.ReportMetric(float64(nodes), "lots/op")
		})
	}
	// Four clients at once, as the target is put: p99 of one trace.
	b.Run("mill-4clients", func(b *testing.B) {
		var mu sync.Mutex
		var took []time.Duration
		b.SetParallelism((4 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				began := time.Now()
				if _, err := svc.TraceFor(context.Background(), trace.Org{ID: "mill", Roles: []string{trace.RoleProcessor}}, root); err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				took = append(took, time.Since(began))
				mu.Unlock()
			}
		})
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	})
}
