package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
)

// TestLabelKeyRotationInBrowser: the system administrator's user admin
// rotates the label key in the console of the running service; labels made
// right after carry the new key and scan as genuine, and labels printed
// before still do. A staff user of the same organization is refused.
func TestLabelKeyRotationInBrowser(t *testing.T) {
	for _, size := range []struct{ w, h int64 }{{390, 844}, {1366, 768}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			var svc *trace.Service
			e := start(t, func(o *options) { o.service = func(s *trace.Service) { svc = s } })
			for _, u := range []trace.UserInput{
				{Org: demo.Admin, Login: "county.admin", Name: "赵敏", Role: trace.UserAdmin, Password: consolePassword},
				{Org: demo.Admin, Login: "county.staff", Name: "钱程", Password: consolePassword},
			} {
				if _, _, err := svc.CreateUser(context.Background(), trace.CommandLine, trace.User{}, u); err != nil {
					t.Fatal(err)
				}
			}
			before := e.story(t)
			ctx := headless(t, size.w, size.h)
			open(t, ctx, e.URL+"/console/labelkeys")
			signIn(t, ctx, "county.admin", consolePassword)
			if n := count(t, ctx, `#label-keys tr[data-status="active"]`); n != 1 {
				t.Fatalf("%d active label keys listed", n)
			}
			submit(t, ctx, "#rotate-form")
			if !has(t, ctx, "#notice") || count(t, ctx, "#label-keys tbody tr") != 2 || count(t, ctx, `#label-keys tr[data-status="active"]`) != 1 {
				t.Fatal("after rotating: no notice, or not two keys with one active")
			}
			shoot(t, ctx, "admin-labelkeys", size.w)

			after := e.story(t)
			oldLink, err := label.ParseLink(before.BottleURLs[0])
			if err != nil {
				t.Fatal(err)
			}
			newLink, err := label.ParseLink(after.BottleURLs[0])
			if err != nil {
				t.Fatal(err)
			}
			if newLink.KeyID == oldLink.KeyID || !has(t, ctx, fmt.Sprintf(`#label-keys tr[data-key=%q][data-status="active"]`, newLink.KeyID)) {
				t.Fatalf("labels after rotation carry key %s, before %s", newLink.KeyID, oldLink.KeyID)
			}
			for _, u := range []string{before.BottleURLs[0], after.BottleURLs[0]} {
				if a := scanAs(t, e, "", u, ""); a.Verdict != "genuine" {
					t.Errorf("%s scans as %s (%v)", u, a.Verdict, a.Reasons)
				}
			}

			submit(t, ctx, "form.signout")
			signIn(t, ctx, "county.staff", consolePassword)
			open(t, ctx, e.URL+"/console/labelkeys")
			if !has(t, ctx, `#error[data-status="403"]`) {
				t.Error("a staff user opened the label keys")
			}
		})
	}
}
