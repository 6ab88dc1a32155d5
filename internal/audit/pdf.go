package audit

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/agritrace/agritrace/internal/verify"
)

// PDFOptions configure WritePDF.
type PDFOptions struct {
	// FontPath is a TrueType (.ttf) font with Chinese glyphs; "" means
	// DefaultFontPath. When it is missing or fpdf cannot embed it, the report is
	// still printed, with every character outside Windows-1252 shown as '?' and
	// a note saying so under the title.
	FontPath string
}

// WritePDF renders r as a printable A4 report for market regulators. A
// missing or unusable font never fails it; only a failure to write does.
func WritePDF(w io.Writer, r Report, opts PDFOptions) error {
	path := opts.FontPath
	if path == "" {
		path = DefaultFontPath()
	}
	var font *cjkFont
	if path != "" {
		font, _ = loadFont(path)
	}
	b, err := render(r, font)
	if err != nil && font != nil {
		// fpdf parses the font again, and subsets it, only when printing.
		b, err = render(r, nil)
	}
	if err != nil {
		return fmt.Errorf("audit: pdf: %w", err)
	}
	_, err = w.Write(b)
	return err
}

// Page geometry in mm, and colours.
const (
	margin   = 15.0
	bottom   = 18.0 // room for the footer
	lineGray = 160
)

var (
	black = [3]int{0, 0, 0}
	gray  = [3]int{100, 100, 100}
	red   = [3]int{190, 0, 0}
	green = [3]int{0, 120, 40}
)

// doc is the report being laid out: fpdf plus the current text style.
type doc struct {
	pdf    *fpdf.Fpdf
	font   *cjkFont
	size   float64
	bold   bool
	color  [3]int
	widths map[widthKey]float64
	r      Report
}

// china is China Standard Time, fixed since there is no daylight saving; the
// tz database may be absent from the server.
var china = time.FixedZone("UTC+8", 8*60*60)

func render(r Report, font *cjkFont) (b []byte, err error) {
	defer func() {
		// A font fpdf cannot subset may panic inside it; the caller retries
		// without the font rather than losing the report.
		if p := recover(); p != nil {
			err = fmt.Errorf("render: %v", p)
		}
	}()
	pdf := fpdf.New("P", "mm", "A4", "")
	d := &doc{pdf: pdf, font: font, widths: map[widthKey]float64{}, r: r}
	if font != nil {
		pdf.SetFontLocation(font.dir)
		pdf.AddUTF8Font(cjk, "", font.file)
		if pdf.Err() {
			return nil, pdf.Error()
		}
	}
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, bottom) // rows are kept whole by need
	pdf.SetCellMargin(0)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(r.GeneratedAt)
	pdf.SetModificationDate(r.GeneratedAt)
	pdf.SetTitle("农产品溯源审计报告 "+r.SubjectKind+" "+r.Subject, true)
	pdf.SetCreator("agritrace", true)
	pdf.SetLang("zh-CN")
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(d.footer)
	pdf.SetDrawColor(lineGray, lineGray, lineGray)
	pdf.SetLineWidth(0.2)
	pdf.AddPage()

	d.header()
	d.findings()
	if r.Unit != nil {
		d.unit(*r.Unit)
	}
	if r.Complaint != nil {
		d.complaint(*r.Complaint)
	}
	d.graph()
	d.verification()
	d.quantities()
	d.scans()
	d.complaints()

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (d *doc) style(size float64, bold bool, color [3]int) {
	d.size, d.bold, d.color = size, bold, color
	d.pdf.SetTextColor(color[0], color[1], color[2])
}

// need starts a new page unless h mm fit above the footer, and says whether it did.
func (d *doc) need(h float64) bool {
	_, ph := d.pdf.GetPageSize()
	if d.pdf.GetY()+h <= ph-bottom {
		return false
	}
	size, bold, color := d.size, d.bold, d.color
	d.pdf.AddPage()
	d.style(size, bold, color)
	return true
}

func (d *doc) footer() {
	size, bold, color := d.size, d.bold, d.color
	pw, ph := d.pdf.GetPageSize()
	y := ph - 12
	d.pdf.SetDrawColor(lineGray, lineGray, lineGray)
	d.pdf.Line(margin, y, pw-margin, y)
	d.style(8, false, gray)
	d.text(margin, y+1, pw-2*margin, 5, "农产品溯源审计报告 Traceability audit report · "+d.r.SubjectKind+" "+d.r.Subject, 'L')
	// The page count is known only at the end and is measured as "{nb}", so it
	// goes last, where the difference falls in the right margin.
	d.text(margin, y+1, pw-2*margin, 5, fmt.Sprintf("第 %d 页 · Page %d / {nb}", d.pdf.PageNo(), d.pdf.PageNo()), 'R')
	d.style(size, bold, color)
}

// para prints wrapped text across the page, breaking pages between lines.
func (d *doc) para(s string, h float64) {
	pw, _ := d.pdf.GetPageSize()
	for _, l := range d.wrap(s, pw-2*margin) {
		d.need(h)
		d.text(margin, d.pdf.GetY(), pw-2*margin, h, l, 'L')
		d.pdf.SetXY(margin, d.pdf.GetY()+h)
	}
}

