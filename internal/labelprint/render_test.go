package labelprint_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/audit"
	"github.com/agritrace/agritrace/internal/labelprint"
)

// sample returns n labels with URLs as long as real signed Digital Links.
func sample(n int) []labelprint.Label {
	out := make([]labelprint.Label, n)
	for i := range out {
		serial := fmt.Sprintf("7QK3M9X2%04d", i)
		out[i] = labelprint.Label{
			URL:     "https://trace.example.cn/01/06901234500592/10/B2026A/21/" + serial + "?k=1a2b3c4d&s=" + fmt.Sprintf("%086d", i),
			Serial:  serial,
			Product: "兴山压榨菜籽油 5L",
			Lot:     "B2026A",
		}
	}
	return out
}

// TestRenderSameWhateverTheCores: on any number of cores a document is the
// same bytes (less its dates), every label in order, each with its QR code.
func TestRenderSameWhateverTheCores(t *testing.T) {
	font, err := audit.LoadFont("")
	if err != nil {
		t.Skip(err)
	}
	labels := sample(300)
	var docs []string
	for _, procs := range []int{1, 4, 4} {
		prev := runtime.GOMAXPROCS(procs)
		var b bytes.Buffer
		err := labelprint.Render(context.Background(), &b, labelprint.A4, labels, font, nil)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, labelprint.Normalized(b.Bytes()))
	}
	for i, d := range docs[1:] {
		if d != docs[0] {
			t.Errorf("rendering %d differs from the one drawn on one core", i+2)
		}
	}
	if n := strings.Count(docs[0], "\nBI "); n != len(labels) {
		t.Errorf("%d QR codes drawn, want %d", n, len(labels))
	}
	at := 0
	for _, l := range labels {
		next := strings.Index(docs[0][at:], `(\(21\) `+l.Serial+`)`)
		if next < 0 {
			t.Fatalf("label %s is not after the one before it", l.Serial)
		}
		at += next
	}
}

// BenchmarkRender measures labels laid out per second, QR codes included,
// into a PDF written to nowhere; one op is one document of 1,000 labels.
func BenchmarkRender(b *testing.B) {
	font, err := audit.LoadFont("")
	if err != nil {
		b.Skip(err)
	}
	labels := sample(1000)
	for _, layout := range []labelprint.Layout{labelprint.A4, labelprint.Thermal} {
		b.Run(string(layout), func(b *testing.B) {
			start := cpuTime()
			for b.Loop() {
				if err := labelprint.Render(context.Background(), io.Discard, layout, labels, font, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(labels))/b.Elapsed().Seconds(), "labels/s")
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N*len(labels)), "cpu-ns/label")
		})
	}
}

// BenchmarkPrintRun renders the PDF of a whole print run of signed labels
// to a file and syncs it, as a run does: 10,000 labels an op, or
// AGRITRACE_BENCH_LABELS. It reports labels/s, CPU time a label, and the
// heap's peak over the run (sampled every 10 ms).
func BenchmarkPrintRun(b *testing.B) {
	font, err := audit.LoadFont("")
	if err != nil {
		b.Skip(err)
	}
	n := 10000
	if s := os.Getenv("AGRITRACE_BENCH_LABELS"); s != "" {
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	labels := sample(n)
	b.Run(fmt.Sprintf("labels=%d", n), func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "run.pdf")
		peak := watchHeap()
		start := cpuTime()
		for b.Loop() {
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			err = labelprint.Render(context.Background(), f, labelprint.A4, labels, font, nil)
			if err == nil {
				err = f.Sync()
			}
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "labels/s")
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N*n), "cpu-ns/label")
		b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
	})
}

// watchHeap samples the heap in use until the function it returns is
// called, which returns the largest sample.
func watchHeap() func() uint64 {
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-tick.C:
			case <-stop:
				done <- peak
				return
			}
		}
	}()
	return func() uint64 { close(stop); return <-done }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
