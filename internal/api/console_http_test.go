package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/api"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// noRedirects is a cookie-keeping client that shows redirects instead of
// following them.
func noRedirects(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func postForm(t *testing.T, c *http.Client, u string, form url.Values, header ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestConsoleCSRF posts with a plain HTTP client, as a forged form would: a
// POST without the session's token, or from another origin, is refused with
// 403 and records nothing; without a session it leads to the sign-in page.
func TestConsoleCSRF(t *testing.T) {
	ce := startConsole(t)
	c := noRedirects(t)
	resp := postForm(t, c, ce.URL+"/console/signin", url.Values{"login": {"county.admin"}, "password": {consolePassword}, "next": {"/console/"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	cookie := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"agritrace_session=", "Path=/console/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("session cookie over plain HTTP is Secure: %q", cookie)
	}
	if sessions := ce.sessionTokenStored(t, cookie); sessions {
		t.Error("the session token itself is stored")
	}

	// The users page's form, forged three ways and sent once properly.
	page := func() (csrf, formToken string) {
		resp, err := c.Get(ce.URL + "/console/orgs/" + demo.Collector + "/users")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"><input type="hidden" name="form_token" value="([0-9a-f]+)"`).FindStringSubmatch(b.String())
		if m == nil {
			t.Fatalf("no tokens on the users page (%d)", resp.StatusCode)
		}
		return m[1], m[2]
	}
	csrf, formToken := page()
	user := func(login string) url.Values {
		return url.Values{"login": {login}, "name": {"某人"}, "role": {"staff"}, "password": {"a-long-password"}, "form_token": {formToken}}
	}
	usersURL := ce.URL + "/console/orgs/" + demo.Collector + "/users"
	if resp := postForm(t, c, usersURL, user("cc.forged1")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST without the CSRF token: %d", resp.StatusCode)
	}
	forged := user("cc.forged2")
	forged.Set("csrf", csrf)
	if resp := postForm(t, c, usersURL, forged, "Origin", "http://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST from another origin: %d", resp.StatusCode)
	}
	if resp := postForm(t, noRedirects(t), usersURL, forged); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/signin") {
		t.Errorf("POST without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, login := range []string{"cc.forged1", "cc.forged2"} {
		if _, err := ce.Store.User(context.Background(), login); trace.ErrorCode(err) != trace.ENOTFOUND {
			t.Errorf("a refused POST created %s: %v", login, err)
		}
	}
	ok := user("cc.real")
	ok.Set("csrf", csrf)
	if resp := postForm(t, c, usersURL, ok, "Origin", ce.URL); resp.StatusCode != http.StatusOK {
		t.Errorf("POST with the token from the console itself: %d", resp.StatusCode)
	}
	if _, err := ce.Store.User(context.Background(), "cc.real"); err != nil {
		t.Errorf("the proper POST created nothing: %v", err)
	}
}

// sessionTokenStored reports whether the cookie's token is a key of the
// sessions store: it must not be, only its hash is.
func (ce *consoleEnv) sessionTokenStored(t *testing.T, cookie string) bool {
	t.Helper()
	token := regexp.MustCompile(`agritrace_session=([^;]+)`).FindStringSubmatch(cookie)[1]
	if _, err := ce.Store.Session(context.Background(), trace.HashAPIKey(token)); err != nil {
		t.Fatalf("no session under the token's hash: %v", err)
	}
	_, err := ce.Store.Session(context.Background(), token)
	return err == nil
}

// TestConsoleSignInLimit: past the per-address burst, sign-in answers 429
// whatever the login, before any password is checked.
func TestConsoleSignInLimit(t *testing.T) {
	ce := &consoleEnv{}
	ce.env = start(t, func(o *options) {
		o.server = func(s *api.Server) { s.SignInEvery, s.SignInBurst = time.Hour, 3 }
	})
	c := noRedirects(t)
	for i := range 3 {
		if resp := postForm(t, c, ce.URL+"/console/signin", url.Values{"login": {fmt.Sprintf("user%d", i)}, "password": {"whatever-it-is"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, resp.StatusCode)
		}
	}
	if resp := postForm(t, c, ce.URL+"/console/signin", url.Values{"login": {"someone.else"}, "password": {"whatever-it-is"}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("attempt past the burst: %d", resp.StatusCode)
	}
}
