// Package certprint prints 承诺达标合格证 (certificates of commitment) as PDF,
// one certificate a page in the size and order of fields of the national
// template, with the lot's trace code as a QR code beside the fields
// (证码合一): the GS1 Digital Link of the lot, which the resolver answers.
package certprint

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/agritrace/agritrace/internal/audit"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
)

// Sheet is one certificate to print and the trace link its QR code carries.
type Sheet struct {
	Certificate trace.Certificate
	Link        string
}

// Print writes certs as a PDF, each with the lot-level Digital Link on base
// as its trace code, in the CJK font at fontPath ("" for
// audit.DefaultFontPath). Without a usable font the certificates still
// print, their Chinese as '?'.
func Print(w io.Writer, base string, certs []trace.Certificate, fontPath string) error {
	sheets := make([]Sheet, len(certs))
	for i, c := range certs {
		sheets[i] = Sheet{Certificate: c, Link: label.LotLink(base, c.GTIN, c.LotNumber)}
	}
	font, _ := audit.LoadFont(fontPath)
	return Render(w, sheets, font)
}

// Page geometry in mm: the national template is a 10 × 8 cm card, small
// enough to tie to a sack or stick on a crate.
const (
	pageW, pageH = 100.0, 80.0
	margin       = 4.0
	qrSide       = 28.0 // with its quiet zone: a symbol of about 22 mm
	lineH        = 4.1
	size         = 7.5 // points
)

// Font families registered with fpdf.
const (
	latin = "Helvetica"
	cjk   = "cjk"
)

// Render writes sheets to w, one page each. Without a font what Helvetica
// cannot print shows as '?'.
func Render(w io.Writer, sheets []Sheet, font *audit.Font) (err error) {
	defer func() {
		// fpdf panics on some fonts it parsed but cannot subset.
		if p := recover(); p != nil {
			err = fmt.Errorf("certprint: render: %v", p)
		}
	}()
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: pageW, Ht: pageH}})
	if font != nil {
		font.Register(pdf, cjk)
	}
	pdf.SetCatalogSort(true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	pdf.SetCreator("agritrace", true)
	pdf.SetTitle("承诺达标合格证", true)
	p := &printer{pdf: pdf, font: font}
	for _, s := range sheets {
		pdf.AddPage()
		if err := p.sheet(s); err != nil {
			return fmt.Errorf("certprint: %s: %w", s.Certificate.Number, err)
		}
	}
	if len(sheets) == 0 {
		pdf.AddPage()
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("certprint: write PDF: %w", err)
	}
	return nil
}

type printer struct {
	pdf  *fpdf.Fpdf
	font *audit.Font
}

// boxSide is the side of a tick box, in mm.
const boxSide = 2.4

// box draws the template's tick box at x on the line at y, ticked or not,
// and returns the x after it. It is drawn, not a character: the CJK fonts
// at hand have no ballot box glyphs.
func (p *printer) box(x, y float64, on bool) float64 {
	top := y + 0.5
	p.pdf.SetLineWidth(0.2)
	p.pdf.Rect(x, top, boxSide, boxSide, "D")
	if on {
		p.pdf.SetLineWidth(0.35)
		p.pdf.Line(x+0.4, top+1.3, x+1.0, top+2.0)
		p.pdf.Line(x+1.0, top+2.0, x+2.1, top+0.4)
	}
	return x + boxSide + 0.8
}

// sheet lays out one certificate: title, the fields on the left, the trace
// code on the right, then the commitment and its basis across the card.
func (p *printer) sheet(s Sheet) error {
	c := s.Certificate
	pdf := p.pdf
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetLineWidth(0.3)
	pdf.Rect(1.5, 1.5, pageW-3, pageH-3, "D")
	p.line(margin, 4, pageW-2*margin, 11, "承诺达标合格证", 'C')
	y := 10.5
	fieldW := pageW - 2*margin - qrSide - 1
	for _, f := range [][2]string{
		{"编号", c.Number},
		{"食用农产品名称", c.Product},
		{"数量（重量）", Quantity(c.Quantity, c.Unit)},
		{"产地", c.Origin},
		{"生产者（开具者）", c.Issuer},
		{"联系方式", c.Phone},
		{"开具日期", c.Date},
	} {
		y = p.field(margin, y, fieldW, f[0], f[1])
	}
	qrX := pageW - margin - qrSide
	if err := p.qr(s.Link, qrX, 10); err != nil {
		return err
	}
	p.line(qrX, 10+qrSide-0.5, qrSide, size-1.5, "扫码查看追溯信息", 'C')
	y = max(y, 10+qrSide+3) + 0.5
	p.line(margin, y, pageW-2*margin, size, "我承诺对生产销售的食用农产品：", 'L')
	y += lineH
	for _, s := range c.Statement {
		p.line(p.box(margin+2, y, true), y, pageW-2*margin-2, size, s, 'L')
		y += lineH
	}
	p.line(margin, y, pageW, size, "承诺依据：", 'L')
	x := margin + p.width("承诺依据：", size)
	for _, b := range trace.Bases {
		name := trace.BasisName(b, "zh")
		x = p.box(x, y, b == c.Basis)
		p.line(x, y, pageW, size, name, 'L')
		x += p.width(name, size) + 2
	}
	y += lineH
	if t := tests(c); t != "" {
		y = p.field(margin, y, pageW-2*margin, "检测情况", t)
	}
	p.line(margin, y, pageW-2*margin, size, "生产者盖章或签名："+c.Signer, 'L')
	return nil
}

