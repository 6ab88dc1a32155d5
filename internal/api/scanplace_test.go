package api_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/iploc"
	"github.com/agritrace/agritrace/internal/trace"
)

// fetched is the path of a file scripts/test.sh fetches, named by the
// environment variable env: a developer without it skips the test, CI never
// does.
func fetched(t *testing.T, env, what string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set; scripts/test.sh fetches %s", env, what)
		}
		t.Skipf("%s is not set (scripts/test.sh fetches %s)", env, what)
	}
	return path
}

// withIPs places scans with the ip2region database.
func withIPs(t *testing.T) func(*options) {
	t.Helper()
	db, err := iploc.Open(fetched(t, "AGRITRACE_TEST_IPDB", "the ip2region database"))
	if err != nil {
		t.Fatal(err)
	}
	return func(o *options) { o.ips = db }
}

// fromAddr sends requests as a proxy on loopback would forward them for a
// client at that address.
type fromAddr string

func (a fromAddr) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if a != "" {
		r.Header.Set("X-Forwarded-For", string(a))
	}
	return http.DefaultTransport.RoundTrip(r)
}

// phone is a scanner as org ("" for a consumer): a browser that keeps its
// cookies, at address addr ("" for the loopback peer itself).
func (e *env) phone(org, addr string) demo.Client {
	jar, _ := cookiejar.New(nil)
	c := e.as(org)
	c.HTTP = &http.Client{Jar: jar, Transport: fromAddr(addr)}
	return c
}

// scanWith opens a label URL with extra query parameters and reads the JSON
// answer.
func scanWith(t *testing.T, c demo.Client, rawURL string, extra url.Values) scanAnswer {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for k, v := range extra {
		q[k] = v
	}
	var a scanAnswer
	if err := c.Do(bg, "GET", u.Path+"?"+q.Encode(), nil, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestScanPlaceWithoutEvidence: with no IP database, nothing a consumer puts
// in the URL places a scan; what they offered is kept, not weighed, and the
// recorded scan says so.
func TestScanPlaceWithoutEvidence(t *testing.T) {
	e := start(t)
	st := e.story(t)
	a := scanWith(t, e.phone("", ""), st.ShelfURL, url.Values{"region": {gongan}})
	if a.Verdict != "genuine" || a.Place.Source != "none" || a.Place.Region != "" || a.Place.Reported != gongan {
		t.Errorf("consumer's ?region=: %s %v, placed %+v", a.Verdict, a.codes(), a.Place)
	}
	a = scanWith(t, e.phone("", ""), st.ShelfURL, url.Values{"lat": {"30.33"}, "lon": {"112.24"}})
	if a.Verdict != "genuine" || a.Place.Source != "none" || a.Place.Reported != "421000" {
		t.Errorf("coordinates the address cannot back: %s %v, placed %+v", a.Verdict, a.codes(), a.Place)
	}
	a = scanWith(t, e.phone(demo.Regulator, ""), st.ShelfURL, url.Values{"region": {gongan}})
	if a.Verdict != "suspicious" || a.Place.Source != "inspector" || a.Place.Region != gongan {
		t.Errorf("inspector's declared place: %s %v, placed %+v", a.Verdict, a.codes(), a.Place)
	}
	var scans struct{ Scans []trace.Scan }
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/scans", nil, &scans); err != nil {
		t.Fatal(err)
	}
	if len(scans.Scans) != 3 || scans.Scans[0].RegionSource != "inspector" || scans.Scans[1].ReportedRegion != "421000" || scans.Scans[2].RegionSource != "none" {
		t.Errorf("recorded scans = %+v", scans.Scans)
	}
}

// TestManyScansOfOneLabel: one phone reloading the page is one scanner, and
// the verdict says how many there were; many phones are a cloned code.
func TestManyScansOfOneLabel(t *testing.T) {
	e := start(t)
	st := e.story(t)
	shopper := e.phone("", "")
	var last scanAnswer
	for range 6 {
		last = scanWith(t, shopper, st.ShelfURL, nil)
	}
	if last.Verdict != "genuine" || last.Scanners != 1 {
		t.Errorf("sixth reload by one phone: %s %v, %d scanners; want genuine and 1", last.Verdict, last.codes(), last.Scanners)
	}
	for range 5 {
		last = scanWith(t, e.phone("", ""), st.ShelfURL, nil)
	}
	if last.Verdict != "suspicious" || !slices.Contains(last.codes(), "many_scans") || last.Scanners != 6 {
		t.Errorf("sixth phone: %s %v, %d scanners; want suspicious many_scans by 6", last.Verdict, last.codes(), last.Scanners)
	}
	if !strings.Contains(last.Reasons[0].EN, "6 distinct scanners") || !strings.Contains(last.Reasons[0].ZH, "6 个不同的扫描者") {
		t.Errorf("many_scans reason does not count scanners: %+v", last.Reasons[0])
	}
}
