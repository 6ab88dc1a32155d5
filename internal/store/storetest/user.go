package storetest

import (
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

func testUsers(t *testing.T, s trace.Store) {
	clerk := trace.User{Login: "cc.clerk", Org: "cc", Name: "王芳", Role: trace.UserStaff, PasswordHash: "$2a$12$clerk", CreatedBy: "cli", CreatedAt: t0}
	boss := trace.User{Login: "cc.boss", Org: "cc", Name: "李强", Phone: "13800000000", Role: trace.UserAdmin, PasswordHash: "$2a$12$boss", CreatedAt: t0}
	miller := trace.User{Login: "mill.a", Org: "mill", Name: "张伟", Role: trace.UserStaff, PasswordHash: "$2a$12$mill", CreatedAt: t0}
	for _, u := range []trace.User{clerk, boss, miller} {
		must(t, s.CreateUser(ctx, u))
	}
	wantCode(t, s.CreateUser(ctx, trace.User{Login: "cc.clerk", Org: "mill", PasswordHash: "x"}), trace.ECONFLICT)
	got, err := s.User(ctx, "cc.clerk")
	must(t, err)
	if got.PasswordHash != clerk.PasswordHash || got.Name != "王芳" || got.Org != "cc" || !got.CreatedAt.Equal(t0) {
		t.Errorf("User(cc.clerk) = %+v", got)
	}
	_, err = s.User(ctx, "ghost")
	wantCode(t, err, trace.ENOTFOUND)
	us, err := s.Users(ctx, "cc")
	must(t, err)
	if len(us) != 2 || us[0].Login != "cc.boss" || us[1].Login != "cc.clerk" || us[0].PasswordHash != boss.PasswordHash {
		t.Errorf("Users(cc) = %+v", us)
	}
	clerk.PasswordHash, clerk.FailedAttempts, clerk.LockedUntil, clerk.Disabled = "$2a$12$new", 3, t0.Add(time.Hour), true
	must(t, s.UpdateUser(ctx, clerk))
	got, err = s.User(ctx, "cc.clerk")
	must(t, err)
	if got.PasswordHash != "$2a$12$new" || got.FailedAttempts != 3 || !got.LockedUntil.Equal(clerk.LockedUntil) || !got.Disabled {
		t.Errorf("User after update = %+v", got)
	}
	wantCode(t, s.UpdateUser(ctx, trace.User{Login: "ghost"}), trace.ENOTFOUND)
}

func testSessions(t *testing.T, s trace.Store) {
	a := trace.Session{Hash: "h-a", User: "cc.clerk", Org: "cc", CSRF: "csrf-a", CreatedAt: t0, LastSeen: t0}
	b := trace.Session{Hash: "h-b", User: "cc.clerk", Org: "cc", CSRF: "csrf-b", CreatedAt: t0, LastSeen: t0}
	c := trace.Session{Hash: "h-c", User: "cc.boss", Org: "cc", CSRF: "csrf-c", CreatedAt: t0, LastSeen: t0}
	for _, ss := range []trace.Session{a, b, c} {
		must(t, s.CreateSession(ctx, ss))
	}
	got, err := s.Session(ctx, "h-a")
	must(t, err)
	if got != a {
		t.Errorf("Session(h-a) = %+v, want %+v", got, a)
	}
	a.LastSeen = t0.Add(time.Minute)
	must(t, s.UpdateSession(ctx, a))
	if got, err = s.Session(ctx, "h-a"); err != nil || !got.LastSeen.Equal(a.LastSeen) {
		t.Errorf("Session after update = %+v, %v", got, err)
	}
	wantCode(t, s.UpdateSession(ctx, trace.Session{Hash: "nope"}), trace.ENOTFOUND)
	must(t, s.DeleteSession(ctx, "h-c"))
	must(t, s.DeleteSession(ctx, "h-c"))
	_, err = s.Session(ctx, "h-c")
	wantCode(t, err, trace.ENOTFOUND)
	must(t, s.DeleteSessions(ctx, "cc.clerk"))
	for _, h := range []string{"h-a", "h-b"} {
		_, err = s.Session(ctx, h)
		wantCode(t, err, trace.ENOTFOUND)
	}
}
