package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/api"
	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// limited starts a service behind a trusted proxy on loopback, so that tests
// name each client's address in X-Forwarded-For, with the given limits.
func limited(t *testing.T, l config.Limits) *env {
	t.Helper()
	return start(t, func(o *options) {
		o.server = func(s *api.Server) {
			s.Limits = l
			s.TrustedProxies = []string{"127.0.0.1"}
		}
	})
}

// call sends a request from addr (as the proxy names it) with an optional
// API key and returns the status, the Retry-After header and the body.
func call(t *testing.T, method, rawURL, addr, key, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", addr)
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

// wantLimited checks a 429 that says when to come back.
func wantLimited(t *testing.T, what string, status int, retry, body string) {
	t.Helper()
	if n, err := strconv.Atoi(retry); status != http.StatusTooManyRequests || err != nil || n < 1 || !strings.Contains(body, `"rate_limited"`) {
		t.Fatalf("%s: %d Retry-After %q %s, want 429 with Retry-After in seconds", what, status, retry, body)
	}
}

// TestScanLimit: scans are limited per client address, IPv6 addresses of one
// /64 sharing a budget, and callers with a key per organization, with a
// budget of their own.
func TestScanLimit(t *testing.T) {
	e := limited(t, config.Limits{Scans: config.Rate{N: 2, Per: time.Hour}, KeyedScans: config.Rate{N: 3, Per: time.Hour}})
	st := e.story(t)
	u, _ := url.Parse(st.ShelfURL)
	page := e.URL + "/provenance" + u.Path + "?" + u.RawQuery
	steps := []struct {
		name, addr, org string
		want            int
	}{
		{"first scan", "203.0.113.1", "", 200},
		{"second scan", "203.0.113.1", "", 200},
		{"third scan from one address", "203.0.113.1", "", 429},
		{"another IPv4 address", "203.0.113.2", "", 200},
		{"IPv6 address", "2001:db8:1:2::1", "", 200},
		{"same /64", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "", 200},
		{"same /64 over the budget", "2001:db8:1:2::ffff", "", 429},
		{"next /64", "2001:db8:1:3::1", "", 200},
		{"inspector from a limited address", "203.0.113.1", demo.Regulator, 200},
		{"inspector again", "203.0.113.9", demo.Regulator, 200},
		{"inspector a third time", "203.0.113.10", demo.Regulator, 200},
		{"inspector over the keyed budget", "203.0.113.11", demo.Regulator, 429},
		{"another organization's key", "203.0.113.11", demo.Shop, 200},
	}
	for _, s := range steps {
		status, retry, body := call(t, "GET", page, s.addr, e.Keys[s.org], "")
		if s.want == 429 {
			wantLimited(t, s.name, status, retry, body)
		} else if status != s.want {
			t.Fatalf("%s: %d %.200s, want %d", s.name, status, body, s.want)
		}
	}
}

// TestMalformedScanRefused: a provenance path that no label could carry is
// refused 400 before the scan is judged or recorded, as the resolver refuses
// it under /01/.
func TestMalformedScanRefused(t *testing.T) {
	e := start(t)
	st := e.story(t)
	number := strings.SplitN(st.BottleLot, ".", 2)[1]
	unit := e.URL + "/provenance/01/" + demo.Bottle
	tests := []struct{ name, url string }{
		{"500 KB serial", unit + "/10/" + number + "/21/" + strings.Repeat("A", 500<<10)},
		{"21-character serial", unit + "/10/" + number + "/21/" + strings.Repeat("7", 21)},
		{"serial outside set 82", unit + "/10/" + number + "/21/" + url.PathEscape("假冒")},
		{"serial without lot, too long", unit + "/21/" + strings.Repeat("S", 64)},
		{"lot too long", unit + "/10/" + strings.Repeat("L", 21)},
		{"lot with a space", unit + "/10/" + url.PathEscape("B 1")},
		{"wrong check digit", e.URL + "/provenance/01/06901234500590/21/ABC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := call(t, "GET", tt.url, "", "", "")
			if status != http.StatusBadRequest || !strings.Contains(body, `"invalid"`) || len(body) > 1000 {
				t.Errorf("%d %.300s, want a short 400 invalid", status, body)
			}
		})
	}
	if err := e.Scans.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	scans, err := e.Store.Scans(context.Background(), trace.ScanFilter{Limit: 100})
	if err != nil || len(scans) != 0 {
		t.Errorf("malformed scans recorded: %d, %v", len(scans), err)
	}
}

