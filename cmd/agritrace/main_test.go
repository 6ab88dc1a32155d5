package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func noenv(string) string { return "" }

// TestDemo runs the demo command as a new user would and opens the printed
// scan URL of a bottle on the shelf.
func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"demo", "-exit", "-data", t.TempDir(), "-addr", "127.0.0.1:0"}, noenv, &out, &errOut)
	if err != nil {
		t.Fatalf("demo: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	for _, want := range []string{"every event anchored on the embedded ledger and verified", "Scan a bottle still on the shelf: http://", "complaint_confirmed", "cloned_label"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	if !regexp.MustCompile(`/01/\d{14}/10/\w+/21/[0-9A-Z]{12}\?k=`).MatchString(out.String()) {
		t.Errorf("demo printed no Digital Link")
	}
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
