package api_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/chromedp/chromedp"
)

// TestRecalledScanPageInBrowser opens a recalled bottle's page in headless
// Chromium on a phone and on an office PC screen, and reads off the rendered
// page what a shopper sees: the recall with its reason, date and advice, the
// failed aflatoxin result against its limit, no grower who did not consent,
// and nothing wider than the screen.
func TestRecalledScanPageInBrowser(t *testing.T) {
	e := start(t)
	st := e.story(t)
	recallBottles(t, e, st)
	for _, size := range []struct {
		name string
		w, h int64
	}{{"phone", 390, 844}, {"desktop", 1366, 768}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := headless(t, size.w, size.h)

			// What the shopper sees, read off the rendered page in one go.
			type seen struct {
				Recall, Advice, Failed, Limit, Text string
				RecallVisible, Overflow             bool
			}
			err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(st.ShelfURL+"&lang=zh"), chromedp.WaitVisible(chromedp.ID("recall")))
			var page seen
			if err == nil {
				page, err = chromedp.Run(ctx, chromedp.Evaluate[seen](`(() => {
					const q = s => document.querySelector(s), r = q("#recall").getBoundingClientRect();
					const failed = 'li[data-key="aflatoxinB1"][data-verdict="fail"]';
					return {
						Recall: q("#recall-reason").innerText, Advice: q("#recall-advice").innerText,
						Failed: q(failed + " .judged").innerText, Limit: q(failed + " .limit").innerText,
						Text: document.body.innerText, RecallVisible: r.top < innerHeight && r.width > 0,
						Overflow: document.documentElement.scrollWidth > innerWidth,
					};
				})()`))
			}
			var shot []byte
			if err == nil {
				shot, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
			}
			if err != nil {
				t.Fatalf("open the page: %v", err)
			}
			if page.Recall != "黄曲霉毒素B1超标" || !strings.Contains(page.Advice, "12315") || !page.RecallVisible {
				t.Errorf("recall block: reason %q, advice %q, in the first screen %v", page.Recall, page.Advice, page.RecallVisible)
			}
			if page.Failed != "不合格" || !strings.Contains(page.Limit, "≤ 10 µg/kg · GB 2761") {
				t.Errorf("aflatoxin B1 50 µg/kg reads %q against %q", page.Failed, page.Limit)
			}
			if strings.Contains(page.Text, demo.UnnamedGrower) || !strings.Contains(page.Text, demo.NamedGrower) {
				t.Errorf("growers on the page: want %s only", demo.NamedGrower)
			}
			if page.Overflow {
				t.Errorf("the page is wider than a %d px screen", size.w)
			}
			if keep := os.Getenv("AGRITRACE_SCREENSHOT_DIR"); keep != "" {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, 3600)); err == nil {
					shot, _ = chromedp.Run(ctx, chromedp.CaptureScreenshot())
				}
				os.WriteFile(filepath.Join(keep, "recalled-"+size.name+".png"), shot, 0o644)
			}
		})
	}
}