// TestComplaintLimits: every field of a report is bounded, and callers with
// a key are limited per organization, IPv6 callers per /64.
func TestComplaintLimits(t *testing.T) {
	e := limited(t, config.Limits{Complaints: config.Rate{N: 1, Per: time.Hour}, KeyedComplaints: config.Rate{N: 2, Per: time.Hour}})
	complaints := e.URL + "/api/v1/complaints"
	report := func(serial, lot string) string {
		return fmt.Sprintf(`{"serial":%q,"lot":%q,"kind":"counterfeit","description":"扫码可疑"}`, serial, lot)
	}
	fields := []struct{ name, body, field string }{
		{"1 MiB serial", report(strings.Repeat("9", 1<<20), ""), "serial"},
		{"21-character serial", report(strings.Repeat("9", 21), ""), "serial"},
		{"serial outside set 82", report("序列号", ""), "serial"},
		{"lot number too long", report("", strings.Repeat("B", 21)), "lot"},
		{"lot id with a long number", report("", demo.Bottle+"."+strings.Repeat("B", 21)), "lot"},
		{"lot with a space", report("", "B 1"), "lot"},
	}
	for i, f := range fields {
		// Every request spends its caller's budget, refused or not, so each
		// of these comes from an address of its own.
		status, _, body := call(t, "POST", complaints, "198.51.100."+strconv.Itoa(i+1), "", f.body)
		if status != http.StatusBadRequest || !strings.Contains(body, `"field":"`+f.field+`"`) {
			t.Errorf("%s: %d %.300s, want 400 on %s", f.name, status, body, f.field)
		}
	}
	ok := report("ABC123", demo.Bottle+".B1")
	steps := []struct {
		name, addr, org string
		want            int
	}{
		{"anonymous", "2001:db8:5:6::1", "", 201},
		{"same /64", "2001:db8:5:6::2", "", 429},
		{"next /64", "2001:db8:5:7::1", "", 201},
		{"inspector", "2001:db8:5:6::3", demo.Regulator, 201},
		{"inspector again", "203.0.113.20", demo.Regulator, 201},
		{"inspector over the keyed budget", "203.0.113.21", demo.Regulator, 429},
		{"a retailer's key has its own", "203.0.113.21", demo.Shop, 201},
	}
	for _, s := range steps {
		status, retry, body := call(t, "POST", complaints, s.addr, e.Keys[s.org], ok)
		if s.want == 429 {
			wantLimited(t, s.name, status, retry, body)
		} else if status != s.want {
			t.Fatalf("%s: %d %.200s, want %d", s.name, status, body, s.want)
		}
	}
}

// TestLotAttributesBounded: attributes are limited when a lot is made, so no
// provenance page can be made to grow without bound.
func TestLotAttributesBounded(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	many := func(n int) map[string]any {
		m := map[string]any{}
		for i := range n {
			m["a"+strconv.Itoa(i)] = "1"
		}
		return m
	}
	tests := []struct {
		name  string
		attrs map[string]any
		field string
	}{
		{"60,000 attributes", many(60000), "attributes"},
		{"51 attributes", many(trace.MaxAttributes + 1), "attributes"},
		{"long name", map[string]any{strings.Repeat("k", trace.MaxAttributeKey+1): "1"}, "attributes"},
		{"long value", map[string]any{"grade": strings.Repeat("v", trace.MaxAttributeValueLen)}, "attributes.grade"},
		{"nested value too big", map[string]any{"tests": []any{strings.Repeat("x", 300), strings.Repeat("y", 300)}}, "attributes.tests"},
	}
	for i, tt := range tests {
		in := seedBody("ATTR"+strconv.Itoa(i), 100)
		in.Attributes = tt.attrs
		expect(t, e.as(demo.Collector), "POST", "/api/v1/lots", in, 400, trace.EINVALID, tt.field)
	}
	in := seedBody("ATTROK", 100)
	in.Attributes = many(trace.MaxAttributes)
	expect(t, e.as(demo.Collector), "POST", "/api/v1/lots", in, 201, "", "")
}

// TestComplaintQueuePages: the regulator's queue answers a page at a time,
// and following the next cursors lists every complaint once.
func TestComplaintQueuePages(t *testing.T) {
	e := start(t)
	reg := e.as(demo.Regulator)
	filed := map[string]bool{}
	for i := range 5 {
		var cp struct{ ID string }
		in := trace.FileInput{Serial: fmt.Sprintf("S%d", i), Kind: "other", Description: "漏油"}
		if err := reg.Do(bg, "POST", "/api/v1/complaints", in, &cp); err != nil {
			t.Fatal(err)
		}
		filed[cp.ID] = true
	}
	seen := map[string]bool{}
	after, pages := "", 0
	for {
		var page struct {
			Complaints []trace.Complaint
			Next       string
		}
		q := url.Values{"limit": {"2"}}
		if after != "" {
			q.Set("after", after)
		}
		if err := reg.Do(bg, "GET", "/api/v1/complaints?"+q.Encode(), nil, &page); err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Complaints) > 2 {
			t.Fatalf("page %d holds %d complaints, limit 2", pages, len(page.Complaints))
		}
		for _, c := range page.Complaints {
			if seen[c.ID] || !filed[c.ID] {
				t.Fatalf("page %d lists %s again or one never filed", pages, c.ID)
			}
			seen[c.ID] = true
		}
		if after = page.Next; after == "" {
			break
		}
	}
	if len(seen) != 5 || pages != 3 {
		t.Errorf("%d complaints in %d pages, want 5 in 3", len(seen), pages)
	}
	for _, q := range []string{"limit=0", "limit=201", "limit=many", "after=yesterday"} {
		field, _, _ := strings.Cut(q, "=")
		expect(t, reg, "GET", "/api/v1/complaints?"+q, nil, 400, trace.EINVALID, field)
	}
}

// TestLabelSizeBounded: a label image is drawn at 64 to 2048 pixels a side;
// a larger one, which would cost the server its memory, is refused.
func TestLabelSizeBounded(t *testing.T) {
	e := start(t)
	st := e.story(t)
	path := "/api/v1/units/" + st.Sold[0] + "/label.png?size="
	for _, size := range []string{"2049", "100000", "63"} {
		expect(t, e.as(demo.Mill), "GET", path+size, nil, 400, trace.EINVALID, "size")
	}
	status, png := get(t, e.URL+path+"2048", "Authorization", "Bearer "+e.Keys[demo.Mill])
	if status != 200 || !strings.HasPrefix(png, "\x89PNG") {
		t.Errorf("size 2048: %d", status)
	}
}
