package audit

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/go-pdf/fpdf"
)

// fontCandidates are CJK TrueType fonts fpdf can embed (a .ttf with a format 4
// Unicode cmap; .ttc collections and CFF-based .otf files are not supported),
// where distributions install them. The Debian package fonts-droid-fallback
// comes first: small, sans-serif like Helvetica, and it covers the rare
// characters of Chinese place and person names that GB2312-only fonts lack.
var fontCandidates = []string{
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",          // Debian, Ubuntu: fonts-droid-fallback
	"/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf",     // the same package, smaller variant
	"/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf", // Fedora: google-droid-sans-fonts
	"/usr/share/fonts/droid/DroidSansFallbackFull.ttf",                   // Arch: ttf-droid
	"/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",       // Debian: fonts-lxgw-wenkai
	"/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",             // Debian: fonts-arphic-gbsn00lp
	"/Library/Fonts/Arial Unicode.ttf",                                   // macOS
	`C:\Windows\Fonts\simhei.ttf`,                                        // Windows
}

// DefaultFontPath returns the first CJK TrueType font found in the standard
// locations, or "" when there is none; WritePDF then prints with Helvetica only.
func DefaultFontPath() string {
	for _, p := range fontCandidates {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// cjkFont is a TrueType font for the runes Helvetica cannot print.
type cjkFont struct {
	dir, file string
	// glyphs are the BMP runes the font has a glyph for. fpdf knows only the BMP
	// and prints an empty box for a rune without a glyph, so anything else is
	// replaced rather than passed on.
	glyphs map[uint16]uint16
}

// loadFont parses path; an error means the font is not usable by fpdf.
func loadFont(path string) (*cjkFont, error) {
	rec, err := fpdf.TtfParse(path)
	if err != nil {
		return nil, err
	}
	return &cjkFont{dir: filepath.Dir(path), file: filepath.Base(path), glyphs: rec.Chars}, nil
}

func (c *cjkFont) has(r rune) bool {
	if c == nil || r > 0xFFFF {
		return false
	}
	_, ok := c.glyphs[uint16(r)]
	return ok
}

// Font families registered with fpdf.
const (
	latin = "Helvetica"
	cjk   = "cjk"
)

// cp1252 maps the runes of Windows-1252 outside Latin-1 to their bytes: the
// core fonts are encoded in it, and its quotes, dashes and ellipsis are common
// in Chinese text too.
var cp1252 = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88,
	'‰': 0x89, 'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E, '‘': 0x91, '’': 0x92, '“': 0x93,
	'”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B,
	'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

// latinByte returns r's byte in Windows-1252.
func latinByte(r rune) (byte, bool) {
	if r < 0x80 || (r >= 0xA0 && r <= 0xFF) {
		return byte(r), true
	}
	b, ok := cp1252[r]
	return b, ok
}

// glyph returns the rune to print for r and whether it comes from the CJK
// font: Latin text is set in Helvetica, the rest in the CJK font, and what
// neither can print becomes '?'.
func (d *doc) glyph(r rune) (rune, bool) {
	switch {
	case r == '\t':
		return ' ', false
	case r < ' ' || r == 0x7F || (r >= 0x80 && r < 0xA0):
		return '?', false
	}
	if _, ok := latinByte(r); ok {
		return r, false
	}
	if d.font.has(r) {
		return r, true
	}
	return '?', false
}

// segment is a run of runes printed in one font.
type segment struct {
	text string
	cjk  bool
}

// segments splits a line into runs by font, in the encoding each font expects.
func (d *doc) segments(s string) []segment {
	var out []segment
	var b strings.Builder
	cur := false
	flush := func() {
		if b.Len() > 0 {
			out = append(out, segment{b.String(), cur})
			b.Reset()
		}
	}
	for _, r := range s {
		g, isCJK := d.glyph(r)
		if isCJK != cur {
			flush()
			cur = isCJK
		}
		if isCJK {
			b.WriteRune(g)
		} else {
			c, _ := latinByte(g)
			b.WriteByte(c)
		}
	}
	flush()
	return out
}

// use selects the font of a segment in the current size and weight.
func (d *doc) use(isCJK bool) {
	if isCJK {
		d.pdf.SetFont(cjk, "", d.size)
		return
	}
	style := ""
	if d.bold {
		style = "B"
	}
	d.pdf.SetFont(latin, style, d.size)
}

type widthKey struct {
	r    rune
	bold bool
	size float64
}

// width returns the width of s in mm in the current style.
func (d *doc) width(s string) float64 {
	var w float64
	for _, r := range s {
		k := widthKey{r, d.bold, d.size}
		cw, ok := d.widths[k]
		if !ok {
			g, isCJK := d.glyph(r)
			d.use(isCJK)
			if isCJK {
				cw = d.pdf.GetStringWidth(string(g))
			} else {
				c, _ := latinByte(g)
				cw = d.pdf.GetStringWidth(string([]byte{c}))
			}
			d.widths[k] = cw
		}
		w += cw
	}
	return w
}

// wide reports whether r is of a script written without spaces, whose
// lines may break between any two characters.
func wide(r rune) bool { return r >= 0x2E80 && r <= 0xFFEF }

// breakable reports whether a line may break between prev and r: at spaces,
// around Chinese characters and after the separators of ids, but never before
// closing or after opening punctuation, nor inside 6,000,000 or 20:41.
func breakable(prev, r rune) bool {
	if strings.ContainsRune("，。、；：？！）》」』】〕”’,.;:?!)", r) || strings.ContainsRune("（《「『【〔“‘(", prev) {
		return false
	}
	return prev == ' ' || wide(prev) || wide(r) || strings.ContainsRune("-._/", prev)
}

// wrap breaks s into lines no wider than w in the current style, and a word
// longer than a line anywhere. fpdf's own MultiCell and SplitText cannot be
// used: they drop the Chinese character at which they break a line.
func (d *doc) wrap(s string, w float64) []string {
	var out []string
	for para := range strings.SplitSeq(strings.ReplaceAll(s, "\r", ""), "\n") {
		rs := []rune(para)
		if len(rs) == 0 {
			out = append(out, "")
		}
		for start := 0; start < len(rs); {
			end, brk, width := start, -1, 0.0
			for ; end < len(rs); end++ {
				if end > start && breakable(rs[end-1], rs[end]) {
					brk = end
				}
				cw := d.width(string(rs[end]))
				// A space may hang past the edge: it is dropped at the break.
				if rs[end] != ' ' && width+cw > w && end > start {
					break
				}
				width += cw
			}
			if end < len(rs) && brk > start {
				end = brk
			}
			out = append(out, strings.TrimRight(string(rs[start:end]), " "))
			start = end
			for start < len(rs) && rs[start] == ' ' {
				start++
			}
		}
	}
	return out
}

// text prints one line at x, y in a box w wide and h high, aligned 'L', 'C'
// or 'R'.
func (d *doc) text(x, y, w, h float64, s string, align byte) {
	switch align {
	case 'R':
		x += w - d.width(s)
	case 'C':
		x += (w - d.width(s)) / 2
	}
	for _, seg := range d.segments(s) {
		d.use(seg.cjk)
		sw := d.pdf.GetStringWidth(seg.text)
		fake := seg.cjk && d.bold
		if fake {
			// The CJK font has no bold face: stroke the outlines in the text
			// colour as well as filling them.
			d.pdf.SetDrawColor(d.color[0], d.color[1], d.color[2])
			d.pdf.SetLineWidth(d.size * 0.012)
			d.pdf.SetTextRenderingMode(2)
		}
		d.pdf.SetXY(x, y)
		d.pdf.CellFormat(sw, h, seg.text, "", 0, "L", false, 0, "")
		if fake {
			d.pdf.SetTextRenderingMode(0)
			d.pdf.SetDrawColor(lineGray, lineGray, lineGray)
			d.pdf.SetLineWidth(0.2)
		}
		x += sw
	}
}
