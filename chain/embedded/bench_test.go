package embedded_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/embedded"
	"github.com/agritrace/agritrace/internal/jcs"
)

// benchRecords is how many records BenchmarkOpen stores first:
// AGRITRACE_BENCH_LEDGER_RECORDS, or 10^6.
func benchRecords(b *testing.B) int {
	if v := os.Getenv("AGRITRACE_BENCH_LEDGER_RECORDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 1_000_000
}

// writeLog writes n records to a new log in blocks of 200, as the anchor
// worker batches them, in chains of five events each. It writes the blocks
// itself, without a sync per block, so that a million records take seconds
// rather than the hour of fsyncs Anchor would spend.
func writeLog(b *testing.B, path string, n int) {
	const perChain, batch = 5, 200
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	prev, number := "", uint64(1)
	t := time.Date(2026, 5, 10, 8, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += batch {
		blk := embedded.Block{Number: number, Prev: prev, Time: t.Add(time.Duration(number) * time.Second)}
		for i := start; i < min(start+batch, n); i++ {
			key, seq := fmt.Sprintf("06901234567892.G%07d", i/perChain), uint64(i%perChain)
			r := custody.Record{Kind: custody.KindEvent, Key: key, Seq: seq, Hash: hashOf(key, seq)}
			if seq > 0 {
				r.PrevHash = hashOf(key, seq-1)
			}
			blk.Records = append(blk.Records, r)
		}
		tx := sha256.Sum256([]byte(strconv.FormatUint(number, 10)))
		blk.TxID = hex.EncodeToString(tx[:])
		canonical, err := jcs.Marshal(blk)
		if err != nil {
			b.Fatal(err)
		}
		sum := sha256.Sum256(canonical)
		blk.Hash = hex.EncodeToString(sum[:])
		line, err := json.Marshal(blk)
		if err != nil {
			b.Fatal(err)
		}
		w.Write(append(line, '\n'))
		prev, number = blk.Hash, number+1
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkOpen times opening a ledger that holds benchRecords records once
// it has been opened before (first-open-ms is that first open, which builds
// what later opens use), and reports the live heap with the ledger open.
func BenchmarkOpen(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ledger.log")
	writeLog(b, path, benchRecords(b))
	began := time.Now()
	l, err := embedded.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	first := time.Since(began)
	l.Close()
	var heap uint64
	for b.Loop() {
		l, err := embedded.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		heap = max(heap, m.HeapAlloc)
		l.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(first.Milliseconds()), "first-open-ms")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/open")
	b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
}

// BenchmarkAnchor times Anchor calls of 200 records, the anchor worker's
// batch, each record starting or extending one of 10,000 chains; every call
// writes and syncs one block.
func BenchmarkAnchor(b *testing.B) {
	l, err := embedded.Open(filepath.Join(b.TempDir(), "ledger.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	const batch, chains = 200, 10_000
	var i int
	for b.Loop() {
		recs := make([]custody.Record, 0, batch)
		for range batch {
			key, seq := fmt.Sprintf("06901234567892.A%05d", i%chains), uint64(i/chains)
			r := custody.Record{Kind: custody.KindEvent, Key: key, Seq: seq, Hash: hashOf(key, seq)}
			if seq > 0 {
				r.PrevHash = hashOf(key, seq-1)
			}
			recs, i = append(recs, r), i+1
		}
		if _, err := l.Anchor(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "records/s")
}
