package api_test

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/picture"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// svgDoc is what the tests read of a picture: every text and every lot box.
type svgDoc struct {
	Texts []string
	Lots  []string
}

// readSVG fetches a picture as org and checks it is well-formed SVG.
func readSVG(t *testing.T, e *env, org, path string, header ...string) (*http.Response, svgDoc) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.Keys[org])
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc svgDoc
	if resp.StatusCode != http.StatusOK {
		return resp, doc
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "image/svg+xml") {
		t.Errorf("%s: content type %q", path, ct)
	}
	dec := xml.NewDecoder(resp.Body)
	inText := false
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("%s is not XML: %v", path, err)
			}
			break
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text"
			for _, a := range tok.Attr {
				if a.Name.Local == "data-lot" {
					doc.Lots = append(doc.Lots, a.Value)
				}
			}
		case xml.CharData:
			if inText {
				doc.Texts = append(doc.Texts, string(tok))
			}
		case xml.EndElement:
			inText = false
		}
	}
	return resp, doc
}

func TestTraceSVG(t *testing.T) {
	e := start(t)
	st := e.story(t)
	path := "/api/v1/lots/" + st.OilLot + "/trace.svg"

	t.Run("draws every lot the JSON trace has", func(t *testing.T) {
		var g trace.Graph
		if err := e.as(demo.Mill).Do(bg, "GET", "/api/v1/lots/"+st.OilLot+"/trace", nil, &g); err != nil {
			t.Fatal(err)
		}
		resp, doc := readSVG(t, e, demo.Mill, path+"?lang=en")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		var want []string
		for _, n := range g.Nodes {
			want = append(want, n.ID)
			if !slices.Contains(doc.Texts, "Lot "+n.Number) {
				t.Errorf("lot number %s not drawn: %q", n.Number, doc.Texts)
			}
		}
		slices.Sort(want)
		slices.Sort(doc.Lots)
		if len(want) < 4 || !slices.Equal(doc.Lots, want) {
			t.Errorf("lots drawn %v, want the trace's %v", doc.Lots, want)
		}
		for _, w := range []string{"★ Pressed rapeseed oil (bulk)", "6,000 kg", "4,000 kg"} {
			if !slices.ContainsFunc(doc.Texts, func(s string) bool { return strings.HasPrefix(s, w) }) {
				t.Errorf("no text %q in %q", w, doc.Texts)
			}
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "private") || !strings.Contains(cc, "no-cache") {
			t.Errorf("Cache-Control %q: a trace is the reader's own and changes with every event", cc)
		}
		again, _ := readSVG(t, e, demo.Mill, path+"?lang=en", "If-None-Match", resp.Header.Get("ETag"))
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("revalidation answered %d, want 304", again.StatusCode)
		}
	})

	t.Run("same read rule as the JSON trace", func(t *testing.T) {
		rival := enrol(t, e, trace.Org{ID: "rival-mill", Name: "另一家油坊", Roles: []string{trace.RoleProcessor}, Region: "420527"})
		for _, tt := range []struct {
			name string
			key  string
			id   string
		}{
			{"anonymous", "", st.OilLot},
			{"rival processor", rival.Key, st.BottleLot},
			{"no such lot", e.Keys[demo.Mill], "06901234000014.NOPE"},
		} {
			status := func(suffix string) int {
				code, _ := get(t, e.URL+"/api/v1/lots/"+tt.id+suffix, "Authorization", "Bearer "+tt.key)
				return code
			}
			if js, svg := status("/trace"), status("/trace.svg"); js == http.StatusOK || svg != js {
				t.Errorf("%s: trace.svg answered %d, the JSON trace %d", tt.name, svg, js)
			}
		}
		// The collector sees its seed lots but not the mill's products: the
		// picture leaves out the same lots the JSON does.
		var g trace.Graph
		if err := e.as(demo.Collector).Do(bg, "GET", "/api/v1/lots/"+st.SeedLots[0]+"/trace", nil, &g); err != nil {
			t.Fatal(err)
		}
		_, doc := readSVG(t, e, demo.Collector, "/api/v1/lots/"+st.SeedLots[0]+"/trace.svg")
		if len(doc.Lots) != len(g.Nodes) || slices.Contains(doc.Lots, st.OilLot) {
			t.Errorf("collector's picture shows %v; its JSON trace has %d lots", doc.Lots, len(g.Nodes))
		}
	})

	t.Run("a recall shows in words", func(t *testing.T) {
		if err := e.as(demo.Regulator).Do(bg, "POST", "/api/v1/lots/"+st.OilLot+"/recall", trace.RecallInput{Reason: "苯并[a]芘超标"}, nil); err != nil {
			t.Fatal(err)
		}
		_, doc := readSVG(t, e, demo.Regulator, path, "Accept-Language", "zh-CN")
		if n := strings.Count(strings.Join(doc.Texts, "\n"), "⚠ 已召回"); n != 2 { // the oil and its bottles
			t.Errorf("%d lots say 已召回, want 2: %q", n, doc.Texts)
		}
	})
}

