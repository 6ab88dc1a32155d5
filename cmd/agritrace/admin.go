package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
)

const adminUsage = `usage:
  agritrace admin org create -id ID -name NAME -roles r1,r2 -region CODE [-name-en NAME] [-sc SCCODE] [store flags]
  agritrace admin org list [store flags]
  agritrace admin org disable ORG [store flags]
  agritrace admin org enable ORG [store flags]
  agritrace admin key create -org ID [store flags]
  agritrace admin key list ORG [store flags]
  agritrace admin key revoke ORG KEYID [store flags]
  agritrace admin prefix add ORG PREFIX [store flags]   (an approved GS1 Company Prefix)
  agritrace admin user create ORG LOGIN -name NAME [-role admin|staff] [-phone N] [-password P] [store flags]
  agritrace admin user list ORG [store flags]
  agritrace admin user disable ORG LOGIN [store flags]
  agritrace admin user reset-password ORG LOGIN [-password P] [store flags]
  agritrace admin label-key list [-data DIR | -label-keys FILE | -label-secret FILE [store flags]]
  agritrace admin label-key rotate [-data DIR | -label-keys FILE | -label-secret FILE [store flags]]
  agritrace admin label-key retire ID [-data DIR | -label-keys FILE | -label-secret FILE [store flags]]
  agritrace admin label-key revoke ID [-data DIR | -label-keys FILE | -label-secret FILE [store flags]]

Every flag of "agritrace serve" (-data, -mongodb-uri, ...) is accepted too. Roles: ` + "producer, collector, processor, logistics, retailer, regulator, lab, admin" + `
`

// admin works on the store directly: it is how the first organization and key
// come to exist, before anyone holds a key to call the API with.
func admin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, adminUsage)
		return errors.New("admin: say what to do")
	}
	what, rest := args[0]+" "+args[1], args[2:]
	fs := flag.NewFlagSet("agritrace admin "+what, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o trace.Org
	var roles, keyOrg string
	var user trace.UserInput
	// want names the positional arguments a command takes.
	var want []string
	switch what {
	case "org create":
		fs.StringVar(&o.ID, "id", "", "organization id (lowercase, digits, dashes)")
		fs.StringVar(&o.Name, "name", "", "name, in Chinese")
		fs.StringVar(&o.NameEN, "name-en", "", "name in English")
		fs.StringVar(&roles, "roles", "", "comma-separated roles")
		fs.StringVar(&o.Region, "region", "", "administrative division code (6, 9 or 12 digits)")
		fs.StringVar(&o.SCCode, "sc", "", "food production licence number (SC and 14 digits), for processors that hold one")
	case "key create":
		fs.StringVar(&keyOrg, "org", "", "organization the key is for")
	case "org disable", "org enable", "key list":
		want = []string{"ORG"}
	case "key revoke":
		want = []string{"ORG", "KEYID"}
	case "prefix add":
		want = []string{"ORG", "PREFIX"}
	case "user create":
		fs.StringVar(&user.Name, "name", "", "the person's name")
		fs.StringVar(&user.Role, "role", trace.UserStaff, "role in the organization: admin (manages its users) or staff")
		fs.StringVar(&user.Phone, "phone", "", "phone number (optional)")
		fs.StringVar(&user.Password, "password", "", "password (at least 10 characters); empty prints a generated one once")
		want = []string{"ORG", "LOGIN"}
	case "user reset-password":
		fs.StringVar(&user.Password, "password", "", "new password; empty prints a generated one once")
		want = []string{"ORG", "LOGIN"}
	case "user list":
		want = []string{"ORG"}
	case "user disable":
		want = []string{"ORG", "LOGIN"}
	case "org list", "label-key list", "label-key rotate":
	case "label-key retire", "label-key revoke":
		// The key id comes before the flags: admin label-key retire 1a2b3c4d -data DIR.
		if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
			keyOrg, rest = rest[0], rest[1:]
		}
	default:
		fmt.Fprint(stderr, adminUsage)
		return fmt.Errorf("admin: unknown command %q", what)
	}
	settings := config.Bind(fs, getenv)
	pos, err := parseInterleaved(fs, rest)
	if err != nil {
		return err
	}
	if len(pos) != len(want) {
		fmt.Fprint(stderr, adminUsage)
		return fmt.Errorf("admin %s: want %d arguments (%s), got %d", what, len(want), strings.Join(want, " "), len(pos))
	}
	cfg, err := settings()
	if err != nil {
		return err
	}
	if action, ok := strings.CutPrefix(what, "label-key "); ok {
		if (action == "retire" || action == "revoke") && keyOrg == "" {
			return fmt.Errorf("admin: label-key %s: name the key id (see label-key list)", action)
		}
		return labelKeys(ctx, cfg, action, keyOrg, stdout)
	}
	a, err := open(ctx, cfg, newLogger(io.Discard, cfg.LogLevel), false)
	if err != nil {
		return err
	}
	defer a.Close()
	switch what {
	case "org create":
		if roles != "" {
			o.Roles = strings.Split(roles, ",")
		}
		created, err := a.service.Bootstrap(ctx, o)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "created organization %s (%s) with roles %s\n", created.ID, created.Name, strings.Join(created.Roles, ","))
	case "key create":
		k, secret, err := a.service.IssueKey(ctx, keyOrg)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "API key %s for %s (shown once; store it now):\n%s\n", k.ID, k.OrgID, secret)
	case "org list":
		orgs, err := a.store.Orgs(ctx)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			state := ""
			if o.SCCode != "" {
				state = "  " + o.SCCode
			}
			if o.Disabled {
				state += "  (disabled)"
			}
			fmt.Fprintf(stdout, "%-20s %-10s %-24s %s%s\n", o.ID, o.Region, strings.Join(o.Roles, ","), o.Name, state)
		}
	case "user create", "user list", "user disable", "user reset-password":
		if err := adminUser(ctx, a.service, what, pos, user, stdout); err != nil {
			return describe(err)
		}
	default:
		if err := adminOrgKeyPrefix(ctx, a.service, what, pos, stdout); err != nil {
			return describe(err)
		}
	}
	return nil
}

