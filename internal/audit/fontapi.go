package audit

import (
	"errors"
	"fmt"

	"github.com/go-pdf/fpdf"
)

// Font is a CJK TrueType font that fpdf can embed, for the service's other
// printed documents (labels), so that every PDF finds and checks its font the
// same way.
type Font struct{ f *cjkFont }

// LoadFont opens the font at path, or at DefaultFontPath when path is "".
func LoadFont(path string) (*Font, error) {
	if path == "" {
		path = DefaultFontPath()
	}
	if path == "" {
		return nil, errors.New("audit: no CJK TrueType font found")
	}
	f, err := loadFont(path)
	if err != nil {
		return nil, fmt.Errorf("audit: font %s: %w", path, err)
	}
	return &Font{f}, nil
}

// Register adds the font to pdf as family.
func (f *Font) Register(pdf *fpdf.Fpdf, family string) {
	pdf.SetFontLocation(f.f.dir)
	pdf.AddUTF8Font(family, "", f.f.file)
}

// Has reports whether the font has a glyph for r; a nil Font has none.
func (f *Font) Has(r rune) bool { return f != nil && f.f.has(r) }

// Run is a stretch of text printed in one font: Windows-1252 bytes for
// Helvetica, or UTF-8 for the CJK font.
type Run struct {
	Text string
	CJK  bool
}

// Runs splits s into Latin-1, set in Helvetica (whose text is bytes of
// Windows-1252, which agrees with Latin-1 there), and the rest, set in the
// CJK font; a rune neither has becomes '?'. A nil Font sets everything it
// can in Helvetica.
func (f *Font) Runs(s string) []Run {
	var out []Run
	for _, r := range s {
		isCJK, text := false, "?"
		switch {
		case r >= ' ' && r < 0x7F, r >= 0xA0 && r <= 0xFF:
			text = string([]byte{byte(r)})
		case f.Has(r):
			isCJK, text = true, string(r)
		}
		if n := len(out); n > 0 && out[n-1].CJK == isCJK {
			out[n-1].Text += text
			continue
		}
		out = append(out, Run{text, isCJK})
	}
	return out
}
