package label

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strconv"
	"sync"
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
	return c.PNG(per, size, (size-side*per)/2+QuietZone*per), nil
}

// PNG draws the code as a 1-bit greyscale PNG of size×size pixels, per
// pixels a module, the symbol's corner offset pixels from the image's; the
// symbol must lie inside the image. It
// packs the bits itself: image/png reads a two-colour image one pixel at a
// time through an interface, which cost more than encoding the code.
func (c *Code) PNG(per, size, offset int) []byte {
	stride := 1 + (size+7)/8 // filter byte, then the pixels
	raw := make([]byte, stride*size)
	light := make([]byte, stride) // a row of the quiet zone
	for px := range size {
		light[1+px/8] |= 0x80 >> uint(px%8)
	}
	for py := 0; py < size; {
		row := raw[py*stride : (py+1)*stride]
		copy(row, light)
		y := py - offset
		if y < 0 || y >= c.Size*per {
			py++
			continue
		}
		// Draw the first pixel row of this module row, then repeat it.
		for x, d := range c.dark[y/per*c.Size : (y/per+1)*c.Size] {
			if d == 0 {
				continue
			}
			for px := offset + x*per; px < offset+(x+1)*per; px++ {
				row[1+px/8] &^= 0x80 >> uint(px%8)
			}
		}
		end := min(size, py+per-y%per)
		for py++; py < end; py++ {
			copy(raw[py*stride:], row)
		}
	}
	z := deflaters.Get().(*deflater)
	defer deflaters.Put(z)
	z.buf.Reset()
	z.w.Reset(&z.buf)
	z.w.Write(raw)
	z.w.Close()
	out := make([]byte, 0, 8+25+12+z.buf.Len()+12)
	out = append(out, "\x89PNG\r\n\x1a\n"...)
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(size))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(size))
	ihdr[8] = 1 // bit depth; colour type 0 (grey), deflate, no filter, no interlace
	out = chunk(out, "IHDR", ihdr[:])
	out = chunk(out, "IDAT", z.buf.Bytes())
	return chunk(out, "IEND", nil)
}

// deflater is a zlib compressor and its output, kept between images:
// allocating a compressor costs more than compressing a QR code.
type deflater struct {
	buf bytes.Buffer
	w   *zlib.Writer
}

var deflaters = sync.Pool{New: func() any {
	z := &deflater{}
	z.w, _ = zlib.NewWriterLevel(&z.buf, zlib.BestSpeed) // the level is valid
	return z
}}

// chunk appends a PNG chunk: length, type, data, CRC of type and data.
func chunk(out []byte, kind string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	at := len(out)
	out = append(append(out, kind...), data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[at:]))
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
