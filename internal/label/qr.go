package label

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
)

// Labels use error correction M (15 %): it survives a scuffed bottle label
// while keeping the code small enough to print beside the brand.

// encode is Encode with the error in this package's words.
func encode(content string) (*Code, error) {
	c, err := Encode(content)
	if err != nil {
		return nil, fmt.Errorf("label: QR: %w", err)
	}
	return c, nil
}

// PNG renders content as a QR code of size×size pixels (more when size is
// below one pixel a module), with the quiet zone, centred.
func PNG(content string, size int) ([]byte, error) {
	c, err := encode(content)
	if err != nil {
		return nil, err
	}
	side := c.Size + 2*QuietZone
	per := max(1, size/side)
	size = max(size, side)
	offset := (size-side*per)/2 + QuietZone*per
	img := c.Image(per, size, offset)
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img); err != nil {
		return nil, fmt.Errorf("label: QR PNG: %w", err)
	}
	return b.Bytes(), nil
}

var palette = color.Palette{color.White, color.Black}

// Image draws the code as a two-colour image of size×size pixels, per pixels
// a module, the symbol's corner offset pixels from the image's.
func (c *Code) Image(per, size, offset int) *image.Paletted {
	img := image.NewPaletted(image.Rect(0, 0, size, size), palette)
	for py := range size {
		y := py - offset
		if y < 0 || y >= c.Size*per {
			continue
		}
		row := c.dark[y/per*c.Size : (y/per+1)*c.Size]
		pix := img.Pix[py*img.Stride : py*img.Stride+size]
		for px := max(0, offset); px < min(size, offset+c.Size*per); px++ {
			pix[px] = row[(px-offset)/per]
		}
	}
	return img
}

// SVG renders content as a QR code, one square per dark module, with the
// standard 4-module quiet zone.
func SVG(content string) ([]byte, error) {
	c, err := encode(content)
	if err != nil {
		return nil, err
	}
	n := strconv.Itoa(c.Size + 2*QuietZone)
	b := make([]byte, 0, 256+len(c.dark)*8)
	b = append(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `+n+` `+n+`" shape-rendering="crispEdges">`...)
	b = append(b, `<rect width="`+n+`" height="`+n+`" fill="#fff"/><path fill="#000" d="`...)
	for y := range c.Size {
		for x := range c.Size {
			if c.dark[y*c.Size+x] == 1 {
				b = append(b, 'M')
				b = strconv.AppendInt(b, int64(x+QuietZone), 10)
				b = append(b, ' ')
				b = strconv.AppendInt(b, int64(y+QuietZone), 10)
				b = append(b, "h1v1h-1z"...)
			}
		}
	}
	return append(b, `"/></svg>`...), nil
}

// Size reports the QR version and modules per side (without quiet zone) that
// content needs.
func Size(content string) (version, modules int, err error) {
	c, err := encode(content)
	if err != nil {
		return 0, 0, err
	}
	return c.Version, c.Size, nil
}

// Bitmap returns content's QR code as rows of modules, true for dark, with
// the standard 4-module quiet zone, at the error correction every label uses,
// for printers that draw the modules themselves.
func Bitmap(content string) ([][]bool, error) {
	c, err := encode(content)
	if err != nil {
		return nil, err
	}
	side := c.Size + 2*QuietZone
	bm := make([][]bool, side)
	for y := range bm {
		bm[y] = make([]bool, side)
		for x := range bm[y] {
			bm[y][x] = c.Dark(x-QuietZone, y-QuietZone)
		}
	}
	return bm, nil
}
