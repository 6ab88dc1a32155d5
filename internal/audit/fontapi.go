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
