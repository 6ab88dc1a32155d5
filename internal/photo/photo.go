// Package photo checks uploaded photos by what they contain, not by what the
// sender declares, and re-encodes them so that nothing but pixels is kept: no
// EXIF GPS block naming where a consumer lives, no HTML that a browser could
// be talked into rendering.
package photo

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
)

// MaxPixels bounds a photo's size before it is decoded: a few hundred bytes of
// PNG can claim a picture that would take gigabytes to hold.
const MaxPixels = 40_000_000

// ErrNotPhoto is a file that is not a JPEG or PNG picture.
var ErrNotPhoto = errors.New("not a JPEG or PNG picture")

// Clean decodes data as JPEG or PNG, whatever its declared type, and returns
// the picture re-encoded in the same format with its media type. Metadata
// (EXIF, XMP, ICC profiles, text chunks) does not survive the re-encoding.
func Clean(data []byte) (contentType string, clean []byte, err error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", ErrNotPhoto, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return "", nil, fmt.Errorf("%w: %d×%d pixels is more than %d", ErrNotPhoto, cfg.Width, cfg.Height, MaxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", ErrNotPhoto, err)
	}
	var out bytes.Buffer
	switch format {
	case "jpeg":
		contentType, err = "image/jpeg", jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
	case "png":
		contentType, err = "image/png", png.Encode(&out, img)
	default:
		return "", nil, fmt.Errorf("%w: %s", ErrNotPhoto, format)
	}
	if err != nil {
		return "", nil, fmt.Errorf("re-encode %s photo: %w", format, err)
	}
	return contentType, out.Bytes(), nil
}
