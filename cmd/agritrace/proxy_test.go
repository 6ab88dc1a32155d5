package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// serveArgs runs "agritrace serve" with args until the test ends.
func serveArgs(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- run(ctx, append([]string{"serve", "-log-level", "error"}, args...), noenv, io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
}

// TestConsoleBehindTLSProxy puts the service behind a proxy that terminates
// HTTPS, as the README's nginx does: the console's session cookie is Secure
// and a sign-in form posted from the public https origin is accepted, though
// the proxy's hop to the service is plain HTTP.
func TestConsoleBehindTLSProxy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	admin := adminCLI{t: t, dir: dir}
	admin.must("created organization xingshan-cc", "org", "create", "-id", "xingshan-cc", "-name", "兴山县农产品集配中心", "-roles", "collector", "-region", "420526")
	admin.must("created user", "user", "create", "xingshan-cc", "xingshan-cc.boss", "-name", "李强", "-role", "admin", "-password", "rapeseed-2025")
	addr := freeAddr(t)
	proxy := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr}))
	t.Cleanup(proxy.Close)
	serveArgs(t, "-addr", addr, "-data", dir, "-public-url", proxy.URL, "-trusted-proxies", "127.0.0.1")
	waitReady(t, "http://"+addr)

	client := proxy.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	signIn := func(origin string) *http.Response {
		form := url.Values{"login": {"xingshan-cc.boss"}, "password": {"rapeseed-2025"}}
		req, _ := http.NewRequest("POST", proxy.URL+"/console/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := signIn(proxy.URL)
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		t.Fatalf("sign-in from the public origin: %s, cookies %v", resp.Status, resp.Cookies())
	}
	for _, c := range resp.Cookies() {
		if !c.Secure || !c.HttpOnly {
			t.Errorf("cookie %s: Secure %v, HttpOnly %v", c.Name, c.Secure, c.HttpOnly)
		}
	}
	if resp := signIn("https://elsewhere.example"); resp.StatusCode == http.StatusSeeOther {
		t.Errorf("sign-in posted from another site: %s", resp.Status)
	}
}
