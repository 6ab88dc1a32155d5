package api_test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/label"
)

// poppler runs a poppler-utils tool, skipping the test where it is missing.
func poppler(t *testing.T, tool string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s not installed (poppler-utils): %v", tool, err)
	}
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// px converts mm to pixels at 300 dpi.
func px(mm float64) string { return strconv.Itoa(int(mm * 300 / 25.4)) }

// labelQR rasterizes page 1 of pdf at 300 dpi into png (+".png"), cropped
// to crop (pdftoppm's -x -y -W -H; nil for the whole page), as a printer
// would, and reads its QR code back with the label package's decoder.
func labelQR(t *testing.T, pdf, png string, crop []string) (string, error) {
	t.Helper()
	poppler(t, "pdftoppm", append([]string{"-png", "-r", "300", "-f", "1", "-l", "1", "-singlefile"}, append(crop, pdf, png)...)...)
	f, err := os.Open(png + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return label.DecodeImage(f)
}
