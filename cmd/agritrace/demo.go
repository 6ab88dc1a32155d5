package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// runDemo starts the service, tells the rapeseed story through its API, prints
// where to look, and keeps serving so the printed URLs can be opened.
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("agritrace demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	exit := fs.Bool("exit", false, "stop once the story is loaded and anchored instead of serving")
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
	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	served := make(chan error, 1)
	go func() { served <- a.serveHTTP(serveCtx, ln) }()

	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "AgriTrace demo on %s (data in %s)\n\n", base, cfg.DataDir)
	start := time.Now()
	st, err := demo.Run(ctx, base, keys, stdout)
	if err != nil {
		return err
	}
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	err = demo.WaitAnchored(waitCtx, base, st)
	cancel()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  ✓ every event anchored on the %s ledger and verified (%.1fs)\n\n", a.ledger.Info().Kind, time.Since(start).Seconds())
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
	fmt.Fprintf(stdout, "Its QR code:                     %s/api/v1/units/%s/label.png\n", base, st.Sold[0])
	fmt.Fprintf(stdout, "The cloned label, scanned far away: %s&region=%s\n", fake.ClonedURL, demo.GonganCount)
	fmt.Fprintf(stdout, "\nAs the regulator (key for %s):\n  export KEY=%s\n", demo.Regulator, keys[demo.Regulator])
	fmt.Fprintf(stdout, "  curl -H \"Authorization: Bearer $KEY\" %s/api/v1/lots/%s/trace\n", base, st.SeedLots[0])
	fmt.Fprintf(stdout, "  curl -H \"Authorization: Bearer $KEY\" %s/api/v1/audits/complaints/%s\n", base, fake.Complaint)
	fmt.Fprintf(stdout, "  curl -H \"Authorization: Bearer $KEY\" %s/api/v1/alerts\n", base)
	if *exit {
		stopServing()
		return <-served
	}
	fmt.Fprintf(stdout, "\nServing until Ctrl-C.\n")
	return <-served
}

// castKeys registers the demo organizations where missing and issues each a
// fresh API key.
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
	return keys, nil
}
