package label

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // photos from phones
	_ "image/png"  // labels as the service renders them
	"io"
	"slices"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// ErrNoQRCode is returned when an image holds no QR code that can be read.
var ErrNoQRCode = errors.New("label: no readable QR code in the image")

// Limits on what DecodeImage reads: a phone photo is a few MiB and under
// 50 megapixels.
const (
	maxImageBytes  = 32 << 20
	maxImagePixels = 64 << 20
)

// DecodeImage reads the text of the QR code in a PNG or JPEG image, such as a
// phone photo of a bottle label.
func DecodeImage(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxImageBytes+1))
	if err != nil {
		return "", fmt.Errorf("label: read image: %w", err)
	}
	if len(data) > maxImageBytes {
		return "", fmt.Errorf("label: image larger than %d MiB", maxImageBytes>>20)
	}
	// Check the size before decoding: a small file can claim a huge picture.
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if errors.Is(err, image.ErrFormat) {
		return "", errors.New("label: not a PNG or JPEG image")
	}
	if err != nil {
		return "", fmt.Errorf("label: read image: %w", err)
	}
	if cfg.Width*cfg.Height > maxImagePixels {
		return "", fmt.Errorf("label: image of %d×%d pixels is too large", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("label: read image: %w", err)
	}
	if text, ok := decodeQR(gozxing.NewLuminanceSourceFromImage(img)); ok {
		return text, nil
	}
	// Dust, glare and sensor noise leave specks that break the run lengths
	// the finder patterns are found by; a 3×3 median removes specks and keeps
	// module edges.
	if text, ok := decodeQR(gozxing.NewLuminanceSourceFromImage(median(img))); ok {
		return text, nil
	}
	return "", ErrNoQRCode
}

// decodeQR tries the binarizers in turn, each in all four orientations.
func decodeQR(src gozxing.LuminanceSource) (string, bool) {
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	// gozxing finds finder patterns by scanning rows, and in about one code
	// in seventy the data modules next to a finder pattern mislead that scan
	// in one orientation while the same code read turned by 90° is clean (the
	// codes are valid: zbar reads them all). So each binarizer gets the image
	// as it is and then turned.
	sources := []gozxing.LuminanceSource{src}
	for turned := src; len(sources) < 4; {
		var err error
		if turned, err = turned.RotateCounterClockwise(); err != nil {
			break
		}
		sources = append(sources, turned)
	}
	// The hybrid binarizer copes with uneven light across a photo; the global
	// one with small or blurred codes; the inverted source with light-on-dark
	// prints. The first that reads wins.
	binarizers := []func(gozxing.LuminanceSource) gozxing.Binarizer{
		gozxing.NewHybridBinarizer,
		gozxing.NewGlobalHistgramBinarizer,
		func(s gozxing.LuminanceSource) gozxing.Binarizer {
			return gozxing.NewHybridBinarizer(gozxing.NewInvertedLuminanceSource(s))
		},
	}
	for _, newBinarizer := range binarizers {
		for _, s := range sources {
			bmp, err := gozxing.NewBinaryBitmap(newBinarizer(s))
			if err != nil {
				continue
			}
			if res, err := qrcode.NewQRCodeReader().Decode(bmp, hints); err == nil {
				return res.GetText(), true
			}
		}
	}
	return "", false
}

// median returns img in grey with each pixel the median of its 3×3
// neighbourhood (edges copied).
func median(img image.Image) *image.Gray {
	b := img.Bounds()
	grey := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(grey, grey.Rect, img, b.Min, draw.Src)
	out := image.NewGray(grey.Rect)
	copy(out.Pix, grey.Pix)
	var win [9]uint8
	for y := 1; y < grey.Rect.Dy()-1; y++ {
		for x := 1; x < grey.Rect.Dx()-1; x++ {
			n := 0
			for dy := -1; dy <= 1; dy++ {
				row := (y+dy)*grey.Stride + x
				win[n], win[n+1], win[n+2] = grey.Pix[row-1], grey.Pix[row], grey.Pix[row+1]
				n += 3
			}
			slices.Sort(win[:])
			out.Pix[y*out.Stride+x] = win[4]
		}
	}
	return out
}
