// Package labelprint prints the signed labels of a packed lot as a PDF, on A4
// label sheets or on a 50×30 mm thermal roll, in print runs that execute in
// the background and are kept on disk until they expire.
package labelprint

import (
	"context"
	"fmt"
	"io"

	"github.com/go-pdf/fpdf"

	"github.com/agritrace/agritrace/internal/audit"
)

// Layout is a page geometry for labels.
type Layout string

// Layouts.
const (
	// A4 is a sheet of 3×7 labels of 63.5×38.1 mm, the geometry of Avery
	// L7160 and its many equivalents (Herma 4677, 21-up sheets sold in China
	// as A4 21格): the commonest A4 sheet a label of this size fits.
	A4 Layout = "a4"
	// Thermal is one 50×30 mm label per page, the commonest direct-thermal
	// roll of desktop label printers.
	Thermal Layout = "thermal"
)

// Label is what one label shows.
type Label struct {
	URL     string // signed GS1 Digital Link, encoded in the QR code
	Serial  string
	Product string // name in Chinese
	Lot     string // lot number
}

// geometry places labels on pages; lengths are in mm.
type geometry struct {
	pageW, pageH   float64
	cols, rows     int
	left, top      float64 // corner of the first label
	pitchX, pitchY float64 // from one label's corner to the next
	w, h           float64 // label size
	qr             float64 // side of the QR image, quiet zone included
	pad            float64 // blank margin inside the label's top edge
	lines          []float64
	outline        bool // draw the label's edge as a cutting guide
}

var geometries = map[Layout]geometry{
	// A QR image of 26 mm leaves a symbol of about 22.6 mm for the usual
	// version 9 code (53 modules plus 4 on each side), and three lines of
	// text below it.
	A4: {pageW: 210, pageH: 297, cols: 3, rows: 7, left: 7.25, top: 15.15, pitchX: 66.04, pitchY: 38.1,
		w: 63.5, h: 38.1, qr: 26, pad: 1.2, lines: []float64{8, 8, 7}, outline: true},
	// 23.5 mm of image keeps the symbol itself over 20 mm up to version 10
	// (57 modules); serial and lot share the line under the product name.
	Thermal: {pageW: 50, pageH: 30, cols: 1, rows: 1, pitchX: 50, pitchY: 30,
		w: 50, h: 30, qr: 23.5, pad: 0.3, lines: []float64{6.5, 7}},
}

// PerPage is the number of labels on one page of layout.
func PerPage(layout Layout) int {
	g := geometries[layout]
	return g.cols * g.rows
}

// Valid reports whether layout is one this package prints.
func Valid(layout Layout) bool {
	_, ok := geometries[layout]
	return ok
}

// Font families registered with fpdf.
const (
	latin = "Helvetica"
	cjk   = "cjk"
)

