package api_test

import (
	"bytes"
	"context"
	"image"
	_ "image/png" // the label the photo is
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/chromedp/chromedp"
)

// TestReportFormInBrowser fills in the scan page's report form in headless
// Chromium as a consumer would, photo included, and finds the complaint in
// the regulator's queue. Headless Chromium asks for English, so the page
// answers in English.
func TestReportFormInBrowser(t *testing.T) {
	e := start(t)
	st := e.story(t)
	dir := t.TempDir()
	_, photo := get(t, e.URL+"/api/v1/units/"+st.Sold[0]+"/label.png?size=200", "Authorization", "Bearer "+e.Keys[demo.Mill])
	photoPath := filepath.Join(dir, "bottle.png")
	notPhoto := filepath.Join(dir, "bottle.txt")
	for path, data := range map[string]string{photoPath: photo, notPhoto: "not a picture"} {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	ctx := headless(t, 412, 1600)

	const description = "瓶盖封口有二次拧开的痕迹，油色偏浅"
	send := func(file string) (status string, disabled bool) {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS(`#report-form select[name=kind]`), "refill"),
			chromedp.SetValue(chromedp.CSS(`#report-form textarea[name=description]`), description),
			chromedp.SetUploadFiles(chromedp.CSS(`#report-form input[name=photo]`), []string{file}),
			chromedp.SetJavascriptAttribute(chromedp.ID("report-status"), "textContent", ""),
			chromedp.Click(chromedp.CSS(`#report-form button`)),
		)
		if err == nil {
			status, err = chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById("report-status").textContent`))
		}
		if err == nil {
			disabled, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#report-form button").disabled`))
		}
		if err != nil {
			t.Fatalf("report form with %s: %v", filepath.Base(file), err)
		}
		return status, disabled
	}
	err := chromedp.Do(ctx, chromedp.Navigate(st.ShelfURL+"&region="+demo.GonganCounty), chromedp.WaitVisible(chromedp.ID("report-form")))
	if err != nil {
		t.Fatalf("open scan page: %v", err)
	}

	status, disabled := send(notPhoto)
	if !strings.HasPrefix(status, "Could not send: ") || !strings.Contains(status, "image/jpeg or image/png") || disabled {
		t.Errorf("a text file as the photo: status %q, button disabled %v", status, disabled)
	}
	status, disabled = send(photoPath)
	id, sent := strings.CutPrefix(status, "Sent. Reference: ")
	if !sent || id == "" || !disabled {
		t.Fatalf("report with a photo: status %q, button disabled %v", status, disabled)
	}

	var got struct{ Complaint trace.Complaint }
	if err := e.as(demo.Regulator).Do(context.Background(), "GET", "/api/v1/complaints/"+id, nil, &got); err != nil {
		t.Fatalf("complaint %s: %v", id, err)
	}
	c := got.Complaint
	shelf, err := label.ParseLink(st.ShelfURL)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != "refill" || c.Description != description || c.Serial != shelf.Serial || c.Region != demo.GonganCounty ||
		c.Reporter != "consumer" || len(c.Evidence) != 1 {
		t.Fatalf("complaint filed from the page = %+v", c)
	}
	// The photo is kept re-encoded: the same pixels, not the same bytes.
	_, stored := get(t, e.URL+"/api/v1/evidence/"+c.Evidence[0], "Authorization", "Bearer "+e.Keys[demo.Regulator])
	if !samePixels(t, []byte(photo), []byte(stored)) {
		t.Error("the stored photo is not the picture sent")
	}
}

// samePixels reports whether two encoded pictures hold the same pixels.
func samePixels(t *testing.T, a, b []byte) bool {
	t.Helper()
	ia, _, err := image.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	ib, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if ia.Bounds() != ib.Bounds() {
		return false
	}
	for y := ia.Bounds().Min.Y; y < ia.Bounds().Max.Y; y++ {
		for x := ia.Bounds().Min.X; x < ia.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := ia.At(x, y).RGBA()
			r2, g2, b2, a2 := ib.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}
