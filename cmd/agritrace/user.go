package main

import (
	"context"
	"fmt"
	"io"

	"github.com/agritrace/agritrace/internal/trace"
)

// adminUser runs the user commands as the command line's admin, which may
// manage the users of any organization.
func adminUser(ctx context.Context, svc *trace.Service, what string, pos []string, in trace.UserInput, stdout io.Writer) error {
	switch what {
	case "user create":
		in.Org, in.Login = pos[0], pos[1]
		generated := in.Password == ""
		u, password, err := svc.CreateUser(ctx, trace.CommandLine, trace.User{}, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created user %s (%s) in %s as %s\n", u.Login, u.Name, u.Org, u.Role)
		if generated {
			fmt.Fprintf(stdout, "password (shown once; hand it over now):\n%s\n", password)
		}
	case "user list":
		us, err := svc.Users(ctx, trace.CommandLine, trace.User{}, pos[0])
		if err != nil {
			return err
		}
		for _, u := range us {
			state := "active"
			switch {
			case u.Disabled:
				state = "disabled"
			case u.LockedUntil.After(svc.Now()):
				state = "locked until " + trace.FormatTime(u.LockedUntil)
			}
			fmt.Fprintf(stdout, "%-28s %-6s %-10s %s\n", u.Login, u.Role, state, u.Name)
		}
	case "user disable":
		u, err := svc.SetUserDisabled(ctx, trace.CommandLine, trace.User{}, pos[0], pos[1], true)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s of %s is disabled and signed out\n", u.Login, u.Org)
	case "user reset-password":
		u, password, err := svc.ResetPassword(ctx, trace.CommandLine, trace.User{}, pos[0], pos[1], in.Password)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s is reset; the user is signed out and no longer locked\n", u.Login)
		if in.Password == "" {
			fmt.Fprintf(stdout, "new password (shown once):\n%s\n", password)
		}
	}
	return nil
}
