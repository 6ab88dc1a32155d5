package label_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/label"
)

// typicalURL is a label URL as the service prints it: fixed, so every run
// decodes the same picture.
const typicalURL = "https://trace.example.cn/01/06901234500592/10/B1129ab/21/PEDES0ASXCSF?k=dbd32800&s=" +
	"9wMHGBXqI-Ghjmu55oJhJ-dHkQkeZUi6MFFz0ef8wx19PO3nE4P-oQVMzaHU7OK_1gaOgsY11dBSMmyh-P6rDQ"

func mustPNG(t testing.TB, content string, size int) image.Image {
	t.Helper()
	b, err := label.PNG(content, size)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// photo turns a label into something like a phone photo: turned a quarter,
// scaled up by 3/2 (nearest neighbour), placed off-centre on a grey table
// and sprinkled with noise: grain everywhere and 2 % of pixels gone dead black
// or white, as dust and glare do.
func photo(src image.Image, seed uint64) image.Image {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	sw, sh := h*3/2, w*3/2 // rotated, then scaled
	label := image.NewGray(image.Rect(0, 0, sw, sh))
	for y := range sh {
		for x := range sw {
			// (x, y) in the rotated, scaled label comes from (ry, h-1-rx) in
			// src, with (rx, ry) the point before scaling.
			rx, ry := x*2/3, y*2/3
			label.Set(x, y, src.At(b.Min.X+ry, b.Min.Y+h-1-rx))
		}
	}
	canvas := image.NewGray(image.Rect(0, 0, sw+140, sh+90))
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(color.Gray{Y: 170}), image.Point{}, draw.Src)
	draw.Draw(canvas, label.Bounds().Add(image.Pt(100, 30)), label, image.Point{}, draw.Src)
	rng := rand.New(rand.NewPCG(seed, seed))
	for i, p := range canvas.Pix {
		n := int(p) + rng.IntN(61) - 30
		switch rng.IntN(100) {
		case 0:
			n = 0
		case 1:
			n = 255
		}
		canvas.Pix[i] = uint8(min(max(n, 0), 255))
	}
	return canvas
}

// tilt rotates src by deg degrees about its centre onto a white canvas half
// as large again, so the corners stay in the picture.
func tilt(src image.Image, deg float64) image.Image {
	b := src.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	out := image.NewGray(image.Rect(0, 0, b.Dx()*3/2, b.Dy()*3/2))
	ow, oh := float64(out.Rect.Dx()), float64(out.Rect.Dy())
	sin, cos := math.Sincos(deg * math.Pi / 180)
	for y := range out.Rect.Dy() {
		for x := range out.Rect.Dx() {
			dx, dy := float64(x)-ow/2, float64(y)-oh/2
			sx, sy := int(cos*dx+sin*dy+w/2), int(-sin*dx+cos*dy+h/2)
			if sx < 0 || sy < 0 || sx >= b.Dx() || sy >= b.Dy() {
				out.Set(x, y, color.White)
				continue
			}
			out.Set(x, y, src.At(b.Min.X+sx, b.Min.Y+sy))
		}
	}
	return out
}

// invert prints the code light on dark.
func invert(src image.Image) image.Image {
	b := src.Bounds()
	out := image.NewGray(b)
	draw.Draw(out, b, src, b.Min, draw.Src)
	for i, p := range out.Pix {
		out.Pix[i] = 255 - p
	}
	return out
}

// uprightTrap is a valid label (zbar reads it) whose data modules mislead
// gozxing's row scan for finder patterns when the code is read upright.
const uprightTrap = "http://127.0.0.1:43210/01/06901234567892/10/XS2026-0001-P/21/zf8xnGG0gDtG?k=k1&s=" +
	"sXclKG4FCqHOtilSKVxLjTQti8p7DfOiehxTGLvCxbZkuZp6u8mUr70RU1JUxNSyW_5cWa11JAqHz_XmTOLNPg"

func TestDecodeImage(t *testing.T) {
	url := typicalURL
	raw, err := label.PNG(url, 256)
	if err != nil {
		t.Fatal(err)
	}
	trap, err := label.PNG(uprightTrap, 300)
	if err != nil {
		t.Fatal(err)
	}
	img := mustPNG(t, url, 256)
	big := mustPNG(t, url, 512)
	tests := []struct {
		name string
		data []byte
	}{
		{"png as served", raw},
		{"jpeg", encodeJPEG(t, img, 60)},
		{"turned, scaled and noisy png", encodePNG(t, photo(img, 1))},
		{"turned, scaled and noisy jpeg", encodeJPEG(t, photo(img, 2), 75)},
		{"tilted 12 degrees", encodePNG(t, tilt(big, 12))},
		{"light on dark", encodePNG(t, invert(img))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := label.DecodeImage(bytes.NewReader(tt.data))
			if err != nil || got != url {
				t.Fatalf("DecodeImage = %q, %v; want %q", got, err, url)
			}
		})
	}
	t.Run("code that misleads an upright scan", func(t *testing.T) {
		got, err := label.DecodeImage(bytes.NewReader(trap))
		if err != nil || got != uprightTrap {
			t.Fatalf("DecodeImage = %q, %v; want %q", got, err, uprightTrap)
		}
	})
}

// TestDecodeManyLabels reads back labels with many different signatures, the
// way a verifier meets them: the data modules differ from label to label and
// some patterns are harder for the decoder than others.
func TestDecodeManyLabels(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 11))
	sig := make([]byte, 64)
	for i := range 400 {
		for j := range sig {
			sig[j] = byte(rng.Uint32())
		}
		url := fmt.Sprintf("https://trace.example.cn/01/06901234500592/10/B1129ab/21/PEDES%07d?k=dbd32800&s=%s",
			i, base64.RawURLEncoding.EncodeToString(sig))
		data, err := label.PNG(url, 300)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := label.DecodeImage(bytes.NewReader(data)); err != nil || got != url {
			t.Fatalf("label %d: DecodeImage = %q, %v; want %q", i, got, err, url)
		}
	}
}

func TestDecodeImageFails(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 200, 200))
	draw.Draw(blank, blank.Bounds(), image.White, image.Point{}, draw.Src)
	if _, err := label.DecodeImage(bytes.NewReader(encodePNG(t, blank))); !errors.Is(err, label.ErrNoQRCode) {
		t.Errorf("blank image: err = %v, want ErrNoQRCode", err)
	}
	_, err := label.DecodeImage(strings.NewReader("https://trace.example.cn/01/x"))
	if err == nil || !strings.Contains(err.Error(), "not a PNG or JPEG") {
		t.Errorf("text as image: err = %v", err)
	}
}

// TestSizeOfTypicalLabel pins the size the README states for a label URL:
// a longer URL needs a bigger code, which prints less crisply on a bottle.
func TestSizeOfTypicalLabel(t *testing.T) {
	url := typicalURL
	v, modules, err := label.Size(url)
	if err != nil {
		t.Fatal(err)
	}
	if v != 9 || modules != 53 {
		t.Errorf("a %d-character label URL encodes as version %d (%d modules), want 9 (53)", len(url), v, modules)
	}
}
