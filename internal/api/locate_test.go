package api_test

import (
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestLocationButtonInBrowser presses the scan page's location button in
// headless Chromium with the phone's position set to Jingzhou: the page asks
// for the position only then, reloads with it, and the scan records the
// prefecture the coordinates map to.
func TestLocationButtonInBrowser(t *testing.T) {
	e := start(t)
	st := e.story(t)
	ctx := headless(t, 412, 1600)

	if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted, Origin: e.URL,
	}); err != nil {
		t.Fatalf("grant geolocation: %v", err)
	}
	lat, lon, accuracy := 30.334, 112.241, 50.0
	if _, err := chromedp.Call(ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &accuracy}); err != nil {
		t.Fatalf("set the position: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(st.ShelfURL), chromedp.WaitVisible(chromedp.ID("locate"))); err != nil {
		t.Fatalf("open scan page: %v", err)
	}
	var scans struct{ Scans []trace.Scan }
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/scans", nil, &scans); err != nil || len(scans.Scans) != 1 || scans.Scans[0].ReportedRegion != "" {
		t.Fatalf("before the button is pressed: scans %+v, %v; want one scan with no location", scans.Scans, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("locate"))); err != nil {
		t.Fatalf("press the location button: %v", err)
	}
	// The reload may replace the page (and its JavaScript context) while a
	// poll runs on it; poll the new one. A page that never reloads ends the
	// loop with the context's deadline.
	var search string
	var err error
	for range 10 {
		search, err = chromedp.Run(ctx, chromedp.Poll[string](`location.search.includes("lat=") && document.getElementById("scan-place") && !document.getElementById("locate") && location.search`))
		if err == nil || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("page after the button: %v", err)
	}
	if !strings.Contains(search, "lat=30.33") || !strings.Contains(search, "lon=112.24") {
		t.Errorf("page reloaded with %s, want the position rounded to 0.01°", search)
	}
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/scans", nil, &scans); err != nil || len(scans.Scans) != 2 || scans.Scans[0].ReportedRegion != "421000" {
		t.Errorf("after the button: scans %+v, %v; want the newest to report Jingzhou (421000)", scans.Scans, err)
	}
}
