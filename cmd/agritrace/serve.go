package main

import (
	"context"
	"io"

	"github.com/agritrace/agritrace/internal/config"
)

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load("agritrace serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	a, ln, err := listenAndOpen(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if orgs, err := a.store.Orgs(ctx); err == nil && len(orgs) == 0 {
		log.Info("no organizations yet: create one with 'agritrace admin org create' and a key with 'agritrace admin key create', or try 'agritrace demo'")
	}
	log.Info("listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL)
	return a.serveHTTP(ctx, ln)
}
