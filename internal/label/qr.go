package label

import (
	"bytes"
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// Medium error correction (15 %) survives a scuffed bottle label while keeping
// the code small enough to print beside the brand.
const recovery = qrcode.Medium

// PNG renders content as a QR code of size×size pixels.
func PNG(content string, size int) ([]byte, error) {
	b, err := qrcode.Encode(content, recovery, size)
	if err != nil {
		return nil, fmt.Errorf("label: QR PNG: %w", err)
	}
	return b, nil
}

// SVG renders content as a QR code, one square per dark module, with the
// standard 4-module quiet zone.
func SVG(content string) ([]byte, error) {
	q, err := qrcode.New(content, recovery)
	if err != nil {
		return nil, fmt.Errorf("label: QR SVG: %w", err)
	}
	bm := q.Bitmap() // includes the quiet zone
	n := len(bm)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bm {
		for x, dark := range row {
			if dark {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}

// Size reports the QR version and modules per side (without quiet zone) that
// content needs.
func Size(content string) (version, modules int, err error) {
	q, err := qrcode.New(content, recovery)
	if err != nil {
		return 0, 0, err
	}
	return q.VersionNumber, len(q.Bitmap()) - 8, nil
}

// Bitmap returns content's QR code as rows of modules, true for dark, with
// the standard 4-module quiet zone, at the error correction every label uses,
// for printers that draw the modules themselves.
func Bitmap(content string) ([][]bool, error) {
	q, err := qrcode.New(content, recovery)
	if err != nil {
		return nil, fmt.Errorf("label: QR: %w", err)
	}
	return q.Bitmap(), nil
}
