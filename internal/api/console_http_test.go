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
	usersURL := ce.URL + "/console/orgs/" + demo.Collector + "/users"
	csrf, formToken, _ := formTokens(t, c, usersURL)
	user := func(login string) url.Values {
		return url.Values{"login": {login}, "name": {"某人"}, "role": {"staff"}, "password": {"a-long-password"}, "form_token": {formToken}}
	}
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

// formTokens reads the CSRF and form tokens off the first form of the page
// at u, and answers the page's status.
func formTokens(t *testing.T, c *http.Client, u string) (csrf, formToken string, status int) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"><input type="hidden" name="form_token" value="([0-9a-f]+)"`).FindSubmatch(b)
	if m == nil {
		return "", "", resp.StatusCode
	}
	return string(m[1]), string(m[2]), resp.StatusCode
}

// consoleClient is a plain HTTP client signed in to the console as login.
func consoleClient(t *testing.T, base, login, password string) *http.Client {
	t.Helper()
	c := noRedirects(t)
	if resp := postForm(t, c, base+"/console/signin", url.Values{"login": {login}, "password": {password}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in as %s: %d", login, resp.StatusCode)
	}
	return c
}

// TestConsoleUserAdmins: an organization's user admin manages its users and
// no one else's; its staff manage none; a user changes their own password
// only by giving the current one, and is signed out by it.
func TestConsoleUserAdmins(t *testing.T) {
	ce := startConsole(t)
	ctx := context.Background()
	if _, _, err := ce.svc.CreateUser(ctx, trace.CommandLine, trace.User{}, trace.UserInput{Org: demo.Collector, Login: "cc.boss", Name: "李强", Role: trace.UserAdmin, Password: consolePassword}); err != nil {
		t.Fatal(err)
	}
	boss := consoleClient(t, ce.URL, "cc.boss", consolePassword)
	own := ce.URL + "/console/orgs/" + demo.Collector + "/users"
	csrf, formToken, status := formTokens(t, boss, own)
	if status != http.StatusOK || csrf == "" {
		t.Fatalf("the user admin's own users page: %d", status)
	}
	resp := postForm(t, boss, own, url.Values{"csrf": {csrf}, "form_token": {formToken}, "login": {"cc.weigher"}, "name": {"吴刚"}, "role": {"staff"}, "password": {"weighing-scale-1"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the user admin adds a user: %d", resp.StatusCode)
	}
	if _, _, status := formTokens(t, boss, ce.URL+"/console/orgs/"+demo.Mill+"/users"); status != http.StatusForbidden {
		t.Errorf("another organization's users page for a user admin: %d", status)
	}
	if resp := postForm(t, boss, ce.URL+"/console/orgs/"+demo.Mill+"/users", url.Values{"csrf": {csrf}, "form_token": {strings.Repeat("ab", 16)}, "login": {"mill.intruder"}, "name": {"x"}, "password": {"weighing-scale-1"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a user admin adds a user to another organization: %d", resp.StatusCode)
	}
	if _, err := ce.Store.User(ctx, "mill.intruder"); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Errorf("the refused user exists: %v", err)
	}
	if _, _, status := formTokens(t, boss, ce.URL+"/console/orgs"); status != http.StatusForbidden {
		t.Errorf("the organizations page for a collection center's user admin: %d", status)
	}

	weigher := consoleClient(t, ce.URL, "cc.weigher", "weighing-scale-1")
	if _, _, status := formTokens(t, weigher, own); status != http.StatusForbidden {
		t.Errorf("the users page for staff: %d", status)
	}
	csrf, formToken, _ = formTokens(t, weigher, ce.URL+"/console/account")
	if resp := postForm(t, weigher, ce.URL+"/console/account", url.Values{"csrf": {csrf}, "form_token": {formToken}, "current": {"not-my-password"}, "password": {"a-new-password-2"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a password change with a wrong current one: %d", resp.StatusCode)
	}
	resp = postForm(t, weigher, ce.URL+"/console/account", url.Values{"csrf": {csrf}, "form_token": {formToken}, "current": {"weighing-scale-1"}, "password": {"a-new-password-2"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/signin") {
		t.Errorf("a password change: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, _, status := formTokens(t, weigher, ce.URL+"/console/account"); status != http.StatusSeeOther {
		t.Errorf("the session survived the password change: %d", status)
	}
	consoleClient(t, ce.URL, "cc.weigher", "a-new-password-2")
}

// TestConsoleAssets: the stylesheet is served under a content-hashed name,
// gzipped when asked, and cached for a year.
func TestConsoleAssets(t *testing.T) {
	ce := startConsole(t)
	_, page := get(t, ce.URL+"/console/signin")
	m := regexp.MustCompile(`href="(/console/static/console\.[0-9a-f]{8}\.css)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no versioned stylesheet on the sign-in page")
	}
	req, _ := http.NewRequest("GET", ce.URL+m[1], nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %v", resp.StatusCode, resp.Header)
	}
	if status, _ := get(t, ce.URL+"/console/static/console.00000000.css"); status != http.StatusNotFound {
		t.Errorf("an unknown asset: %d", status)
	}
}
