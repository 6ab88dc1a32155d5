package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// TestAdminKeysOrgsPrefixes drives the admin commands for keys, disabling
// and prefixes against one data directory, and checks through the store that
// each took effect.
func TestAdminKeysOrgsPrefixes(t *testing.T) {
	dir := t.TempDir()
	admin := adminCLI{t: t, dir: dir}
	mustRun, wantErr := admin.must, admin.fails
	mustRun("created organization gufu-mill", "org", "create", "-id", "gufu-mill", "-name", "古夫镇菜籽油坊", "-roles", "processor", "-region", "420526")
	mustRun("created organization yichang-mill", "org", "create", "-id", "yichang-mill", "-name", "宜昌油厂", "-roles", "processor", "-region", "420500")
	made := mustRun("atk_", "key", "create", "-org", "gufu-mill")
	keyID := regexp.MustCompile(`API key (\w+) for`).FindStringSubmatch(made)[1]
	mustRun("atk_", "key", "create", "-org", "gufu-mill")

	list := mustRun(keyID+"  created ", "key", "list", "gufu-mill")
	if strings.Count(list, "by cli  active") != 2 || strings.Contains(list, "atk_") {
		t.Errorf("key list:\n%s", list)
	}
	mustRun("API key "+keyID+" of gufu-mill is revoked", "key", "revoke", "gufu-mill", keyID)
	if list := mustRun(keyID, "key", "list", "gufu-mill"); !strings.Contains(list, keyID+"  created") || !strings.Contains(list, "revoked") || strings.Count(list, "active") != 1 {
		t.Errorf("key list after revoking:\n%s", list)
	}
	wantErr("was revoked", "key", "revoke", "gufu-mill", keyID)
	wantErr("has no API key", "key", "revoke", "yichang-mill", keyID)
	wantErr("want 2 arguments", "key", "revoke", "gufu-mill")

	mustRun("organization yichang-mill is disabled", "org", "disable", "yichang-mill")
	mustRun("(disabled)", "org", "list")
	mustRun("organization yichang-mill is enabled", "org", "enable", "yichang-mill")
	if out := mustRun("yichang-mill", "org", "list"); strings.Contains(out, "disabled") {
		t.Errorf("org list after enabling:\n%s", out)
	}
	wantErr("not found", "org", "disable", "ghost")

	mustRun("GS1 Company Prefix 6901234 of gufu-mill is approved", "prefix", "add", "gufu-mill", "6901234")
	wantErr("overlaps 6901234", "prefix", "add", "yichang-mill", "69012345")
	wantErr("prefix: a GS1 Company Prefix is 4 to 12 digits", "prefix", "add", "yichang-mill", "69x")
}

// adminCLI runs "agritrace admin" commands against one data directory.
type adminCLI struct {
	t   *testing.T
	dir string
}

func (a adminCLI) run(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), append(append([]string{"admin"}, args...), "-data", a.dir), noenv, &out, &errOut)
	return out.String(), err
}

// must runs a command that must succeed and print want.
func (a adminCLI) must(want string, args ...string) string {
	a.t.Helper()
	out, err := a.run(args...)
	if err != nil || !strings.Contains(out, want) {
		a.t.Fatalf("%v: %v, output %q, want %q", args, err, out, want)
	}
	return out
}

// fails runs a command that must fail saying want.
func (a adminCLI) fails(want string, args ...string) {
	a.t.Helper()
	if _, err := a.run(args...); err == nil || !strings.Contains(err.Error(), want) {
		a.t.Errorf("%v: err = %v, want %q", args, err, want)
	}
}

// TestAdminRevokesWhileServing: a key revoked, or an organization disabled,
// by the admin command while the service runs on the same data directory
// stops signing in there within trace.APIKeyTTL, although the service had
// the key cached.
func TestAdminRevokesWhileServing(t *testing.T) {
	dir := t.TempDir()
	admin := adminCLI{t: t, dir: dir}
	admin.must("created organization gufu-mill", "org", "create", "-id", "gufu-mill", "-name", "古夫镇菜籽油坊", "-roles", "processor", "-region", "420526")
	made := regexp.MustCompile(`API key (\w+) for gufu-mill .*\n(atk_\S+)`).FindStringSubmatch(admin.must("atk_", "key", "create", "-org", "gufu-mill"))
	other := regexp.MustCompile(`atk_\S+`).FindString(admin.must("atk_", "key", "create", "-org", "gufu-mill"))
	base, _ := startServe(t, dir)
	status := func(secret string) int {
		req, _ := http.NewRequest("GET", base+"/api/v1/products", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Refused within the stated bound; the margin is for a loaded machine.
	refusedSoon := func(secret, what string) {
		t.Helper()
		for deadline := time.Now().Add(trace.APIKeyTTL + 3*time.Second); status(secret) != 401; time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s still signs in %s after it", what, trace.APIKeyTTL)
			}
		}
	}
	if got := status(made[2]); got != 200 {
		t.Fatalf("fresh key answers %d", got)
	}
	admin.must("is revoked", "key", "revoke", "gufu-mill", made[1])
	refusedSoon(made[2], "a key revoked by admin")
	if got := status(other); got != 200 {
		t.Fatalf("the organization's other key answers %d", got)
	}
	admin.must("is disabled", "org", "disable", "gufu-mill")
	refusedSoon(other, "a key of an organization disabled by admin")
}
