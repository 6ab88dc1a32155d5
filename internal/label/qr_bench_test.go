package label_test

import (
	"syscall"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/agritrace/agritrace/internal/label"
)

// BenchmarkQREncode compares encoding label URLs into modules with this
// package's encoder and with go-qrcode, which labels used before, in the
// same run: the ratio of the two is the figure to read.
func BenchmarkQREncode(b *testing.B) {
	urls := labelURLs(b, 256)
	b.Run("label", func(b *testing.B) {
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			if _, err := label.Encode(urls[i%len(urls)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("go-qrcode", func(b *testing.B) {
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			q, err := qrcode.New(urls[i%len(urls)], qrcode.Medium)
			if err != nil {
				b.Fatal(err)
			}
			q.Bitmap()
			i++
		}
	})
}

// reportCPU reports the CPU time of the process per op, which other work on
// a shared machine changes less than the time on the clock; call the
// function it returns after the loop.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
