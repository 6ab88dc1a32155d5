package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestAdminOrgLicence creates a mill with its food production licence number
// from the command line, and refuses a malformed one.
func TestAdminOrgLicence(t *testing.T) {
	dir := t.TempDir()
	cli := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append(append([]string{"admin", "org"}, args...), "-data", dir), noenv, &out, &errOut)
		return out.String(), err
	}
	mill := []string{"create", "-id", "gufu-mill", "-name", "古夫镇菜籽油坊", "-roles", "processor", "-region", "420526"}
	if _, err := cli(append(mill, "-sc", "SC1024205260013")...); err == nil || !strings.Contains(err.Error(), "scCode") {
		t.Errorf("a 13-digit SC code: err = %v, want a scCode error", err)
	}
	if out, err := cli(append(mill, "-sc", "SC10242052600137")...); err != nil || !strings.Contains(out, "created organization gufu-mill") {
		t.Fatalf("create with SC code: %v %q", err, out)
	}
	if out, err := cli("list"); err != nil || !strings.Contains(out, "古夫镇菜籽油坊  SC10242052600137") {
		t.Errorf("org list: %v %q", err, out)
	}
}
