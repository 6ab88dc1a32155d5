package mongo_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/embedded"
	"github.com/agritrace/agritrace/internal/anchor"
	"github.com/agritrace/agritrace/internal/trace"
)

// BenchmarkDrain commits 500 outbox records in chains of five through the
// store and drains them onto the embedded ledger with one worker at batch
// 50, reporting records/s of the worker alone: what the outbox's hand-out
// and settling cost on a Mongo-protocol server.
func BenchmarkDrain(b *testing.B) {
	const lots, events = 100, 5
	ctx := context.Background()
	var settled int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := openStore(b)
		var recs []custody.Record
		for l := range lots {
			prev := ""
			for seq := range events {
				h := fmt.Sprintf("%064x", l*events+seq+1)
				recs = append(recs, custody.Record{Kind: custody.KindEvent, Key: fmt.Sprintf("lot-%03d", l), Seq: uint64(seq), Hash: h, PrevHash: prev})
				prev = h
			}
		}
		if err := st.Commit(ctx, trace.Change{Anchors: recs}); err != nil {
			b.Fatal(err)
		}
		led, err := embedded.Open(filepath.Join(b.TempDir(), "ledger"))
		if err != nil {
			b.Fatal(err)
		}
		w := anchor.New(st, led, slog.New(slog.NewTextHandler(io.Discard, nil)))
		w.Batch = 50
		b.StartTimer()
		n, err := w.Drain(ctx)
		b.StopTimer()
		if err != nil || n != lots*events {
			b.Fatalf("Drain = %d, %v", n, err)
		}
		settled += n
		led.Close()
	}
	b.ReportMetric(float64(settled)/b.Elapsed().Seconds(), "records/s")
}
