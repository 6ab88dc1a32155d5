package label_test

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
)

// The unit whose label the signature fuzz test forges.
const (
	fuzzGTIN   = "06901234500592"
	fuzzLot    = "B1129ab"
	fuzzSerial = "PEDES0ASXCSF"
)

// FuzzVerify: a signature verifies for exactly the message signed and in
// exactly the encoding the keyring wrote, so a label cannot be altered, its
// signature included, and still pass. The fuzzer splices text into a genuine
// signature at a position and varies the unit.
func FuzzVerify(f *testing.F) {
	f.Add(fuzzGTIN, fuzzLot, fuzzSerial, uint(0), "")
	f.Add(fuzzGTIN, fuzzLot, fuzzSerial, uint(85), "R")
	f.Add(fuzzGTIN, fuzzLot, fuzzSerial, uint(85), "=")
	f.Add(fuzzGTIN, "B1129aB", fuzzSerial, uint(3), "")
	f.Add(fuzzGTIN, fuzzLot+"/21/X", fuzzSerial, uint(0), "")
	kr := label.NewKeyring()
	kid, genuine := kr.Sign(fuzzGTIN, fuzzLot, fuzzSerial)
	signed := label.Message(fuzzGTIN, fuzzLot, fuzzSerial)
	f.Fuzz(func(t *testing.T, gtin, lot, serial string, at uint, with string) {
		i := int(at % uint(len(genuine)+1))
		sig := genuine[:i] + with + genuine[min(i+len(with), len(genuine)):]
		want := bytes.Equal(label.Message(gtin, lot, serial), signed) && sig == genuine
		if got := kr.Verify(kid, gtin, lot, serial, sig); got != want {
			t.Fatalf("Verify(%q, %q, %q, %q) = %v, want %v", gtin, lot, serial, sig, got, want)
		}
	})
}

// FuzzParseLink: a link ParseLink accepts, printed again as the service
// prints labels, parses to the same link.
func FuzzParseLink(f *testing.F) {
	f.Add(typicalURL)
	f.Add("https://trace.example.cn/prefix/01/06901234500592/10/A%2FB/21/%E8%8F%9C?s=x&k=1")
	f.Add("HTTPS://h/01/1/10/2/21/3?k=%zz")
	f.Add(" https://h/01/1/10/%/21/3 ")
	f.Fuzz(func(t *testing.T, raw string) {
		l, err := label.ParseLink(raw)
		if err != nil {
			return
		}
		// A GTIN holding '/', '?' or '#' would be read back as other path
		// segments: the service prints only 14 digits there.
		if !utf8.ValidString(l.GTIN) || bytes.ContainsAny([]byte(l.GTIN), "/?#%") {
			return
		}
		again := label.DigitalLink("https://trace.example.cn", trace.Unit{GTIN: l.GTIN, LotNumber: l.Lot, Serial: l.Serial, KeyID: l.KeyID, Signature: l.Signature})
		back, err := label.ParseLink(again)
		if err != nil {
			t.Fatalf("%q parses to %+v, printed again as %q, which is refused: %v", raw, l, again, err)
		}
		if back != l {
			t.Fatalf("%q parses to %+v, printed again as %q, which parses to %+v", raw, l, again, back)
		}
	})
}

// FuzzDecodeImage: whatever bytes arrive as a photo, DecodeImage answers
// text or an error, never a panic; a PNG the service printed decodes to its
// content.
func FuzzDecodeImage(f *testing.F) {
	png, err := label.PNG(typicalURL, 0)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(png)
	f.Add(png[:len(png)/2])
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Add([]byte("<html>not an image</html>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		text, err := label.DecodeImage(bytes.NewReader(b))
		if bytes.Equal(b, png) && (err != nil || text != typicalURL) {
			t.Fatalf("the service's own label decodes as %q, %v", text, err)
		}
		if err == nil && text == "" {
			t.Fatal("decoded an empty QR code without an error")
		}
	})
}

// FuzzQRRoundTrip: any text the encoder accepts, drawn as the service draws
// labels, is read back exactly by an independent decoder (gozxing).
func FuzzQRRoundTrip(f *testing.F) {
	f.Add(typicalURL)
	f.Add("https://trace.example.cn/01/06901234500592/10/B1/21/X")
	f.Add("兴山压榨菜籽油")
	f.Add("0123456789")
	f.Add("HELLO WORLD $%*+-./:")
	f.Fuzz(func(t *testing.T, text string) {
		if text == "" || !utf8.ValidString(text) {
			return
		}
		b, err := label.PNG(text, 0)
		if err != nil {
			return // too long for a QR code
		}
		got, err := label.DecodeImage(bytes.NewReader(b))
		if err != nil || got != text {
			t.Fatalf("QR code of %q reads back as %q, %v", text, got, err)
		}
	})
}

// TestSignatureSpellings keeps what FuzzVerify found at once: the last
// character of an unpadded base64 signature carries four spare bits, and
// every other spelling of them verified too.
func TestSignatureSpellings(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	kr := label.NewKeyring()
	kid, sig := kr.Sign(fuzzGTIN, fuzzLot, fuzzSerial)
	last := strings.IndexByte(alphabet, sig[len(sig)-1])
	for spare := range 16 {
		other := sig[:len(sig)-1] + string(alphabet[last&^15|spare])
		if got, want := kr.Verify(kid, fuzzGTIN, fuzzLot, fuzzSerial, other), other == sig; got != want {
			t.Errorf("signature spelt %q: Verify = %v, want %v", other, got, want)
		}
	}
}