// tests is what a test basis rests on, in one line: results, lab, report.
func tests(c trace.Certificate) string {
	var parts []string
	keys := make([]string, 0, len(c.Results))
	for k := range c.Results {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %v", k, c.Results[k]))
	}
	if c.Lab != "" {
		parts = append(parts, "检测机构 "+c.Lab)
	}
	if c.Report != "" {
		parts = append(parts, "报告编号 "+c.Report)
	}
	return strings.Join(parts, "；")
}

// Quantity writes a quantity in base units as the certificate shows it:
// kilograms, litres or pieces, without trailing zeros.
func Quantity(q int64, base string) string {
	unit, div := "件", 1.0
	switch base {
	case "g":
		unit, div = "kg", 1000
	case "mL":
		unit, div = "L", 1000
	}
	return strconv.FormatFloat(float64(q)/div, 'f', -1, 64) + " " + unit
}

// field prints "label：value" in a column w wide from y, wrapping the value,
// and returns the y below it.
func (p *printer) field(x, y, w float64, name, value string) float64 {
	lines := p.wrap(name+"："+value, w)
	for _, l := range lines {
		p.line(x, y, w, size, l, 'L')
		y += lineH
	}
	return y
}

// wrap breaks s into lines no wider than w, between any two characters: the
// fields are short Chinese text and ids, where that is how they break.
func (p *printer) wrap(s string, w float64) []string {
	var out []string
	rs := []rune(s)
	for start := 0; start < len(rs); {
		end := start + 1
		for end < len(rs) && p.width(string(rs[start:end+1]), size) <= w {
			end++
		}
		out = append(out, string(rs[start:end]))
		start = end
	}
	return out
}

func (p *printer) use(isCJK bool, pt float64) {
	if isCJK {
		p.pdf.SetFont(cjk, "", pt)
		return
	}
	p.pdf.SetFont(latin, "", pt)
}

func (p *printer) width(s string, pt float64) float64 {
	var w float64
	for _, r := range p.font.Runs(s) {
		p.use(r.CJK, pt)
		w += p.pdf.GetStringWidth(r.Text)
	}
	return w
}

// line prints s on one line in a box at x, y, w wide, aligned 'L' or 'C',
// at pt points.
func (p *printer) line(x, y, w, pt float64, s string, align byte) {
	if align == 'C' {
		x += (w - p.width(s, pt)) / 2
	}
	baseline := y + pt*0.352778 // mm per point
	for _, r := range p.font.Runs(s) {
		p.use(r.CJK, pt)
		p.pdf.Text(x, baseline, r.Text)
		x += p.pdf.GetStringWidth(r.Text)
	}
}

// qr draws the QR code of link, quiet zone included, qrSide mm square at
// x, y: each row's runs of dark modules as filled rectangles, which print
// sharp at any resolution.
func (p *printer) qr(link string, x, y float64) error {
	c, err := label.Encode(link)
	if err != nil {
		return err
	}
	n := c.Size + 2*label.QuietZone
	m := qrSide / float64(n)
	x0, y0 := x+float64(label.QuietZone)*m, y+float64(label.QuietZone)*m
	p.pdf.SetFillColor(0, 0, 0)
	for row := range c.Size {
		for col := 0; col < c.Size; {
			if !c.Dark(col, row) {
				col++
				continue
			}
			start := col
			for col < c.Size && c.Dark(col, row) {
				col++
			}
			p.pdf.Rect(x0+float64(start)*m, y0+float64(row)*m, float64(col-start)*m, m, "F")
		}
	}
	return nil
}
