package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestSecurityHeaders: pages, files and API answers carry the policy headers,
// and /static/ lists no directory.
func TestSecurityHeaders(t *testing.T) {
	e := start(t)
	st := e.story(t)
	for _, tc := range []struct {
		name, url string
		status    int
	}{
		{"scan page", st.ShelfURL, 200},
		{"product page", e.URL + "/provenance/01/" + demo.Bottle, 200},
		{"console sign-in", e.URL + "/console/signin", 200},
		{"static file", e.URL + "/static/style.css", 200},
		{"API answer", e.URL + "/healthz", 200},
		{"static directory", e.URL + "/static/", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", tc.url, nil)
			req.Header.Set("Accept", "text/html")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "object-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("Content-Security-Policy %q lacks %s", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") {
				t.Errorf("Content-Security-Policy %q allows inline code", csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "same-origin" {
				t.Errorf("nosniff %q, frame options %q, referrer policy %q", h.Get("X-Content-Type-Options"), h.Get("X-Frame-Options"), h.Get("Referrer-Policy"))
			}
		})
	}
}

// cspWatch records, in every document the browser opens, the violations of
// the page's Content-Security-Policy; a script added this way is the
// browser's own and not subject to the policy.
const cspWatch = `window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`

// TestPagesKeepTheirPolicy opens the pages in headless Chromium and checks
// that the policy blocked nothing they need, and that it does block what an
// injection would add.
func TestPagesKeepTheirPolicy(t *testing.T) {
	e := start(t)
	st := e.story(t)
	ctx := headless(t, 390, 844)
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	violations := func(t *testing.T) []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct{ name, url, ready string }{
		{"scan page", st.ShelfURL, "report-form"},
		{"product page", e.URL + "/provenance/01/" + demo.Bottle, ""},
		{"console sign-in", e.URL + "/console/signin", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(tc.url)}
			if tc.ready != "" {
				steps = append(steps, chromedp.WaitVisible(chromedp.ID(tc.ready)))
			}
			if err := chromedp.Do(ctx, steps...); err != nil {
				t.Fatal(err)
			}
			if v := violations(t); len(v) > 0 {
				t.Errorf("the page broke its own policy: %v", v)
			}
		})
	}
	// An injected inline script is refused and reported, so the check above
	// would have seen one.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const s = document.createElement("script");
		s.textContent = "window.__ran = true";
		document.body.appendChild(s);
		return true;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__ran === true`))
	if err != nil || ran {
		t.Errorf("an injected inline script ran: %v, %v", ran, err)
	}
	if v := violations(t); len(v) == 0 {
		t.Error("the refused inline script was not reported")
	}
}
