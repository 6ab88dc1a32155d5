package api_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/iploc"
)

// withIPs places scans with the ip2region database that scripts/test.sh
// fetches; a developer without it skips the test, CI never does.
func withIPs(t *testing.T) func(*options) {
	t.Helper()
	path := os.Getenv("AGRITRACE_TEST_IPDB")
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("AGRITRACE_TEST_IPDB is not set; scripts/test.sh fetches the ip2region database")
		}
		t.Skip("AGRITRACE_TEST_IPDB not set (scripts/test.sh fetches the ip2region database)")
	}
	db, err := iploc.Open(path)
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