// heading starts a section, on a new page if little of this one is left.
func (d *doc) heading(zh, en string) {
	d.pdf.SetY(d.pdf.GetY() + 4)
	d.need(25)
	d.style(12, true, black)
	d.para(zh+"  "+en, 7)
	pw, _ := d.pdf.GetPageSize()
	d.pdf.SetDrawColor(lineGray, lineGray, lineGray)
	d.pdf.Line(margin, d.pdf.GetY(), pw-margin, d.pdf.GetY())
	d.pdf.SetY(d.pdf.GetY() + 2)
	d.style(9, false, black)
}

// fields prints label: value pairs, the values wrapped beside their labels.
func (d *doc) fields(kv [][2]string) {
	pw, _ := d.pdf.GetPageSize()
	const lw, h = 42.0, 5.0
	for _, f := range kv {
		d.style(9, false, gray)
		label := d.wrap(f[0], lw-2)
		d.style(9, false, black)
		lines := d.wrap(f[1], pw-2*margin-lw)
		for i := range max(len(label), len(lines)) {
			d.need(h)
			y := d.pdf.GetY()
			if i < len(label) {
				d.style(9, false, gray)
				d.text(margin, y, lw, h, label[i], 'L')
				d.style(9, false, black)
			}
			if i < len(lines) {
				d.text(margin+lw, y, pw-2*margin-lw, h, lines[i], 'L')
			}
			d.pdf.SetXY(margin, y+h)
		}
	}
}

// column of a table: header, width in mm, alignment.
type column struct {
	head  string
	width float64
	align byte
}

// table prints rows with wrapped cells, repeating the header on each page;
// color gives a row's text colour.
func (d *doc) table(cols []column, rows [][]string, color func(i int) [3]int) {
	if len(rows) == 0 {
		d.style(9, false, gray)
		d.para("无 None", 5)
		d.style(9, false, black)
		return
	}
	const h, pad = 4.2, 1.2
	_, ph := d.pdf.GetPageSize()
	maxLines := int((ph - 2*margin - bottom - 20) / h)
	heads := make([]string, len(cols))
	for i, c := range cols {
		heads[i] = c.head
	}
	var row func(cells []string, header bool, c [3]int)
	row = func(cells []string, header bool, c [3]int) {
		d.style(8, header, c)
		lines := make([][]string, len(cols))
		n := 1
		for i, col := range cols {
			lines[i] = d.wrap(cells[i], col.width-2*pad)
			// A cell taller than a page is cut so that its row still fits on one.
			if len(lines[i]) > maxLines {
				lines[i] = append(lines[i][:maxLines-1], "…")
			}
			n = max(n, len(lines[i]))
		}
		rh := float64(n)*h + 2*pad
		if d.need(rh) && !header {
			row(heads, true, black)
			d.style(8, false, c)
		}
		x, y := margin, d.pdf.GetY()
		for i, col := range cols {
			if header {
				d.pdf.SetFillColor(235, 235, 235)
				d.pdf.Rect(x, y, col.width, rh, "FD")
			} else {
				d.pdf.Rect(x, y, col.width, rh, "D")
			}
			for j, l := range lines[i] {
				d.text(x+pad, y+pad+float64(j)*h, col.width-2*pad, h, l, col.align)
			}
			x += col.width
		}
		d.pdf.SetXY(margin, y+rh)
	}
	row(heads, true, black)
	for i, cells := range rows {
		row(cells, false, color(i))
	}
	d.pdf.SetY(d.pdf.GetY() + 1)
	d.style(9, false, black)
}

// name is an organization's name where the report knows it.
func (d *doc) name(id string) string {
	if n := d.r.Orgs[id]; n != "" {
		return n
	}
	return id
}

// nameID is an organization's name followed by its id.
func (d *doc) nameID(id string) string {
	if n := d.r.Orgs[id]; n != "" && n != id {
		return n + " (" + id + ")"
	}
	return id
}

// actor names an organization and, for a record made in the console, the
// person who acted for it.
func (d *doc) actor(org, person string) string {
	if person == "" {
		return d.nameID(org)
	}
	return d.nameID(org) + " / " + person
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(china).Format("2006-01-02 15:04")
}

// qty groups digits in threes: quantities are in grams and millilitres.
func qty(n int64, unit string) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	if unit != "" {
		s += " " + unit
	}
	return s
}

// truncate shortens s to n runes.
func truncate(s string, n int) string {
	rs := []rune(strings.Join(strings.Fields(s), " "))
	if len(rs) <= n {
		return string(rs)
	}
	return string(rs[:n-1]) + "…"
}

// ledgerColor is red for a verdict that means the records cannot be trusted.
func ledgerColor(verdict string) [3]int {
	if verdict == verify.Mismatch || verdict == verify.Missing {
		return red
	}
	return black
}
