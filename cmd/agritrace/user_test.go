package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
)

// TestAdminUsers drives the user commands against one data directory and
// checks, by signing in against the same database, that the passwords they
// set are the ones that work.
func TestAdminUsers(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	admin := adminCLI{t: t, dir: dir}
	mustRun, wantErr := admin.must, admin.fails
	signIn := func(login, password string) error {
		t.Helper()
		st, err := sqlite.Open(ctx, filepath.Join(dir, "agritrace.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		_, _, err = trace.NewService(st, nil).SignIn(ctx, login, password)
		return err
	}
	mustRun("created organization xingshan-cc", "org", "create", "-id", "xingshan-cc", "-name", "兴山县农产品集配中心", "-roles", "collector", "-region", "420526")

	mustRun("created user xingshan-cc.boss (李强) in xingshan-cc as admin", "user", "create", "xingshan-cc", "xingshan-cc.boss", "-name", "李强", "-role", "admin", "-password", "rapeseed-2025")
	made := mustRun("password (shown once", "user", "create", "xingshan-cc", "xingshan-cc.clerk", "-name", "王芳")
	generated := regexp.MustCompile(`(?m)^([0-9a-f]{16})$`).FindStringSubmatch(made)
	if generated == nil {
		t.Fatalf("no generated password in %q", made)
	}
	wantErr("login xingshan-cc.clerk is taken", "user", "create", "xingshan-cc", "xingshan-cc.clerk", "-name", "again", "-password", "0123456789")
	wantErr("password: a password has at least 10 characters", "user", "create", "xingshan-cc", "xingshan-cc.a", "-name", "A", "-password", "short")
	wantErr("password: the password must not be the login name", "user", "create", "xingshan-cc", "xingshan-cc.abc", "-name", "A", "-password", "XINGSHAN-CC.ABC")
	wantErr("role: role must be one of admin, staff", "user", "create", "xingshan-cc", "xingshan-cc.b", "-name", "B", "-role", "boss", "-password", "0123456789")
	wantErr("org: organization ghost not found", "user", "create", "ghost", "ghost.a", "-name", "A")
	wantErr("want 2 arguments", "user", "create", "xingshan-cc", "-name", "A")

	if err := signIn("xingshan-cc.boss", "rapeseed-2025"); err != nil {
		t.Fatalf("sign in with the given password: %v", err)
	}
	if err := signIn("xingshan-cc.clerk", generated[1]); err != nil {
		t.Fatalf("sign in with the generated password: %v", err)
	}
	list := mustRun("xingshan-cc.boss", "user", "list", "xingshan-cc")
	if !strings.Contains(list, "xingshan-cc.clerk") || strings.Contains(list, "$2a$") || strings.Count(list, "active") != 2 {
		t.Errorf("user list:\n%s", list)
	}

	reset := mustRun("password of xingshan-cc.clerk is reset", "user", "reset-password", "xingshan-cc", "xingshan-cc.clerk")
	fresh := regexp.MustCompile(`(?m)^([0-9a-f]{16})$`).FindStringSubmatch(reset)
	if fresh == nil || signIn("xingshan-cc.clerk", generated[1]) == nil || signIn("xingshan-cc.clerk", fresh[1]) != nil {
		t.Errorf("after reset-password %q the old password must fail and the new one work", reset)
	}
	mustRun("password of xingshan-cc.boss is reset", "user", "reset-password", "xingshan-cc", "xingshan-cc.boss", "-password", "mustard-field-7")
	wantErr("password: a password has at least 10 characters", "user", "reset-password", "xingshan-cc", "xingshan-cc.boss", "-password", "tiny")
	wantErr("user xingshan-cc.ghost not found", "user", "reset-password", "xingshan-cc", "xingshan-cc.ghost")

	mustRun("user xingshan-cc.clerk of xingshan-cc is disabled", "user", "disable", "xingshan-cc", "xingshan-cc.clerk")
	if out := mustRun("disabled", "user", "list", "xingshan-cc"); !strings.Contains(out, "xingshan-cc.clerk") {
		t.Errorf("user list after disabling:\n%s", out)
	}
	if err := signIn("xingshan-cc.clerk", fresh[1]); trace.ErrorCode(err) != trace.EUNAUTHORIZED || trace.ErrorMessage(err) != "wrong login or password" {
		t.Errorf("a disabled user signs in: %v", err)
	}
	if err := signIn("xingshan-cc.boss", "mustard-field-7"); err != nil {
		t.Errorf("sign in after reset with a given password: %v", err)
	}
}
