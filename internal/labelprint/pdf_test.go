package labelprint_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/audit"
	"github.com/agritrace/agritrace/internal/labelprint"
)

var emptyXObjects = regexp.MustCompile(`/XObject <<\s*>>`)

// TestNoImageObjects: the pages of a 1,000-label run share a resources
// dictionary that holds fonts alone, so a reader opening any page loads no
// picture of another; poppler finds each label's QR code inline on its page,
// at the printed size.
func TestNoImageObjects(t *testing.T) {
	if _, err := exec.LookPath("pdfimages"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdfimages is missing (poppler-utils)")
		}
		t.Skip("pdfimages is not installed (poppler-utils)")
	}
	font, err := audit.LoadFont("")
	if err != nil {
		t.Skip(err)
	}
	var b bytes.Buffer
	if err := labelprint.Render(context.Background(), &b, labelprint.A4, sample(1000), font, nil); err != nil {
		t.Fatal(err)
	}
	// fpdf writes the XObject dictionary of the shared resources even when
	// it is empty.
	if n := bytes.Count(b.Bytes(), []byte("/XObject")); n != 1 || !emptyXObjects.Match(b.Bytes()) || bytes.Contains(b.Bytes(), []byte("/Subtype /Image")) {
		t.Errorf("the PDF holds image objects (%d XObject dictionaries)", n)
	}
	pdf := filepath.Join(t.TempDir(), "run.pdf")
	if err := os.WriteFile(pdf, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdfimages", "-list", pdf).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfimages: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")[2:] // under the header
	if len(lines) != 1000 {
		t.Fatalf("pdfimages lists %d images, want 1000", len(lines))
	}
	for _, line := range lines {
		// page num type width height color comp bpc enc interp object ID x-ppi y-ppi size ratio
		f := strings.Fields(line)
		if len(f) < 12 || f[10] != "[inline]" || f[7] != "1" || f[9] != "no" {
			t.Fatalf("not a 1-bit inline image that is left uninterpolated: %s", line)
		}
		width, _ := strconv.Atoi(f[3])
		ppi, _ := strconv.Atoi(f[11])
		// pdfimages rounds the resolution to whole pixels per inch.
		if mm := float64(width) * 25.4 / float64(ppi); mm < 25.5 || mm > 26.5 {
			t.Fatalf("QR code printed %.1f mm wide, want 26: %s", mm, line)
		}
	}
}
