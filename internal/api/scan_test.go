package api_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/label"
)

func get(t *testing.T, rawURL string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", rawURL, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestLabelQRDecodes renders a unit's label and reads it back with a real QR decoder.
func TestLabelQRDecodes(t *testing.T) {
	e := start(t)
	st := e.story(t)
	serial := st.Sold[0]
	mill := "Bearer " + e.Keys[demo.Mill]
	status, body := get(t, e.URL+"/api/v1/units/"+serial+"/label.png?size=300", "Authorization", mill)
	if status != 200 {
		t.Fatalf("label.png = %d", status)
	}
	text, err := label.DecodeImage(strings.NewReader(body))
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	if text != st.SoldURL {
		t.Fatalf("QR says %s, want %s", text, st.SoldURL)
	}
	link, err := label.ParseLink(text)
	if err != nil || link.GTIN != demo.Bottle || link.Serial != serial || link.Signature == "" || link.KeyID == "" {
		t.Fatalf("parsed link = %+v, %v", link, err)
	}
	if !strings.HasPrefix(text, e.URL+"/01/"+demo.Bottle+"/10/") {
		t.Errorf("QR URL %s is not a Digital Link on the public base", text)
	}
	status, svg := get(t, e.URL+"/api/v1/units/"+serial+"/label.svg", "Authorization", mill)
	if status != 200 || !strings.HasPrefix(svg, "<svg") {
		t.Errorf("label.svg = %d %.40s", status, svg)
	}
	v, modules, _ := label.Size(text)
	t.Logf("label QR: version %d, %d modules, %d characters", v, modules, len(text))
}

func TestScanPage(t *testing.T) {
	e := start(t)
	st := e.story(t)
	u, _ := url.Parse(st.ShelfURL)
	good := st.ShelfURL
	forged := strings.Replace(good, "s="+u.Query().Get("s"), "s=AAAA"+u.Query().Get("s")[4:], 1)
	unknown := strings.Replace(good, u.Path[len(u.Path)-12:], "ZZZZZZZZZZZZ", 1)
	unsigned := strings.Split(good, "?")[0]
	tests := []struct {
		name, url, accept, lang string
		want                    []string
	}{
		{"chinese by default", good, "text/html", "", []string{`data-verdict="genuine"`, "正品", "桃园村", "响滩村", "2026-05-12", "收购入库", "灌装贴码", "兴山县农产品集配中心", "含油量", "已核验", "内置账本", "湖北省宜昌市"}},
		{"english on request", good + "&lang=en", "text/html", "", []string{"Genuine", "Bought in", "Bottled and labelled", "Oil content", "Yichang, Hubei"}},
		{"english browser", good, "text/html", "en-US,en;q=0.9", []string{"Genuine"}},
		{"json", good, "application/json", "", []string{`"verdict":"genuine"`, `"check":"verified"`, `"village":"桃园村"`, `"kind":"embedded"`, `"block":1}`}},
		{"forged signature", forged, "text/html", "", []string{`data-verdict="not_genuine"`, "非正品", `data-reason="bad_signature"`, "防伪签名无效"}},
		{"unknown serial", unknown, "application/json", "", []string{`"verdict":"not_genuine"`, `"code":"unknown_serial"`}},
		{"no signature", unsigned + "?lang=en", "text/html", "", []string{"Not genuine", "the label carries no signature"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, tt.url, "Accept", tt.accept, "Accept-Language", tt.lang)
			if status != 200 {
				t.Fatalf("status %d", status)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
	var scans struct {
		Scans []struct{ Serial, Verdict, Client string }
	}
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/scans", nil, &scans); err != nil {
		t.Fatal(err)
	}
	if len(scans.Scans) != len(tests) {
		t.Errorf("recorded %d scans, want %d", len(scans.Scans), len(tests))
	}
	expect(t, e.as(demo.Shop), "GET", "/api/v1/scans", nil, 403, "forbidden", "")
	status, _ := get(t, e.URL+"/01/"+demo.Bottle+"/10/"+st.BottleLot[15:], "Accept", "text/html")
	if status != 200 {
		t.Errorf("lot-level scan = %d", status)
	}
}

// TestScanPageInBrowser opens the page a phone would open in headless
// Chromium and reads the rendered verdict off the DOM.
func TestScanPageInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	e := start(t)
	st := e.story(t)
	dir := t.TempDir()
	shot := dir + "/scan.png"
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + dir + "/profile", "--window-size=412,1600", "--virtual-time-budget=3000"}
	out, err := exec.Command(chromium, append(args, "--dump-dom", st.ShelfURL)...).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	for _, want := range []string{`data-verdict="genuine"`, "桃园村", `id="ledger-verdict"`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
	if err := exec.Command(chromium, append(args, "--screenshot="+shot, st.ShelfURL)...).Run(); err != nil {
		t.Fatalf("chromium screenshot: %v", err)
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10_000 {
		t.Errorf("screenshot %v, %v", fi, err)
	}
	if keep := os.Getenv("AGRITRACE_SCREENSHOT"); keep != "" {
		b, _ := os.ReadFile(shot)
		os.WriteFile(keep, b, 0o644)
	}
}

// chromiumPath finds headless Chromium; the test command installs it, and
// elsewhere its absence skips the browser tests.
func chromiumPath(t *testing.T) string {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; .ci/run installs it")
		}
		t.Skip("chromium not installed (apt-get install chromium)")
	}
	return chromium
}