// adminOrgKeyPrefix runs the commands that take positional arguments, as the
// command line's admin (recorded as "cli").
func adminOrgKeyPrefix(ctx context.Context, svc *trace.Service, what string, pos []string, stdout io.Writer) error {
	switch what {
	case "org disable", "org enable":
		o, err := svc.SetDisabled(ctx, trace.CommandLine, pos[0], what == "org disable")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "organization %s is %sd\n", o.ID, strings.TrimPrefix(what, "org "))
	case "key list":
		keys, err := svc.APIKeys(ctx, trace.CommandLine, pos[0])
		if err != nil {
			return err
		}
		for _, k := range keys {
			state := "active"
			if k.Revoked() {
				state = "revoked " + trace.FormatTime(k.RevokedAt) + " by " + k.RevokedBy
			}
			fmt.Fprintf(stdout, "%s  created %s by %s  %s\n", k.ID, trace.FormatTime(k.CreatedAt), k.CreatedBy, state)
		}
	case "key revoke":
		k, err := svc.RevokeAPIKey(ctx, trace.CommandLine, pos[0], pos[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "API key %s of %s is revoked\n", k.ID, k.OrgID)
	case "prefix add":
		p, err := svc.RegisterPrefix(ctx, pos[0], pos[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "GS1 Company Prefix %s of %s is approved\n", p.Prefix, p.Org)
	}
	return nil
}

// parseInterleaved parses flags wherever they stand among the positional
// arguments, so "key list ORG -data DIR" works as well as "key list -data DIR ORG".
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
}

// labelKeys lists the label signing keys after applying action: rotate adds
// a fresh active key, retire stops key id from signing, revoke declares it
// compromised. With -label-secret the ring in the store changes, and running
// instances follow within -label-refresh. Otherwise the keyring file must
// exist: the service creates it on its first start, and a rotation that
// created one would sign with a key no running service has; a running
// service sees the change when it restarts.
func labelKeys(ctx context.Context, cfg config.Config, action, id string, stdout io.Writer) error {
	if cfg.LabelSecret == "" {
		if _, err := os.Stat(cfg.LabelKeys); err != nil {
			return fmt.Errorf("label keys: %w (the service creates them on its first start; use the -data or -label-keys it runs with, or -label-secret for keys kept in the store)", err)
		}
	}
	a, err := open(ctx, cfg, newLogger(io.Discard, cfg.LogLevel), false)
	if err != nil {
		return err
	}
	defer a.Close()
	kr := a.keys
	applies := "Restart the service to apply it."
	if cfg.LabelSecret != "" {
		applies = fmt.Sprintf("Every instance given -label-secret applies it within its -label-refresh (%s), without a restart.", cfg.LabelRefresh)
	}
	now := time.Now()
	switch action {
	case "rotate":
		var fresh *label.Key
		if fresh, err = kr.RotateSaved(ctx); err == nil {
			fmt.Fprintf(stdout, "label key %s now signs new labels; the older keys stay published so printed labels still verify.\n%s\n", fresh.ID, applies)
		}
	case "retire":
		if err = kr.Update(ctx, func(next *label.Keyring) error { return next.Retire(id, now) }); err == nil {
			fmt.Fprintf(stdout, "label key %s is retired: labels of units made after now that carry it fail; labels already printed still verify.\n%s\n", id, applies)
		}
	case "revoke":
		if err = kr.Update(ctx, func(next *label.Keyring) error { return next.Revoke(id, now) }); err == nil {
			fmt.Fprintf(stdout, "label key %s is revoked: every label it signed scans as not genuine (key_revoked).\n%s Republish the key set to offline checkers.\n", id, applies)
		}
	}
	if err != nil {
		return err
	}
	for _, k := range kr.Public().Keys {
		state := "retired (verifies labels already printed)"
		switch {
		case k.Status == label.StatusRevoked:
			state = "revoked " + k.RevokedAt.Format(time.RFC3339) + " (no label it signed is trusted)"
		case k.Active:
			state = "active (signs new labels)"
		case !k.RetiredAt.IsZero():
			state = "retired " + k.RetiredAt.Format(time.RFC3339) + " (verifies labels of units made before then)"
		}
		fmt.Fprintf(stdout, "%s  %s  %s\n", k.ID, k.Algorithm, state)
	}
	return nil
}

// describe turns a domain error into a sentence for the terminal.
func describe(err error) error {
	if f := trace.ErrorField(err); f != "" {
		return fmt.Errorf("%s: %s", f, trace.ErrorMessage(err))
	}
	if trace.ErrorCode(err) != trace.EINTERNAL {
		return errors.New(trace.ErrorMessage(err))
	}
	return err
}