func TestAlertsByRegion(t *testing.T) {
	e := start(t)
	st := e.story(t)
	// An inspector's declared place is weighed (a consumer's ?region= is not).
	inspector := demo.Regulator
	scanAs(t, e, inspector, st.ShelfURL, xingshan)                                     // genuine: no alert
	scanAs(t, e, inspector, st.ShelfURL, gongan)                                       // far from its market
	scanAs(t, e, inspector, st.SoldURL, gongan)                                        // a sold bottle back on a shelf
	scanAs(t, e, inspector, strings.Replace(st.ShelfURL, "&s=", "&s=AB", 1), xingshan) // forged

	var got struct {
		Regions []picture.Bar
		Counted int
	}
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/alerts/by-region?lang=en", nil, &got); err != nil {
		t.Fatal(err)
	}
	want := []picture.Bar{{Label: "Jingzhou, Hubei", Count: 2}, {Label: "Yichang, Hubei", Count: 1}}
	if !slices.Equal(got.Regions, want) || got.Counted != 3 {
		t.Errorf("by region = %+v (%d counted), want %+v", got.Regions, got.Counted, want)
	}

	resp, doc := readSVG(t, e, demo.Regulator, "/api/v1/alerts/by-region.svg", "Accept-Language", "zh-CN,zh")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	texts := strings.Join(doc.Texts, "|")
	if !strings.Contains(texts, "湖北省荆州市|2|湖北省宜昌市|1") {
		t.Errorf("chart says %q, want Jingzhou 2 then Yichang 1", texts)
	}
	for _, p := range []string{"/api/v1/alerts/by-region", "/api/v1/alerts/by-region.svg"} {
		if code, _ := get(t, e.URL+p, "Authorization", "Bearer "+e.Keys[demo.Shop]); code != http.StatusForbidden {
			t.Errorf("shop reads %s: %d, want 403", p, code)
		}
	}
}

// TestPicturesInBrowser opens both pictures in headless Chromium on a
// phone-sized and a desktop-sized screen: each must draw something, fit the
// width, and keep its aspect.
func TestPicturesInBrowser(t *testing.T) {
	e := start(t)
	st := e.story(t)
	scanAs(t, e, "", st.ShelfURL, gongan)

	ctx := headless(t, 390, 844)
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	auth := network.Headers{"Authorization": "Bearer " + e.Keys[demo.Regulator]}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: auth}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/lots/" + st.OilLot + "/trace.svg", "/api/v1/alerts/by-region.svg"} {
		for _, size := range [][2]int64{{390, 844}, {1366, 768}} {
			err := chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1]), chromedp.Navigate(e.URL+path))
			var box []float64
			if err == nil {
				box, err = chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.documentElement.getBoundingClientRect(); return [r.width, r.height] })()`))
			}
			var shot []byte
			if err == nil {
				shot, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
			}
			if err != nil {
				t.Fatalf("%s at %v: %v", path, size, err)
			}
			if box[0] <= 0 || box[1] <= 0 || box[0] > float64(size[0]) {
				t.Errorf("%s at %v: drawn %v×%v", path, size, box[0], box[1])
			}
			img, err := png.Decode(bytes.NewReader(shot))
			if err != nil {
				t.Fatal(err)
			}
			dark := 0
			for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y += 2 {
				for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x += 2 {
					if r, g, b, _ := img.At(x, y).RGBA(); r+g+b < 3*0x8000 {
						dark++
					}
				}
			}
			if dark < 50 {
				t.Errorf("%s at %v: the screenshot is blank (%d dark pixels)", path, size, dark)
			}
		}
	}
}
