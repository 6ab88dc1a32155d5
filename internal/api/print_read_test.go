package api_test

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/label"
)

// TestPrintRunReadBack prints an A4 run of a sheet and a half and a thermal
// run, rasterizes every page at 300 dpi with poppler as a printer's driver
// would, and reads every label's QR code with two independent readers, zbar
// and gozxing: each is the signed Digital Link of the unit printed there.
func TestPrintRunReadBack(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("zbarimg is missing (scripts/test.sh installs zbar-tools)")
		}
		t.Skip("zbarimg is not installed")
	}
	e := start(t)
	lot, units := packed(t, e, 30, 5000)
	mill := e.as(demo.Mill)
	var serials, urls []string
	for _, u := range units {
		var unit struct {
			URL string `json:"url"`
		}
		if err := mill.Do(bg, "GET", "/api/v1/units/"+u.Serial, nil, &unit); err != nil {
			t.Fatal(err)
		}
		serials, urls = append(serials, u.Serial), append(urls, unit.URL)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		layout      string
		n           int
		cols, rows  int
		left, top   float64 // mm, as the README gives the sheet
		w, h, pitch float64
	}{
		{layout: "a4", n: 30, cols: 3, rows: 7, left: 7.25, top: 15.15, w: 63.5, h: 38.1, pitch: 66.04},
		{layout: "thermal", n: 3, cols: 1, rows: 1, w: 50, h: 30},
	} {
		t.Run(tc.layout, func(t *testing.T) {
			var run printRun
			body := map[string]any{"layout": tc.layout, "serials": serials[:tc.n]}
			if err := mill.Do(bg, "POST", "/api/v1/lots/"+lot+"/print-runs", body, &run); err != nil {
				t.Fatal(err)
			}
			pdf := download(t, e, demo.Mill, finished(t, mill, run, nil), dir)
			per := tc.cols * tc.rows
			var crops []string
			for i := range tc.n {
				page := filepath.Join(dir, fmt.Sprintf("%s-%d", tc.layout, i/per+1))
				if i%per == 0 {
					p := fmt.Sprint(i/per + 1)
					poppler(t, "pdftoppm", "-png", "-r", "300", "-f", p, "-l", p, "-singlefile", pdf, page)
				}
				slot := i % per
				x, y := tc.left+float64(slot%tc.cols)*tc.pitch, tc.top+float64(slot/tc.cols)*tc.h
				crop := filepath.Join(dir, fmt.Sprintf("%s-label-%02d.png", tc.layout, i))
				cut(t, page+".png", crop, image.Rect(dots(x), dots(y), dots(x+tc.w), dots(y+tc.h)))
				crops = append(crops, crop)
			}
			out, _ := exec.Command(zbar, append([]string{"--raw", "-q", "-Sdisable", "-Sqrcode.enable"}, crops...)...).Output()
			read := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
			if len(read) != tc.n {
				t.Fatalf("zbar read %d codes of %d:\n%s", len(read), tc.n, out)
			}
			for i, crop := range crops {
				if read[i] != urls[i] {
					t.Errorf("label %d: zbar reads %q, want %q", i+1, read[i], urls[i])
				}
				f, err := os.Open(crop)
				if err != nil {
					t.Fatal(err)
				}
				got, err := label.DecodeImage(f)
				f.Close()
				if err != nil || got != urls[i] {
					t.Errorf("label %d: gozxing reads %q, %v; want %q", i+1, got, err, urls[i])
				}
			}
		})
	}
}

// dots converts mm to whole pixels at 300 dpi.
func dots(mm float64) int { return int(mm*300/25.4 + 0.5) }

// cut writes the part r of the PNG at from to a PNG at to.
func cut(t *testing.T, from, to string, r image.Rectangle) {
	t.Helper()
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		t.Fatalf("%s: cannot crop a %T", from, img)
	}
	w, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := png.Encode(w, sub.SubImage(r.Intersect(img.Bounds()))); err != nil {
		t.Fatal(err)
	}
}
