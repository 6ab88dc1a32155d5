package label_test

import (
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/agritrace/agritrace/internal/label"
)

// BenchmarkQREncode compares encoding label URLs into modules with this
// package's encoder and with go-qrcode, which labels used before, in the
// same run: the ratio of the two is the figure to read.
func BenchmarkQREncode(b *testing.B) {
	urls := labelURLs(b, 256)
	b.Run("label", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := label.Encode(urls[i%len(urls)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("go-qrcode", func(b *testing.B) {
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
