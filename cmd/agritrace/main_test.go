package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/label"
)

func noenv(string) string { return "" }

// TestDemo runs the demo command as a new user would.
func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"demo", "-exit", "-data", t.TempDir(), "-addr", "127.0.0.1:0"}, noenv, &out, &errOut)
	if err != nil {
		t.Fatalf("demo: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	for _, want := range []string{"every event anchored on the embedded ledger and verified", "Scan a bottle still on the shelf: http://", "complaint_confirmed", "many_scans", "confirmed_counterfeit",
		"/console/ as one of (password ", "xingshan-cc.clerk", "county-commerce.admin"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	if !regexp.MustCompile(`/01/\d{14}/10/\w+/21/[0-9A-Z]{12}\?k=`).MatchString(out.String()) {
		t.Errorf("demo printed no Digital Link")
	}
}

// TestDemoIntoRunningService loads the story into a service that was started
// on its own, then opens the printed scan URL of a bottle on the shelf there.
func TestDemoIntoRunningService(t *testing.T) {
	dir := t.TempDir()
	base, _ := startServe(t, dir)

	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"demo", "-url", base, "-data", t.TempDir()}, noenv, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "does not know the keys") {
		t.Errorf("demo with another store: %v", err)
	}
	err = run(context.Background(), []string{"demo", "-url", "http://" + freeAddr(t), "-data", dir}, noenv, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "no ready service") {
		t.Errorf("demo with nothing listening: %v", err)
	}

	out.Reset()
	err = run(context.Background(), []string{"demo", "-url", base, "-data", dir, "-password", "demo-password-1"}, noenv, &out, &errOut)
	if err != nil {
		t.Fatalf("demo -url: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "every event anchored on the embedded ledger and verified") {
		t.Errorf("demo output:\n%s", out.String())
	}
	shelf := shelfURL(t, out.String())
	if !strings.HasPrefix(shelf, base+"/01/") {
		t.Fatalf("shelf scan URL %s is not on %s", shelf, base)
	}
	if verdict := scanVerdict(t, shelf); verdict != "genuine" {
		t.Errorf("scan of the printed URL: verdict %q", verdict)
	}

	// The printed console users sign in to the running service.
	if !strings.Contains(out.String(), "password demo-password-1") || !strings.Contains(out.String(), "xingshan-cc.clerk") {
		t.Fatalf("demo printed no console users:\n%s", out.String())
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.PostForm(base+"/console/signin", url.Values{"login": {"xingshan-cc.clerk"}, "password": {"demo-password-1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Errorf("demo user sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestLabelKeyRotation rotates the label key between two runs of the service:
// labels printed before still scan as genuine, new labels carry the new key,
// and both keys are published.
func TestLabelKeyRotation(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	err := run(context.Background(), []string{"admin", "label-key", "rotate", "-data", dir}, noenv, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "first start") {
		t.Errorf("rotate before the service ever ran: %v", err)
	}
	base, stop := startServe(t, dir)
	before := tellDemo(t, base, dir, &out)
	stop()

	out.Reset()
	if err := run(context.Background(), []string{"admin", "label-key", "rotate", "-data", dir}, noenv, &out, io.Discard); err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if !strings.Contains(out.String(), "now signs new labels") || !strings.Contains(out.String(), before.Query().Get("k")+"  Ed25519  retired") {
		t.Errorf("rotate printed:\n%s", out.String())
	}
	base, _ = startServe(t, dir)
	after := tellDemo(t, base, dir, &out)
	if after.Query().Get("k") == before.Query().Get("k") {
		t.Errorf("labels after the rotation still carry key %s", before.Query().Get("k"))
	}
	before.Host = strings.TrimPrefix(base, "http://")
	if verdict := scanVerdict(t, before.String()); verdict != "genuine" {
		t.Errorf("label printed before the rotation scans as %q", verdict)
	}
	resp, err := http.Get(base + "/.well-known/agritrace/label-keys.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ks label.KeySet
	if err := json.NewDecoder(resp.Body).Decode(&ks); err != nil || len(ks.Keys) != 2 || ks.Keys[0].Active || !ks.Keys[1].Active {
		t.Errorf("published keys = %+v, %v; want the old one retired and the new one active", ks.Keys, err)
	}
}

// startServe runs "agritrace serve" on dir at a free loopback port until the
// returned stop is called or the test ends, and returns its base URL once it
// is ready.
func startServe(t *testing.T, dir string) (base string, stop func()) {
	t.Helper()
	return startServeArgs(t, "-data", dir)
}

// shelfURL finds the demo's scan URL of a bottle on the shelf in its output.
func shelfURL(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`Scan a bottle still on the shelf: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no shelf scan URL in:\n%s", out)
	}
	return m[1]
}

// scanned scans a label URL as an app would: the HTTP status, the verdict
// and the reasons' codes.
func scanned(t *testing.T, labelURL string) (int, string, []string) {
	t.Helper()
	req, _ := http.NewRequest("GET", labelURL, nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var scan struct {
		Verdict string
		Reasons []struct{ Code string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&scan); err != nil {
		t.Fatalf("scan %s: HTTP %d, %v", labelURL, resp.StatusCode, err)
	}
	var codes []string
	for _, r := range scan.Reasons {
		codes = append(codes, r.Code)
	}
	return resp.StatusCode, scan.Verdict, codes
}

// scanVerdict scans a label URL and returns the verdict.
func scanVerdict(t *testing.T, labelURL string) string {
	t.Helper()
	status, verdict, _ := scanned(t, labelURL)
	if status != 200 {
		t.Fatalf("scan %s: HTTP %d", labelURL, status)
	}
	return verdict
}

// freeAddr returns a loopback address with a port nothing listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitReady polls base's readiness endpoint until it answers 200.
func waitReady(t *testing.T, base string) {
	t.Helper()
	for range 200 {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never became ready", base)
}

func TestAdmin(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out, errOut bytes.Buffer
	steps := []struct {
		args    []string
		want    string
		wantErr string
	}{
		{[]string{"admin", "org", "create", "-id", "xingshan-cc", "-name", "兴山县农产品集配中心", "-roles", "collector", "-region", "420526", "-data", dir}, "created organization xingshan-cc", ""},
		{[]string{"admin", "org", "create", "-id", "xingshan-cc", "-name", "again", "-roles", "collector", "-region", "420526", "-data", dir}, "", "already exists"},
		{[]string{"admin", "org", "create", "-id", "bad", "-name", "x", "-roles", "wizard", "-region", "420526", "-data", dir}, "", "roles: unknown role"},
		{[]string{"admin", "key", "create", "-org", "xingshan-cc", "-data", dir}, "atk_", ""},
		{[]string{"admin", "key", "create", "-org", "ghost", "-data", dir}, "", "not found"},
		{[]string{"admin", "org", "list", "-data", dir}, "兴山县农产品集配中心", ""},
		{[]string{"admin", "nonsense", "x"}, "", "unknown command"},
		{[]string{"frobnicate"}, "", "unknown command"},
	}
	for _, s := range steps {
		out.Reset()
		err := run(ctx, s.args, noenv, &out, &errOut)
		if s.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), s.wantErr) {
				t.Errorf("%v: err = %v, want %q", s.args, err, s.wantErr)
			}
			continue
		}
		if err != nil || !strings.Contains(out.String(), s.want) {
			t.Errorf("%v: %v, output %q, want %q", s.args, err, out.String(), s.want)
		}
	}
}

// TestServeReportsTakenPort starts serve on a port that is in use.
func TestServeReportsTakenPort(t *testing.T) {
	srv := &http.Server{}
	ln, err := listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go srv.Serve(ln)
	defer srv.Close()
	err = run(context.Background(), []string{"serve", "-addr", ln.Addr().String(), "-data", t.TempDir()}, noenv, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "listen on") {
		t.Errorf("serve on a taken port: %v", err)
	}
}

// tellDemo tells the demo story into the service at base, whose data
// directory is dir, and returns the URL of a bottle on the shelf; out keeps
// what the demo printed.
func tellDemo(t *testing.T, base, dir string, out *bytes.Buffer) *url.URL {
	t.Helper()
	out.Reset()
	if err := run(context.Background(), []string{"demo", "-url", base, "-data", dir}, noenv, out, io.Discard); err != nil {
		t.Fatalf("demo -url: %v\n%s", err, out.String())
	}
	u, err := url.Parse(shelfURL(t, out.String()))
	if err != nil {
		t.Fatal(err)
	}
	return u
}
