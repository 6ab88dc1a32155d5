package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// runDemo tells the rapeseed story through the service's API and prints where
// to look. By default it starts a service of its own and keeps serving so the
// printed URLs can be opened; with -url it loads the story into a service that
// is already running.
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("agritrace demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	exit := fs.Bool("exit", false, "stop once the story is loaded and anchored instead of serving")
	target := fs.String("url", "", "load the story into the service running at this URL (give the store flags it runs with, for the demo's keys)")
	password := fs.String("password", "", "password of the demo's console users (at least 10 characters); empty prints a generated one once")
	graph := fs.Int("graph", 0, "with -url: instead of the story, load a generated season of about this many lots (about ten events each) through POST /api/v1/batch, for benchmarks")
	settings := config.Bind(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("demo: unexpected arguments: %v", fs.Args())
	}
	cfg, err := settings()
	if err != nil {
		return err
	}
	log := newLogger(stderr, max(cfg.LogLevel, slog.LevelError))
	if *graph < 0 || (*graph > 0 && *target == "") {
		return fmt.Errorf("demo: -graph takes a positive number of lots and needs -url")
	}
	if *target != "" {
		return demoInto(ctx, *target, cfg, *password, *graph, log, stdout)
	}
	if cfg.TLSCert != "" {
		// The story's client would have to trust the certificate too.
		return fmt.Errorf("demo: -tls-cert is for serve: run 'agritrace serve -tls-cert ... -tls-key ...', then 'agritrace demo -url https://...' with the same store flags")
	}
	a, ln, err := listenAndOpen(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	keys, err := castKeys(ctx, a)
	if err != nil {
		ln.Close()
		return err
	}
	people, err := castUsers(ctx, a, *password)
	if err != nil {
		ln.Close()
		return err
	}
	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	served := make(chan error, 1)
	go func() { served <- a.serveHTTP(serveCtx, ln) }()

	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "AgriTrace demo on %s (data in %s)\n\n", base, cfg.DataDir)
	if err := tellStory(ctx, base, keys, stdout); err != nil {
		return err
	}
	people.print(stdout, base)
	if *exit {
		stopServing()
		return <-served
	}
	fmt.Fprintf(stdout, "\nServing until Ctrl-C.\n")
	return <-served
}

// demoInto loads the story into the service running at base. The demo's
// organizations and keys are written to that service's store directly, as
// "agritrace admin" does, since nobody holds a key to create them through the
// API; everything else goes through the API. With graph > 0 it loads a
// generated season of that many lots instead of the story (see loadGraph).
func demoInto(ctx context.Context, base string, cfg config.Config, password string, graph int, log *slog.Logger, stdout io.Writer) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("demo: -url %q is not an http(s) URL of a running service", base)
	}
	base = strings.TrimSuffix(u.String(), "/")
	if err := (demo.Client{Base: base}).Do(ctx, "GET", "/readyz", nil, nil); err != nil {
		return fmt.Errorf("demo: no ready service at %s: %w", base, err)
	}
	a, err := open(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	keys, err := castKeys(ctx, a)
	var people demoUsers
	if err == nil && graph == 0 {
		people, err = castUsers(ctx, a, password)
	}
	a.Close()
	if err != nil {
		return err
	}
	err = demo.Client{Base: base, Key: keys[demo.Regulator]}.Do(ctx, "GET", "/api/v1/orgs", nil, nil)
	if e := new(demo.APIError); errors.As(err, &e) && e.Status == http.StatusUnauthorized {
		return fmt.Errorf("demo: the service at %s does not know the keys just written to %s: give demo the store flags (-data, -mongodb-uri) the service runs with", base, storeName(cfg))
	}
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if graph > 0 {
		return loadGraph(ctx, base, keys, graph, stdout)
	}
	fmt.Fprintf(stdout, "AgriTrace demo loaded into %s\n\n", base)
	if err := tellStory(ctx, base, keys, stdout); err != nil {
		return err
	}
	people.print(stdout, base)
	return nil
}

// loadGraph loads the generated season and prints, one per line for
// scripts, its totals, its deepest lot and a key that may read that lot's
// trace (the county regulator's: every lot is grown and handled in its
// county).
func loadGraph(ctx context.Context, base string, keys map[string]string, lots int, stdout io.Writer) error {
	fmt.Fprintf(stdout, "Loading a season of about %d lots into %s\n", lots, base)
	st, err := demo.Graph(ctx, base, keys, lots, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "lots: %d\nevents: %d\ndeepest lot: %s (depth %d)\nkey: %s\ntook: %.1fs (%.0f events/s)\n",
		st.Lots, st.Events, st.Deepest, st.Depth, keys[demo.Regulator], st.Took.Seconds(), float64(st.Events)/st.Took.Seconds())
	return nil
}

// storeName says which store cfg opens, for error messages.
func storeName(cfg config.Config) string {
	if cfg.MongoURI != "" {
		return "MongoDB database " + cfg.MongoDB
	}
	return sqlitePath(cfg)
}

