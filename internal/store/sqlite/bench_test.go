package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
)

// commissionChange is what commissioning a fresh lot commits: the lot, its
// first event and the event's outbox record.
func commissionChange(tb testing.TB, number string) trace.Change {
	tb.Helper()
	t0 := time.Date(2026, 5, 20, 8, 30, 0, 0, time.UTC)
	id := trace.LotID("06901234567892", number)
	e := trace.Event{
		Lot: id, Type: trace.EventCommission, BizStep: trace.BizSteps[trace.EventCommission], Actor: "cc",
		Place: trace.Place{Name: "集配中心", Region: "420526"}, Time: t0, Quantity: 5_000_000,
	}
	h, err := e.ComputeHash()
	if err != nil {
		tb.Fatal(err)
	}
	e.Hash = h
	l := trace.Lot{
		ID: id, GTIN: "06901234567892", Number: number, Quantity: 5_000_000, Available: 5_000_000, BaseUnit: "g",
		Status: trace.LotActive, Producer: "cc", Custodian: "cc", Head: h, CreatedAt: t0, UpdatedAt: t0,
	}
	return trace.Change{
		Lots: []trace.LotWrite{{Lot: l, PrevSeq: -1}}, Events: []trace.Event{e},
		Anchors: []custody.Record{{Kind: custody.KindEvent, Key: id, Hash: h}},
	}
}

// BenchmarkCommitParallel measures Commits per second from many goroutines at
// once, each commissioning its own lots, as concurrent API requests do.
func BenchmarkCommitParallel(b *testing.B) {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "agritrace.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var n atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Commit(context.Background(), commissionChange(b, fmt.Sprintf("B%d", n.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}
