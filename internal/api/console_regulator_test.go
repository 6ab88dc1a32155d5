package api_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/chromedp/chromedp"
)

// regulatorEnv is the demo story on a running service, with a complaint
// about a sold bottle (a photo attached) that an inspector's scan on a shop
// shelf also flagged, and people to sign in: the county inspector and a
// shop clerk.
type regulatorEnv struct {
	*env
	st        demo.Story
	complaint string
	svc       *trace.Service
}

// onePixelPNG is a complaint photo.
var onePixelPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

func startRegulator(t *testing.T) *regulatorEnv {
	t.Helper()
	var svc *trace.Service
	re := &regulatorEnv{env: start(t, func(o *options) { o.service = func(s *trace.Service) { svc = s } })}
	re.st, re.svc = re.story(t), svc
	ctx := context.Background()
	for _, u := range []trace.UserInput{
		{Org: demo.Regulator, Login: "amr.inspector", Name: "李娜", Password: consolePassword},
		{Org: demo.Shop, Login: "shop.clerk", Name: "孙丽", Password: consolePassword},
	} {
		if _, _, err := svc.CreateUser(ctx, trace.CommandLine, trace.User{}, u); err != nil {
			t.Fatal(err)
		}
	}
	if a := scanAs(t, re.env, demo.Regulator, re.st.SoldURL, xingshan); a.Verdict != "suspicious" {
		t.Fatalf("the inspector's scan of a sold bottle on a shelf is %s", a.Verdict)
	}
	var filed trace.Complaint
	err := re.as("").Do(ctx, "POST", "/api/v1/complaints", trace.FileInput{
		Serial: re.st.Sold[0], Kind: "refill", Description: "货架上的这瓶油瓶盖有拧开痕迹",
		Evidence: []trace.EvidenceInput{{ContentType: "image/png", Data: onePixelPNG}},
	}, &filed)
	if err != nil {
		t.Fatal(err)
	}
	re.complaint = filed.ID
	return re
}

// read is the complaint and its trail, read through the API.
func (re *regulatorEnv) read(t *testing.T) (trace.Complaint, []trace.ComplaintEntry) {
	t.Helper()
	var got struct {
		Complaint trace.Complaint
		Trail     []trace.ComplaintEntry
	}
	if err := re.as(demo.Regulator).Do(context.Background(), "GET", "/api/v1/complaints/"+re.complaint, nil, &got); err != nil {
		t.Fatal(err)
	}
	return got.Complaint, got.Trail
}