// tellStory plays the season and the counterfeit against the API at base and
// prints the URLs to open.
func tellStory(ctx context.Context, base string, keys map[string]string, stdout io.Writer) error {
	start := time.Now()
	st, err := demo.Run(ctx, base, keys, stdout)
	if err != nil {
		return err
	}
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	ledger, err := demo.WaitAnchored(waitCtx, base, st)
	cancel()
	if err != nil {
		return fmt.Errorf("demo: waiting for the ledger: %w", err)
	}
	fmt.Fprintf(stdout, "  ✓ every event anchored on the %s ledger and verified (%.1fs)\n\n", ledger.Kind, time.Since(start).Seconds())
	fmt.Fprintf(stdout, "And a counterfeit:\n")
	fake, err := demo.Counterfeit(ctx, base, keys, st, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  The regulator's audit of complaint %s says why it is a fake:\n", fake.Complaint)
	for _, f := range fake.Findings {
		fmt.Fprintf(stdout, "    %s\n", f)
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(stdout, "Scan a bottle that was sold:     %s\n", st.SoldURL)
	fmt.Fprintf(stdout, "Scan a bottle still on the shelf: %s\n", st.ShelfURL)
	fmt.Fprintf(stdout, "  (add &lang=en for English; send Accept: application/json for data)\n")
	fmt.Fprintf(stdout, "Verify the bottle lot:           %s/api/v1/lots/%s/verify\n", base, st.BottleLot)
	fmt.Fprintf(stdout, "Its QR code (for the mill's key): %s/api/v1/units/%s/label.png\n", base, st.Sold[0])
	fmt.Fprintf(stdout, "The cloned label, a confirmed counterfeit: %s\n", fake.ClonedURL)
	fmt.Fprintf(stdout, "The seed's 承诺达标合格证, to print: %s/certificates/%s?format=pdf\n", base, st.SeedLots[0])
	fmt.Fprintf(stdout, "\nAs the regulator (key for %s):\n  export KEY=%s\n", demo.Regulator, keys[demo.Regulator])
	fmt.Fprintf(stdout, "  curl -H \"Authorization: Bearer $KEY\" %s/api/v1/lots/%s/trace\n", base, st.SeedLots[0])
	fmt.Fprintf(stdout, "  curl -H \"Authorization: Bearer $KEY\" %s/api/v1/audits/complaints/%s\n", base, fake.Complaint)
	fmt.Fprintf(stdout, "  curl -H \"Authorization: Bearer $KEY\" %s/api/v1/alerts\n", base)
	return nil
}

// castKeys registers the demo organizations and their GS1 Company Prefixes
// where missing and issues each a fresh API key.
func castKeys(ctx context.Context, a *app) (map[string]string, error) {
	keys := map[string]string{}
	for _, o := range demo.Cast() {
		if _, err := a.service.Bootstrap(ctx, o); err != nil && trace.ErrorCode(err) != trace.ECONFLICT {
			return nil, fmt.Errorf("demo: organization %s: %w", o.ID, err)
		}
		_, secret, err := a.service.IssueKey(ctx, o.ID)
		if err != nil {
			return nil, fmt.Errorf("demo: key for %s: %w", o.ID, err)
		}
		keys[o.ID] = secret
	}
	for org, prefix := range demo.Prefixes() {
		if _, err := a.service.RegisterPrefix(ctx, org, prefix); err != nil && trace.ErrorCode(err) != trace.ECONFLICT {
			return nil, fmt.Errorf("demo: prefix of %s: %w", org, err)
		}
	}
	return keys, nil
}

// demoUsers are the console users of the demo and their one password.
type demoUsers struct {
	users    []trace.User
	password string
}

// castUsers gives each demo organization one console user, its user admin,
// signed in as "<org>.clerk" ("<org>.admin" for the county's admin). They
// all get password, or one generated password; a user left by an earlier
// run gets it too.
func castUsers(ctx context.Context, a *app, password string) (demoUsers, error) {
	if password == "" {
		password = trace.GeneratePassword()
	}
	people := demoUsers{password: password}
	for _, o := range demo.Cast() {
		in := trace.UserInput{Org: o.ID, Login: o.ID + ".clerk", Name: o.Name, Role: trace.UserAdmin, Password: password}
		if o.Has(trace.RoleAdmin) {
			in.Login = o.ID + ".admin"
		}
		u, _, err := a.service.CreateUser(ctx, trace.CommandLine, trace.User{}, in)
		if trace.ErrorCode(err) == trace.ECONFLICT {
			u, _, err = a.service.ResetPassword(ctx, trace.CommandLine, trace.User{}, o.ID, in.Login, password)
		}
		if err != nil {
			return demoUsers{}, fmt.Errorf("demo: console user of %s: %w", o.ID, describe(err))
		}
		people.users = append(people.users, u)
	}
	return people, nil
}

func (p demoUsers) print(stdout io.Writer, base string) {
	fmt.Fprintf(stdout, "\nSign in to the console at %s/console/ as one of (password %s, shown once):\n", base, p.password)
	for _, u := range p.users {
		fmt.Fprintf(stdout, "  %-26s %s\n", u.Login, u.Name)
	}
}
