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
	ln, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, log, true)
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()
	log.Info("listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL)
	return a.serveHTTP(ctx, ln)
}
