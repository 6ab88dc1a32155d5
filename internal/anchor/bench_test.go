package anchor_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/embedded"
	"github.com/agritrace/agritrace/internal/anchor"
	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
)

// BenchmarkDrain commits outbox records through the real SQLite store and
// drains them onto the real embedded ledger, reporting records/s of the
// worker alone, at the old batch of 200 and at the default.
func BenchmarkDrain(b *testing.B) {
	const records = 20000
	for _, batch := range []int{200, anchor.New(nil, nil, nil).Batch} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ctx := context.Background()
			var settled int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := b.TempDir()
				st, err := sqlite.Open(ctx, filepath.Join(dir, "db"))
				if err != nil {
					b.Fatal(err)
				}
				led, err := embedded.Open(filepath.Join(dir, "ledger"))
				if err != nil {
					b.Fatal(err)
				}
				if err := st.Commit(ctx, trace.Change{Anchors: chains(records)}); err != nil {
					b.Fatal(err)
				}
				w := anchor.New(st, led, slog.New(slog.NewTextHandler(io.Discard, nil)))
				w.Batch = batch
				b.StartTimer()
				n, err := w.Drain(ctx)
				b.StopTimer()
				if err != nil || n != records {
					b.Fatalf("Drain = %d, %v", n, err)
				}
				settled += n
				led.Close()
				st.Close()
			}
			b.ReportMetric(float64(settled)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// chains returns n records in chains of five, as lots get events.
func chains(n int) []custody.Record {
	out := make([]custody.Record, n)
	prev := ""
	for i := range out {
		seq := uint64(i % 5)
		if seq == 0 {
			prev = ""
		}
		sum := sha256.Sum256(fmt.Appendf(nil, "%d", i))
		h := hex.EncodeToString(sum[:])
		out[i] = custody.Record{Kind: "event", Key: fmt.Sprintf("lot-%d", i/5), Seq: seq, Hash: h, PrevHash: prev}
		prev = h
	}
	return out
}