// shoot keeps a screenshot of the whole page, as name-WIDTH.png, when AGRITRACE_SCREENSHOT_DIR
// is set.
func shoot(t *testing.T, ctx context.Context, name string, w int64) {
	t.Helper()
	dir := os.Getenv("AGRITRACE_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, w)), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRegulatorConsoleInBrowser drives the regulator's pages in headless
// Chromium on a phone and on an office PC: from the alert on the dashboard
// to the complaint, a refused and then a recorded sample request (naming the
// inspector in the trail), a confirmed finding, the lot's audit in the
// browser and its PDF, the queue a page at a time,
// a refused and then an ordered recall that the consumer's scan page then
// shows, and a shop clerk refused every one of these pages.
func TestRegulatorConsoleInBrowser(t *testing.T) {
	for _, size := range []struct{ w, h int64 }{{390, 844}, {1366, 768}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			re := startRegulator(t)
			ctx := headless(t, size.w, size.h)

			open(t, ctx, re.URL+"/console/dashboard")
			signIn(t, ctx, "amr.inspector", consolePassword)
			if !has(t, ctx, "#alerts svg") || !has(t, ctx, `#waiting strong[data-status="open"]`) {
				t.Fatal("the dashboard has no alert picture or no waiting complaints")
			}
			if got := text(t, ctx, `#waiting strong[data-status="open"]`); got != "1" {
				t.Errorf("open complaints: %s, want 1", got)
			}
			if wide(t, ctx) {
				t.Errorf("the dashboard is wider than a %d px screen", size.w)
			}
			shoot(t, ctx, "regulator-dashboard", size.w)

			// From the alert to the complaint about its serial.
			if !has(t, ctx, fmt.Sprintf(`#alert-list a.alert-serial[href*=%q]`, re.st.Sold[0])) {
				t.Fatal("the alert list does not link the flagged serial")
			}
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#alert-list a.alert-serial`))); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#complaints tr[data-id=%q] a`, re.complaint)))); err != nil {
				t.Fatal(err)
			}
			open(t, ctx, re.URL+"/console/complaints/"+re.complaint)
			if !has(t, ctx, "#trace svg") || !has(t, ctx, "#scans tbody tr") || !has(t, ctx, ".photos img") {
				t.Fatal("the complaint page lacks its trace, its scans or its photo")
			}
			photo, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(".photos img").naturalWidth === 1`))
			if err != nil || !photo {
				t.Errorf("the photo does not load through the console: %v", err)
			}

			// Bad input: the error next to its field, nothing recorded.
			submit(t, ctx, "#sample-form")
			if !has(t, ctx, "#e-samples") {
				t.Error("an empty sample request shows no error at its field")
			}
			if _, trail := re.read(t); len(trail) != 1 {
				t.Fatalf("a refused form recorded %d steps", len(trail)-1)
			}
			fill(t, ctx, "#f-samples", "同批次货架上 2 瓶，送县食品检验所")
			submit(t, ctx, "#sample-form")
			if !has(t, ctx, "#notice") || text(t, ctx, `#trail tr[data-action="sample"] td.person`) != "amr.inspector" {
				t.Fatal("the sample request does not show with its person")
			}
			if wide(t, ctx) {
				t.Errorf("the complaint page is wider than a %d px screen", size.w)
			}
			shoot(t, ctx, "regulator-complaint", size.w)

			// The same rendered form sent twice records once.
			fill(t, ctx, "#f-worknote", "已约谈超市负责人")
			sendTwice(t, ctx, "note-form")
			if _, trail := re.read(t); len(trail) != 3 {
				t.Errorf("a note sent twice: %d steps after filing and sampling, want 1", len(trail)-2)
			}

			open(t, ctx, re.URL+"/console/complaints/"+re.complaint)
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#f-confirmed"))); err != nil {
				t.Fatal(err)
			}
			fill(t, ctx, "#f-finding", "回收瓶灌装属实，已立案")
			submit(t, ctx, "#close-form")
			c, trail := re.read(t)
			last := trail[len(trail)-1]
			if c.Status != trace.ComplaintConfirmed || last.Action != "close" || last.Person != "amr.inspector" {
				t.Fatalf("after closing: %s, last step %s by %q", c.Status, last.Action, last.Person)
			}
			if has(t, ctx, "#close-form") || !has(t, ctx, `#complaint[data-status="confirmed"]`) {
				t.Error("the closed complaint still offers its actions")
			}

			// The lot's audit in the browser lists the confirmed complaint as a
			// finding, and its PDF downloads.
			open(t, ctx, re.URL+"/console/complaints/"+re.complaint)
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lot-audit-link"))); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#audit-pdf"))); err != nil {
				t.Fatal(err)
			}
			if !has(t, ctx, `#audit[data-verdict="findings"]`) || !has(t, ctx, `#findings li[data-code="complaint_confirmed"]`) || !has(t, ctx, "#trace svg") || !has(t, ctx, "#verification tbody tr") {
				t.Error("the audit view lacks its verdict, the confirmed complaint's finding, its trace or its verification")
			}
			if wide(t, ctx) {
				t.Errorf("the audit is wider than a %d px screen", size.w)
			}
			shoot(t, ctx, "regulator-audit", size.w)
			pdf, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
				const r = await fetch(document.getElementById("audit-pdf").href);
				const head = new Uint8Array(await r.arrayBuffer()).slice(0, 5);
				return r.headers.get("Content-Type") + " " + String.fromCharCode(...head);
			})()`, chromedp.EvalAwaitPromise))
			if err != nil || pdf != "application/pdf %PDF-" {
				t.Errorf("the audit PDF: %q, %v", pdf, err)
			}

			// The queue, a page at a time.
			for i := range 21 {
				if err := re.as(demo.Regulator).Do(bg, "POST", "/api/v1/complaints", trace.FileInput{Lot: re.st.BottleLot, Kind: "quality", Description: fmt.Sprintf("抽检 %d", i)}, nil); err != nil {
					t.Fatal(err)
				}
			}
			open(t, ctx, re.URL+"/console/complaints?kind=quality")
			first := count(t, ctx, "#complaints tbody tr")
			if first != 20 || !has(t, ctx, "#next-page") {
				t.Fatalf("first page: %d rows, next link %v", first, has(t, ctx, "#next-page"))
			}
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#next-page"))); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.WaitNotPresent(chromedp.CSS("#next-page"))); err != nil {
				t.Fatal(err)
			}
			if n := count(t, ctx, "#complaints tbody tr"); n != 1 {
				t.Errorf("second page: %d rows, want 1", n)
			}
			open(t, ctx, re.URL+"/console/complaints?date=5月12日")
			if !has(t, ctx, "#e-date") {
				t.Error("a malformed date shows no error at its field")
			}

			// A recall: refused without a reason, then ordered; the consumer's
			// scan page of a bottle shows its reason and advice.
			open(t, ctx, re.URL+"/console/recall")
			fill(t, ctx, "#f-lot", re.st.SeedLots[0])
			submit(t, ctx, "#recall-form")
			if !has(t, ctx, "#e-reason") {
				t.Error("a recall without a reason shows no error at its field")
			}
			if l := re.lotStatus(t, re.st.BottleLot); l == trace.LotRecalled {
				t.Fatal("a refused recall recalled the lot")
			}
			shoot(t, ctx, "regulator-recall", size.w)
			fill(t, ctx, "#f-reason", "菜籽原料黄曲霉毒素B1超标")
			submit(t, ctx, "#recall-form")
			if !has(t, ctx, "#notice") || !has(t, ctx, "#recalls a") {
				t.Fatal("the ordered recall is not on the dashboard")
			}
			submit(t, ctx, "form.signout")
			open(t, ctx, re.st.BottleURLs[0])
			if got := text(t, ctx, "#recall-reason"); got != "菜籽原料黄曲霉毒素B1超标" {
				t.Errorf("the scan page gives the reason %q", got)
			}
			if got := text(t, ctx, "#recall-advice"); !strings.Contains(got, "12315") {
				t.Errorf("the scan page advises %q", got)
			}

			// A shop's clerk is refused the regulator's pages.
			open(t, ctx, re.URL+"/console/dashboard")
			signIn(t, ctx, "shop.clerk", consolePassword)
			if has(t, ctx, `.nav a[href="/console/dashboard"]`) {
				t.Error("a shop clerk's navigation offers the dashboard")
			}
			for _, path := range []string{"/console/dashboard", "/console/complaints", "/console/complaints/" + re.complaint, "/console/recall", "/console/evidence/" + c.Evidence[0], "/console/audits/complaint/" + re.complaint, "/console/labelkeys"} {
				open(t, ctx, re.URL+path)
				if !has(t, ctx, `#error[data-status="403"]`) {
					t.Errorf("a shop clerk opened %s", path)
				}
			}
		})
	}
}

// wide reports whether the page scrolls sideways.
func wide(t *testing.T, ctx context.Context) bool {
	t.Helper()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// lotStatus reads a lot's status through the API, as the regulator.
func (re *regulatorEnv) lotStatus(t *testing.T, id string) string {
	t.Helper()
	var l trace.Lot
	if err := re.as(demo.Regulator).Do(context.Background(), "GET", "/api/v1/lots/"+id, nil, &l); err != nil {
		t.Fatal(err)
	}
	return l.Status
}
