package label_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
)

func TestCacheKeepsAndDropsLeastRecent(t *testing.T) {
	c := label.NewCache(3 * (1000 + 1 + 128)) // three entries of 1,000 bytes
	renders := map[string]int{}
	get := func(key string) []byte {
		t.Helper()
		b, err := c.Get(key, func() ([]byte, error) { renders[key]++; return bytes.Repeat([]byte(key), 1000), nil })
		if err != nil || len(b) != 1000 || b[0] != key[0] {
			t.Fatalf("Get(%s) = %.5q, %v", key, b, err)
		}
		return b
	}
	for _, k := range []string{"a", "b", "c", "a", "d", "a", "b"} {
		get(k)
	}
	// d pushed out b (a was used since), and b pushed out c.
	want := map[string]int{"a": 1, "b": 2, "c": 1, "d": 1}
	for k, n := range want {
		if renders[k] != n {
			t.Errorf("%s rendered %d times, want %d (all: %v)", k, renders[k], n, renders)
		}
	}
	if n, used := c.Len(); n != 3 || used > 3*(1000+1+128) {
		t.Errorf("cache holds %d images counted as %d bytes", n, used)
	}
	// An image larger than the whole cache is served and not kept.
	big := strings.Repeat("x", 5000)
	if _, err := c.Get(big, func() ([]byte, error) { return []byte("x"), nil }); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Len(); n != 3 {
		t.Errorf("cache holds %d images after an oversized one", n)
	}
	var none *label.Cache
	if b, err := none.Get("a", func() ([]byte, error) { return []byte("z"), nil }); err != nil || string(b) != "z" {
		t.Errorf("nil cache: %q, %v", b, err)
	}
}

// TestCachedLabelFollowsTheSignature: the same serial signed again, by a
// rotated key or under another public base, is another picture, never the
// one cached for the old signature.
func TestCachedLabelFollowsTheSignature(t *testing.T) {
	kr := label.NewKeyring()
	u := trace.Unit{GTIN: "06901234500592", LotNumber: "B2026A", Serial: kr.NewSerial()}
	u.KeyID, u.Signature = kr.Sign(u.GTIN, u.LotNumber, u.Serial)
	before := label.DigitalLink("https://trace.example.cn", u)
	c := label.NewCache(1 << 20)
	for range 2 {
		if b, err := c.PNG(before, 256); err != nil || decodePNG(t, b) != before {
			t.Fatalf("cached label does not read %s: %v", before, err)
		}
	}
	kr.Rotate()
	u.KeyID, u.Signature = kr.Sign(u.GTIN, u.LotNumber, u.Serial)
	for _, url := range []string{label.DigitalLink("https://trace.example.cn", u), label.DigitalLink("https://t.example.cn", u)} {
		b, err := c.PNG(url, 256)
		if err != nil || decodePNG(t, b) != url {
			t.Errorf("label after rotation does not read %s: %v", url, err)
		}
		svg, err := c.SVG(url)
		if err != nil || !bytes.HasPrefix(svg, []byte("<svg")) {
			t.Errorf("svg: %.20q, %v", svg, err)
		}
		other, _ := label.SVG(before)
		if bytes.Equal(svg, other) {
			t.Errorf("svg of %s is the old signature's", url)
		}
	}
	if n, _ := c.Len(); n != 5 {
		t.Errorf("cache holds %d images, want 5 (3 PNG, 2 SVG)", n)
	}
}
