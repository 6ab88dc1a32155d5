package labelprint_test

import (
	"context"
	"fmt"
	"io"
	"testing"

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
			for b.Loop() {
				if err := labelprint.Render(context.Background(), io.Discard, layout, labels, font, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(labels))/b.Elapsed().Seconds(), "labels/s")
		})
	}
}
