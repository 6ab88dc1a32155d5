package api_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// printRun is the API's answer about a print run.
type printRun struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Done        int    `json:"done"`
	Total       int    `json:"total"`
	Pages       int    `json:"pages"`
	Org         string `json:"org"`
	Error       string `json:"error"`
	ProgressURL string `json:"progressUrl"`
	PDFURL      string `json:"pdfUrl"`
}

// packed makes a lot of n bottles at the mill, each of size mL, and returns
// its id and units.
func packed(t *testing.T, e *env, n int, size int64) (string, []trace.Unit) {
	t.Helper()
	setupProducts(t, e)
	seed := atMill(t, e, "A1", 1000)
	mill := e.as(demo.Mill)
	expect(t, mill, "POST", "/api/v1/transforms", trace.TransformInput{
		Inputs: []trace.Portion{{Lot: seed, Quantity: 1_000_000}}, Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "O1", Quantity: 380_000}},
	}, 201, "", "")
	var r trace.Result
	if err := mill.Do(bg, "POST", "/api/v1/lots/"+trace.LotID(demo.Oil, "O1")+"/pack", trace.PackInput{GTIN: demo.Bottle, Lot: "B1", Count: n, UnitSize: size}, &r); err != nil {
		t.Fatal(err)
	}
	return trace.LotID(demo.Bottle, "B1"), r.Units
}

// finished polls a run until it ends, calling seen with each answer.
func finished(t *testing.T, c demo.Client, run printRun, seen func(printRun)) printRun {
	t.Helper()
	for run.Status == "queued" || run.Status == "running" {
		// A pause between polls, as a console would make, leaves the cores
		// to the run; nothing here depends on its length.
		time.Sleep(20 * time.Millisecond)
		if err := c.Do(bg, "GET", run.ProgressURL, nil, &run); err != nil {
			t.Fatal(err)
		}
		if seen != nil {
			seen(run)
		}
	}
	if run.Status != "done" {
		t.Fatalf("print run ended %s: %s", run.Status, run.Error)
	}
	return run
}

