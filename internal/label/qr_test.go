package label_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
)

// labelURLs returns n signed Digital Links of realistic and varied shapes:
// public bases short and long, lot numbers of 1 to 20 characters with some
// that need escaping, real serials and Ed25519 signatures.
func labelURLs(t testing.TB, n int) []string {
	kr := label.NewKeyring()
	rng := rand.New(rand.NewPCG(9, 9))
	bases := []string{"https://trace.example.cn", "http://t.cn", "https://xs.hb.agritrace.gov.cn/trace", "http://192.168.1.20:8080"}
	lotChars := "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-_/ 批次"
	out := make([]string, n)
	for i := range out {
		lot := []rune{}
		for range 1 + rng.IntN(20) {
			lot = append(lot, []rune(lotChars)[rng.IntN(len([]rune(lotChars)))])
		}
		u := trace.Unit{GTIN: fmt.Sprintf("069%011d", rng.Int64N(1e11)), LotNumber: string(lot), Serial: kr.NewSerial()}
		u.KeyID, u.Signature = kr.Sign(u.GTIN, u.LotNumber, u.Serial)
		out[i] = label.DigitalLink(bases[i%len(bases)], u)
	}
	return out
}

// decodePNG reads a PNG back with gozxing.
func decodePNG(t testing.TB, b []byte) string {
	t.Helper()
	text, err := label.DecodeImage(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return text
}

func TestQRLabelURLsDecode(t *testing.T) {
	urls := labelURLs(t, 2000)
	if testing.Short() {
		urls = urls[:200]
	}
	for _, u := range urls {
		b, err := label.PNG(u, 0) // one pixel a module
		if err != nil {
			t.Fatal(err)
		}
		if got := decodePNG(t, b); got != u {
			t.Fatalf("decoded %q, want %q", got, u)
		}
	}
}

// TestQREveryVersion fills every version to near its capacity with text that
// takes each mode and mixes of them, so every table row, block layout,
// alignment grid and version pattern is read back by gozxing.
func TestQREveryVersion(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabets := map[string]string{
		"numeric": "0123456789",
		"alnum":   "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
		"byte":    "abcdefghijklmnopqrstuvwxyz?=&_~",
		"mixed":   "0123456789ABCDEFGHJKMNPQRSTVWXYZ/abc",
	}
	for name, alphabet := range alphabets {
		b := make([]byte, 7100)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		for v := 1; v <= 40; v++ {
			// The longest prefix that fits version v: longer text never
			// takes fewer bits.
			fit := func(n int) bool { c, err := label.Encode(string(b[:n])); return err == nil && c.Version <= v }
			n := sort.Search(len(b), func(n int) bool { return !fit(n + 1) })
			text := string(b[:n])
			c, err := label.Encode(text)
			if err != nil || c.Version != v {
				t.Fatalf("%s: %d characters: version %v, %v; want %d", name, n, c, err, v)
			}
			if got := decodePNG(t, pngOf(t, c)); got != text {
				t.Fatalf("%s, %d characters, version %d: decoded %q", name, n, v, got)
			}
		}
	}
}

func pngOf(t testing.TB, c *label.Code) []byte {
	t.Helper()
	return c.PNG(2, (c.Size+2*label.QuietZone)*2, 2*label.QuietZone)
}

// TestQRNoLargerThanBefore compares with go-qrcode, the encoder labels used
// before: every label URL takes the same version or a smaller one, so no
// printed symbol grows.
func TestQRNoLargerThanBefore(t *testing.T) {
	smaller := 0
	for _, u := range labelURLs(t, 500) {
		v, modules, err := label.Size(u)
		if err != nil {
			t.Fatal(err)
		}
		old, err := qrcode.New(u, qrcode.Medium)
		if err != nil {
			t.Fatal(err)
		}
		if v > old.VersionNumber || modules != 4*v+17 {
			t.Fatalf("%s: version %d (%d modules), go-qrcode %d", u, v, modules, old.VersionNumber)
		}
		if v < old.VersionNumber {
			smaller++
		}
	}
	t.Logf("%d of 500 codes a version smaller than go-qrcode's", smaller)
}

// TestQRZbar reads a sample with zbar, a reader independent of gozxing.
func TestQRZbar(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("zbarimg is missing (scripts/test.sh installs zbar-tools)")
		}
		t.Skip("zbarimg is not installed")
	}
	dir := t.TempDir()
	urls := labelURLs(t, 40)
	var files []string
	for i, u := range urls {
		b, err := label.PNG(u, 300)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, fmt.Sprintf("%02d.png", i))
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	out, err := exec.Command(zbar, append([]string{"--raw", "-q", "-Sdisable", "-Sqrcode.enable"}, files...)...).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	got := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(got) != len(urls) {
		t.Fatalf("zbar read %d codes of %d", len(got), len(urls))
	}
	for i := range urls {
		if got[i] != urls[i] {
			t.Errorf("zbar read %q, want %q", got[i], urls[i])
		}
	}
}
