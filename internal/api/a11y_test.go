package api_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, the accessibility engine browsers' own audits use,
// which scripts/test.sh fetches from npm.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(fetched(t, "AGRITRACE_TEST_AXE", "axe-core"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// violation is what axe reports for one rule broken on a page.
type violation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}

// axeRun runs axe's WCAG 2.1 A and AA rules on the page ctx shows.
func axeRun(t *testing.T, ctx context.Context, axe string) []violation {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](axe)); err != nil {
		t.Fatalf("load axe-core: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]violation](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
	}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	return got
}

// TestPagesMeetWCAG checks the scan page and the console's pages with
// axe-core in headless Chromium, at phone and office-PC sizes, in Chinese
// (what people get by default) and English: no WCAG 2.1 A or AA rule may
// be broken.
func TestPagesMeetWCAG(t *testing.T) {
	axe := axeSource(t)
	re := startRegulator(t)
	held := certifiedLot(t, re)
	pages := []struct {
		name, login, path string
	}{
		{"scan page", "", re.st.ShelfURL[len(re.URL):]},
		{"product page", "", strings.Split(re.st.ShelfURL[len(re.URL):], "/10/")[0]},
		{"sign-in", "", "/console/signin"},
		{"dashboard", "amr.inspector", "/console/dashboard"},
		{"complaints", "amr.inspector", "/console/complaints"},
		{"complaint", "amr.inspector", "/console/complaints/" + re.complaint},
		{"audit", "amr.inspector", "/console/audits/lot/" + re.st.BottleLot},
		{"recall", "amr.inspector", "/console/recall"},
		{"lot", "amr.inspector", "/console/lots/" + re.st.BottleLot},
		{"shop's lot list", "shop.clerk", "/console/lots"},
		{"shop's lot", "shop.clerk", "/console/lots/" + re.st.BottleLot},
		{"account", "shop.clerk", "/console/account"},
		{"collection center's lot, with certificates", "cc.clerk", "/console/lots/" + held},
	}
	// The engine must see what it is there to see: an unlabelled field, an
	// image without text and faint text are reported.
	ctx := headless(t, 390, 844)
	open(t, ctx, `data:text/html,<!doctype html><html lang="en"><title>x</title><main><img src="x.png"><input>`+
		`<p style="color:%23bbb;background:%23fff">faint</p></main></html>`)
	seen := map[string]bool{}
	for _, v := range axeRun(t, ctx, axe) {
		seen[v.ID] = true
	}
	for _, rule := range []string{"image-alt", "label", "color-contrast"} {
		if !seen[rule] {
			t.Fatalf("axe-core did not report %s on a page that breaks it (saw %v)", rule, seen)
		}
	}

	for _, size := range []struct{ w, h int64 }{{390, 844}, {1366, 768}} {
		for _, lang := range []string{"zh", "en"} {
			ctx := headless(t, size.w, size.h)
			signedIn := ""
			for _, p := range pages {
				if p.login != signedIn && p.login != "" {
					if signedIn != "" {
						submit(t, ctx, "form.signout")
					}
					open(t, ctx, re.URL+"/console/signin")
					signIn(t, ctx, p.login, consolePassword)
					signedIn = p.login
				}
				sep := "?"
				if strings.Contains(p.path, "?") {
					sep = "&"
				}
				open(t, ctx, re.URL+p.path+sep+"lang="+lang)
				if p.login != "" && strings.Contains(location(t, ctx), "/signin") {
					t.Fatalf("%s: %s was sent to sign in", p.name, p.login)
				}
				for _, v := range axeRun(t, ctx, axe) {
					var where []string
					for _, n := range v.Nodes {
						where = append(where, strings.Join(n.Target, " "))
					}
					t.Errorf("%s (%s, %d px): %s: %s at %v", p.name, lang, size.w, v.ID, v.Help, where)
				}
			}
		}
	}
}
