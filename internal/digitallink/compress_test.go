package digitallink_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/digitallink"
)

// toolkit returns the path of GS1's GS1DigitalLinkToolkit.js, which
// scripts/test.sh takes from the npm package digital-link.js.
func toolkit(t *testing.T) string {
	t.Helper()
	path := os.Getenv("AGRITRACE_TEST_DLJS")
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("AGRITRACE_TEST_DLJS is not set; scripts/test.sh fetches GS1DigitalLinkToolkit.js from digital-link.js")
		}
		t.Skip("AGRITRACE_TEST_DLJS is not set (scripts/test.sh fetches GS1DigitalLinkToolkit.js from digital-link.js)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is needed to run GS1's toolkit")
	}
	return path
}

// compressWithGS1 compresses each uncompressed Digital Link with GS1's own
// toolkit, with and without its optimisation codes, and with the label's
// non-GS1 pairs compressed too.
func compressWithGS1(t *testing.T, uris []string) map[string][]string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "compress.js")
	js := `const T = require(process.argv[2]); const t = new T(); const out = {};
for (const u of JSON.parse(process.argv[3])) {
  out[u] = [t.compressGS1DigitalLink(u, false, "https://id.example.cn", false, true, false),
            t.compressGS1DigitalLink(u, false, "https://id.example.cn", false, false, false),
            t.compressGS1DigitalLink(u, false, "https://id.example.cn", false, true, true)];
}
console.log(JSON.stringify(out));`
	if err := os.WriteFile(script, []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(uris)
	out, err := exec.Command("node", script, toolkit(t), string(in)).CombinedOutput()
	if err != nil {
		t.Fatalf("GS1 toolkit: %v\n%s", err, out)
	}
	var got map[string][]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("GS1 toolkit said %s: %v", out, err)
	}
	return got
}

func TestExpandReadsGS1Compression(t *testing.T) {
	tests := []struct {
		uri   string
		want  digitallink.URI
		attrs map[string]string
	}{
		{"https://id.example.cn/01/06901234567892", digitallink.URI{GTIN: "06901234567892"}, nil},
		{"https://id.example.cn/01/06901234567892/10/XS2026-0001-P", digitallink.URI{GTIN: "06901234567892", Lot: "XS2026-0001-P"}, nil},
		{"https://id.example.cn/01/06901234567892/10/B1129ab/21/PEDES0ASXCSF", digitallink.URI{GTIN: "06901234567892", Lot: "B1129ab", Serial: "PEDES0ASXCSF"}, nil},
		{"https://id.example.cn/01/06901234567892/21/zf8xnGG0gDtG", digitallink.URI{GTIN: "06901234567892", Serial: "zf8xnGG0gDtG"}, nil},
		{"https://id.example.cn/01/06901234567892/10/2026/21/12345", digitallink.URI{GTIN: "06901234567892", Lot: "2026", Serial: "12345"}, nil},
		{"https://id.example.cn/01/06901234567892/10/abc123/21/DEADBEEF", digitallink.URI{GTIN: "06901234567892", Lot: "abc123", Serial: "DEADBEEF"}, nil},
		{"https://id.example.cn/01/06901234567892/22/V2/10/L%2F7", digitallink.URI{GTIN: "06901234567892", CPV: "V2", Lot: "L/7"}, nil},
		{"https://id.example.cn/01/06901234567892/10/L1?17=271231", digitallink.URI{GTIN: "06901234567892", Lot: "L1"}, map[string]string{"17": "271231"}},
		{"https://id.example.cn/01/06901234567892/10/L1/21/S9?17=271231&15=270101", digitallink.URI{GTIN: "06901234567892", Lot: "L1", Serial: "S9"},
			map[string]string{"17": "271231", "15": "270101"}},
		{"https://id.example.cn/01/06901234567892/10/L1/21/S9?k=dbd32800&s=c2lnbmF0dXJl", digitallink.URI{GTIN: "06901234567892", Lot: "L1", Serial: "S9"},
			map[string]string{"k": "dbd32800", "s": "c2lnbmF0dXJl"}},
	}
	var uris []string
	for _, tt := range tests {
		uris = append(uris, tt.uri)
	}
	compressed := compressWithGS1(t, uris)
	for _, tt := range tests {
		for i, c := range compressed[tt.uri] {
			seg := strings.TrimPrefix(c, "https://id.example.cn/")
			seg, query, _ := strings.Cut(seg, "?")
			got, attrs, err := digitallink.Expand(seg)
			if err != nil || got != tt.want {
				t.Errorf("%s compressed as %s (variant %d): got %+v, %v; want %+v", tt.uri, c, i, got, err, tt.want)
				continue
			}
			for k, v := range tt.attrs {
				if attrs.Get(k) != v && !strings.Contains(query, k+"="+v) {
					t.Errorf("%s compressed as %s: attribute %s = %q, want %q", tt.uri, c, k, attrs.Get(k), v)
				}
			}
		}
	}
}

func TestExpandRefusesWhatIsNotCompressed(t *testing.T) {
	for _, seg := range []string{"healthz", "foo", "AQnYUc1gmiERBhQ0yti", "ab$c"} {
		if u, _, err := digitallink.Expand(seg); err == nil {
			t.Errorf("Expand(%q) = %+v, want an error", seg, u)
		}
	}
}