// download fetches a finished run's PDF into dir.
func download(t *testing.T, e *env, org string, run printRun, dir string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", e.URL+run.PDFURL, nil)
	req.Header.Set("Authorization", "Bearer "+e.Keys[org])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("GET %s: %d %s %.100q", run.PDFURL, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	path := filepath.Join(dir, run.ID+".pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pdfPages reads the page count of a PDF with pdfinfo.
func pdfPages(t *testing.T, pdf string) int {
	t.Helper()
	for line := range strings.Lines(poppler(t, "pdfinfo", pdf)) {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "Pages:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// TestPrintRunLayouts prints a few labels in each layout, rasterizes the first
// label as a printer would, and reads it back: the QR code decodes, with an
// independent decoder, to the unit's signed URL as the API serves it, and the
// serial, product name and lot are printed under it.
func TestPrintRunLayouts(t *testing.T) {
	e := start(t)
	lot, units := packed(t, e, 5, 5000)
	mill := e.as(demo.Mill)
	var unit struct {
		URL string `json:"url"`
	}
	if err := mill.Do(bg, "GET", "/api/v1/units/"+units[3].Serial, nil, &unit); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		layout string
		pages  int
		crop   []string // the first label at 300 dpi
	}{
		{"a4", 1, []string{"-x", px(7.25), "-y", px(15.15), "-W", px(63.5), "-H", px(38.1)}},
		{"thermal", 2, nil},
	} {
		t.Run(tc.layout, func(t *testing.T) {
			var run printRun
			body := map[string]any{"layout": tc.layout, "serials": []string{units[3].Serial, units[0].Serial}}
			if err := mill.Do(bg, "POST", "/api/v1/lots/"+lot+"/print-runs", body, &run); err != nil {
				t.Fatal(err)
			}
			run = finished(t, mill, run, nil)
			if run.Done != 2 || run.Total != 2 || run.Pages != tc.pages || run.Org != demo.Mill {
				t.Errorf("finished run = %+v, want 2 labels on %d pages by %s", run, tc.pages, demo.Mill)
			}
			pdf := download(t, e, demo.Mill, run, dir)
			if n := pdfPages(t, pdf); n != tc.pages {
				t.Errorf("PDF has %d pages, want %d", n, tc.pages)
			}
			got, err := labelQR(t, pdf, filepath.Join(dir, tc.layout), tc.crop)
			if err != nil || got != unit.URL {
				t.Fatalf("QR code of the first label reads %q, %v; want %q", got, err, unit.URL)
			}
			text := poppler(t, "pdftotext", "-f", "1", "-l", "1", pdf, "-")
			for _, want := range []string{"(21) " + units[3].Serial, "(10) B1", "兴山压榨菜籽油 5L"} {
				if !strings.Contains(text, want) {
					t.Errorf("page 1 lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

// TestPrintRunAccess: only those who may have the lot's signed labels start a
// run, and only the organization that started a run follows or fetches it.
func TestPrintRunAccess(t *testing.T) {
	e := start(t)
	lot, units := packed(t, e, 3, 5000)
	mill := e.as(demo.Mill)
	body := map[string]any{"layout": "thermal"}
	path := "/api/v1/lots/" + lot + "/print-runs"
	expect(t, e.as(demo.Shop), "POST", path, body, 403, trace.EFORBIDDEN, "lot")
	expect(t, e.as(demo.Collector), "POST", path, body, 403, trace.EFORBIDDEN, "lot")
	expect(t, e.as(""), "POST", path, body, 401, trace.EUNAUTHORIZED, "")
	expect(t, mill, "POST", path, map[string]any{"layout": "a5"}, 400, trace.EINVALID, "layout")
	expect(t, mill, "POST", path, map[string]any{"layout": "a4", "serials": []string{"NOSUCHSERIAL"}}, 422, trace.EUNPROCESSABLE, "serials[0]")
	expect(t, mill, "POST", path, map[string]any{"layout": "a4", "serials": []string{units[1].Serial, units[1].Serial}}, 400, trace.EINVALID, "serials[1]")
	expect(t, mill, "POST", path, map[string]any{"layout": "a4", "copies": 2}, 400, trace.EINVALID, "")

	var run printRun
	if err := mill.Do(bg, "POST", path, body, &run); err != nil {
		t.Fatal(err)
	}
	for _, rival := range []string{demo.Shop, demo.Collector, demo.Regulator} {
		expect(t, e.as(rival), "GET", run.ProgressURL, nil, 404, trace.ENOTFOUND, "")
		expect(t, e.as(rival), "GET", run.PDFURL, nil, 404, trace.ENOTFOUND, "")
	}
	finished(t, mill, run, nil)
	expect(t, e.as(demo.Shop), "GET", run.PDFURL, nil, 404, trace.ENOTFOUND, "")
	download(t, e, demo.Mill, run, t.TempDir())

	// Once the bottles are sold on, the mill is their producer still, and
	// keeps the right to its labels; a regulator over the county may print
	// them too, in a run of its own.
	expect(t, mill, "POST", "/api/v1/lots/"+lot+"/ship", trace.ShipInput{To: demo.Shop}, 201, "", "")
	download(t, e, demo.Mill, run, t.TempDir())
	var reg printRun
	if err := e.as(demo.Regulator).Do(bg, "POST", path, map[string]any{"layout": "a4"}, &reg); err != nil {
		t.Fatal(err)
	}
	finished(t, e.as(demo.Regulator), reg, nil)
}

// TestPrintRunOfTenThousand prints the most labels one pack issues while the
// API keeps answering other requests, and watches the progress grow.
func TestPrintRunOfTenThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("prints 10,000 labels")
	}
	e := start(t)
	lot, units := packed(t, e, 10_000, 10)
	mill := e.as(demo.Mill)
	var run printRun
	if err := mill.Do(bg, "POST", "/api/v1/lots/"+lot+"/print-runs", map[string]any{"layout": "thermal"}, &run); err != nil {
		t.Fatal(err)
	}
	// One unfinished run per organization.
	expect(t, mill, "POST", "/api/v1/lots/"+lot+"/print-runs", map[string]any{"layout": "a4"}, 409, trace.ECONFLICT, "")
	var partial []int
	answered := 0
	run = finished(t, mill, run, func(r printRun) {
		if r.Done > 0 && r.Done < r.Total {
			partial = append(partial, r.Done)
		}
		// Others are served meanwhile, reads and writes.
		if r.Status == "running" {
			var lots struct {
				Lots []trace.Lot `json:"lots"`
			}
			if err := e.as(demo.Collector).Do(bg, "GET", "/api/v1/lots", nil, &lots); err != nil {
				t.Fatal(err)
			}
			if err := mill.Do(bg, "GET", "/api/v1/units/"+units[answered%len(units)].Serial, nil, nil); err != nil {
				t.Fatal(err)
			}
			answered++
		}
	})
	if run.Done != 10_000 || run.Pages != 10_000 {
		t.Fatalf("finished run = %+v", run)
	}
	if len(partial) == 0 || answered == 0 {
		t.Fatalf("no progress seen between start and end (%v), %d requests answered meanwhile", partial, answered)
	}
	for i := 1; i < len(partial); i++ {
		if partial[i] < partial[i-1] {
			t.Fatalf("progress went back: %v", partial)
		}
	}
	t.Logf("progress seen: %d polls, %d other requests answered", len(partial), answered)
	pdf := download(t, e, demo.Mill, run, t.TempDir())
	if n := pdfPages(t, pdf); n != 10_000 {
		t.Errorf("PDF has %d pages, want 10000", n)
	}
	text := poppler(t, "pdftotext", "-f", "10000", "-l", "10000", pdf, "-")
	_, serial, _ := strings.Cut(text, "(21) ")
	if serial, _, _ = strings.Cut(serial, " "); !slices.ContainsFunc(units, func(u trace.Unit) bool { return u.Serial == serial }) {
		t.Errorf("last page names no serial of the lot:\n%s", text)
	}
}
