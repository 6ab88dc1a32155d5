package labelprint

import (
	"bytes"
	"context"
	"testing"

	"github.com/agritrace/agritrace/internal/label"
)

// TestReprintFromCache: a run printed again takes its QR images from the
// cache, one per label, and prints the same document.
func TestReprintFromCache(t *testing.T) {
	labels := make([]Label, 50)
	for i := range labels {
		labels[i] = Label{URL: "https://trace.example.cn/01/06901234500592/10/B1/21/SERIAL" + string(rune('A'+i%26)) + string(rune('A'+i/26)) + "?k=1a2b3c4d&s=sig",
			Serial: "S", Product: "oil", Lot: "B1"}
	}
	cache := label.NewCache(1 << 20)
	var docs []string
	for range 2 {
		var b bytes.Buffer
		if err := layOut(context.Background(), &b, Thermal, labels, nil, cache, nil); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, Normalized(b.Bytes()))
		if n, _ := cache.Len(); n != len(labels) {
			t.Fatalf("cache holds %d images, want %d", n, len(labels))
		}
	}
	var plain bytes.Buffer
	if err := Render(context.Background(), &plain, Thermal, labels, nil, nil); err != nil {
		t.Fatal(err)
	}
	if docs[0] != docs[1] || docs[0] != Normalized(plain.Bytes()) {
		t.Error("a reprint from the cache is not the same document")
	}
}
