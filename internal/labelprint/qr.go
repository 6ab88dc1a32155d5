package labelprint

import (
	"strconv"

	"github.com/agritrace/agritrace/internal/label"
)

// inlineQR appends to b the page content that draws the QR code of url, quiet
// zone included, as a side×side mm square with its top-left corner at x, y on
// a page pageH mm high, k points a mm.
//
// The code is an inline image (BI … ID … EI), one bit a module, rather than an
// image XObject: fpdf lists every XObject in the one Resources dictionary all
// pages share, and readers such as poppler (CUPS, pdftotext) then spend memory
// and time on every image of the run for each page they open. An inline image
// lives in its page's content alone. It is not interpolated, so a printer
// scales each module to a sharp square at any resolution; its data is
// ASCIIHex, so that no run of samples reads as the EI that ends it, whatever
// the reader.
func inlineQR(b []byte, url string, x, y, side, pageH, k float64) ([]byte, error) {
	c, err := label.Encode(url)
	if err != nil {
		return b, err
	}
	n := c.Size + 2*label.QuietZone
	b = append(b, "q "...)
	for _, v := range [...]float64{side * k, 0, 0, side * k, x * k, (pageH - y - side) * k} {
		b = strconv.AppendFloat(b, v, 'f', 2, 64)
		b = append(b, ' ')
	}
	b = append(b, "cm\nBI /W "...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, " /H "...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, " /BPC 1 /CS /G /IM false /I false /F /AHx ID\n"...)
	const digits = "0123456789abcdef"
	row := make([]byte, (n+7)/8)
	for line := range n {
		// A sample of 1 is white in DeviceGray: rows start light, and
		// dark modules clear their bit.
		for i := range row {
			row[i] = 0xFF
		}
		for col := range c.Size {
			if c.Dark(col, line-label.QuietZone) {
				px := col + label.QuietZone
				row[px/8] &^= 0x80 >> uint(px%8)
			}
		}
		for _, v := range row {
			b = append(b, digits[v>>4], digits[v&0x0F])
		}
		b = append(b, '\n')
	}
	return append(b, ">\nEI Q"...), nil
}
