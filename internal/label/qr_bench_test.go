package label_test

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/agritrace/agritrace/internal/label"
)

// The benchmarks here time this package's encoder beside go-qrcode, which
// labels used before, in the same run: read the ratio of the two, since
// the machine's other work moves both. cpu-ns/op is the process's CPU time
// per op, which that other work moves less than the clock.

// BenchmarkQREncode measures encoding signed label URLs into modules.
func BenchmarkQREncode(b *testing.B) {
	urls := labelURLs(b, 256)
	b.Run("label", func(b *testing.B) {
		each(b, urls, func(u string) error { _, err := label.Encode(u); return err })
	})
	b.Run("go-qrcode", func(b *testing.B) {
		each(b, urls, func(u string) error {
			q, err := qrcode.New(u, qrcode.Medium)
			if err == nil {
				q.Bitmap()
			}
			return err
		})
	})
}

// BenchmarkLabelPNG measures what GET /units/{serial}/label.png does past
// the access check: drawing the signed URL's QR code as a 256-pixel PNG,
// afresh and from the cache.
func BenchmarkLabelPNG(b *testing.B) {
	urls := labelURLs(b, 256)
	b.Run("label", func(b *testing.B) {
		each(b, urls, func(u string) error { _, err := label.PNG(u, 256); return err })
	})
	b.Run("cached", func(b *testing.B) {
		c := label.NewCache(16 << 20)
		each(b, urls, func(u string) error { _, err := c.PNG(u, 256); return err })
	})
	b.Run("go-qrcode", func(b *testing.B) {
		each(b, urls, func(u string) error { _, err := qrcode.Encode(u, qrcode.Medium, 256); return err })
	})
}

// BenchmarkLabelSVG is BenchmarkLabelPNG for label.svg; the baseline draws
// go-qrcode's modules the way label.SVG did with it.
func BenchmarkLabelSVG(b *testing.B) {
	urls := labelURLs(b, 256)
	b.Run("label", func(b *testing.B) {
		each(b, urls, func(u string) error { _, err := label.SVG(u); return err })
	})
	b.Run("go-qrcode", func(b *testing.B) {
		each(b, urls, func(u string) error {
			q, err := qrcode.New(u, qrcode.Medium)
			if err != nil {
				return err
			}
			var out bytes.Buffer
			for y, row := range q.Bitmap() {
				for x, dark := range row {
					if dark {
						fmt.Fprintf(&out, "M%d %dh1v1h-1z", x, y)
					}
				}
			}
			return nil
		})
	})
}

// each runs f over urls in turn, one URL an op, and reports labels/s and
// CPU time.
func each(b *testing.B, urls []string, f func(string) error) {
	start := cpuTime()
	i := 0
	for b.Loop() {
		if err := f(urls[i%len(urls)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "labels/s")
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