// Render writes labels as a PDF in layout to w. font prints the product
// names; with a nil font what Helvetica cannot print shows as '?'. progress,
// if not nil, is told the number of labels laid out so far; Render stops with
// ctx's error when ctx ends.
func Render(ctx context.Context, w io.Writer, layout Layout, labels []Label, font *audit.Font, progress func(done int)) (err error) {
	defer func() {
		// fpdf panics on some fonts it parsed but cannot subset; a run fails
		// rather than the service.
		if p := recover(); p != nil {
			err = fmt.Errorf("labelprint: render: %v", p)
		}
	}()
	g, ok := geometries[layout]
	if !ok {
		return fmt.Errorf("labelprint: unknown layout %q", layout)
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: g.pageW, Ht: g.pageH}})
	if font != nil {
		font.Register(pdf, cjk)
	}
	// A label's page holds a few lines of text and its QR code, a few hundred
	// bytes of bits: compressing each page cost a quarter to a half more
	// CPU a label, for a file that is small already.
	pdf.SetCompression(false)
	// fpdf writes fonts in map order unless told to sort them, and then two
	// renderings of a run differ only in their dates.
	pdf.SetCatalogSort(true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	pdf.SetCreator("agritrace", true)
	pdf.SetTitle("标签 "+string(layout), true)
	pdf.SetDrawColor(200, 200, 200)
	pdf.SetLineWidth(0.1)
	r := &renderer{pdf: pdf, g: g, font: font}
	per := g.cols * g.rows
	for i, l := range labels {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("labelprint: label %d (%s): %w", i+1, l.Serial, err)
		}
		slot := i % per
		if slot == 0 {
			pdf.AddPage()
		}
		x := g.left + float64(slot%g.cols)*g.pitchX
		y := g.top + float64(slot/g.cols)*g.pitchY
		if err := r.label(x, y, l); err != nil {
			return fmt.Errorf("labelprint: label %d (%s): %w", i+1, l.Serial, err)
		}
		if pdf.Err() {
			return fmt.Errorf("labelprint: label %d (%s): %w", i+1, l.Serial, pdf.Error())
		}
		if progress != nil {
			progress(i + 1)
		}
	}
	if len(labels) == 0 {
		pdf.AddPage()
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("labelprint: write PDF: %w", err)
	}
	return nil
}

// renderer lays out one document.
type renderer struct {
	pdf  *fpdf.Fpdf
	g    geometry
	font *audit.Font
	qr   []byte // page content of the last QR code, kept for its capacity
}

// label draws l with its top-left corner at x, y.
func (r *renderer) label(x, y float64, l Label) error {
	g := r.g
	if g.outline {
		r.pdf.Rect(x, y, g.w, g.h, "D")
	}
	qr, err := inlineQR(r.qr[:0], l.URL, x+(g.w-g.qr)/2, y+g.pad, g.qr, g.pageH, r.pdf.GetConversionRatio())
	if err != nil {
		return err
	}
	r.qr = qr
	r.pdf.RawWriteStr(string(qr))
	texts := []string{l.Product, "(21) " + l.Serial, "(10) " + l.Lot}
	if len(g.lines) == 2 {
		texts = []string{l.Product, "(21) " + l.Serial + "  (10) " + l.Lot}
	}
	// The quiet zone at the bottom of the QR image already separates it
	// from the text.
	top := y + g.pad + g.qr
	step := (y + g.h - 0.3 - top) / float64(len(texts))
	for n, s := range texts {
		r.centred(x+1.5, top+float64(n)*step, g.w-3, step, g.lines[n], s)
	}
	return nil
}

// width returns the width of rs at size points.
func (r *renderer) width(rs []audit.Run, size float64) float64 {
	var w float64
	for _, x := range rs {
		r.use(x.CJK, size)
		w += r.pdf.GetStringWidth(x.Text)
	}
	return w
}

func (r *renderer) use(isCJK bool, size float64) {
	if isCJK {
		r.pdf.SetFont(cjk, "", size)
		return
	}
	r.pdf.SetFont(latin, "", size)
}

// minSize is the smallest type a label is printed in: below it a long product
// name is cut short instead.
const minSize = 5.0

// centred prints s on one line centred in the box at x, y, shrinking it down
// to minSize points and then cutting it so that it fits the width w.
func (r *renderer) centred(x, y, w, h, size float64, s string) {
	rs := r.font.Runs(s)
	width := r.width(rs, size)
	for width > w && size > minSize {
		size = max(size-0.5, minSize)
		width = r.width(rs, size)
	}
	for text := []rune(s); width > w && len(text) > 0; {
		text = text[:len(text)-1]
		rs = r.font.Runs(string(text) + "..")
		width = r.width(rs, size)
	}
	x += (w - width) / 2
	baseline := y + h/2 + size*0.352778*0.35 // mm per point; cap height is about 0.7 em
	for _, x0 := range rs {
		r.use(x0.CJK, size)
		r.pdf.Text(x, baseline, x0.Text)
		x += r.pdf.GetStringWidth(x0.Text)
	}
}
