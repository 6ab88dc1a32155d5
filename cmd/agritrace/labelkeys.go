package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
)

// errRingInStore refuses an instance without -label-secret on a store whose
// instances keep their label keys in it: its own keys would sign labels that
// they call forged, and theirs would fail on it.
var errRingInStore = errors.New("label keys: the store keeps label keys: give -label-secret (the same file as the other instances)")

// openLabelKeys loads the label keyring: from the store, sealed, when
// cfg.LabelSecret names the secret file, else from cfg.LabelKeys as a single
// instance always has.
func openLabelKeys(ctx context.Context, cfg config.Config, st label.RingStore, log *slog.Logger) (*label.Keyring, error) {
	if cfg.LabelSecret == "" {
		return openFileKeys(ctx, cfg, st, log)
	}
	// The secret opens every private label key: owner-only, like the keys.
	if err := tighten(cfg.LabelSecret, log); err != nil {
		return nil, fmt.Errorf("label secret: %w", err)
	}
	secret, err := label.LoadSecret(cfg.LabelSecret)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(cfg.LabelKeys); err == nil {
		if err := tighten(cfg.LabelKeys, log); err != nil {
			return nil, fmt.Errorf("label keys: %w", err)
		}
	}
	kr, err := label.OpenShared(ctx, label.Shared{Store: st, Secret: secret, Import: cfg.LabelKeys, Log: log})
	if err != nil {
		return nil, err
	}
	log.Info("label keys: kept in the store, sealed with -label-secret", "version", kr.Version(), "keys", len(kr.Public().Keys), "refresh", cfg.LabelRefresh.String())
	return kr, nil
}

func openFileKeys(ctx context.Context, cfg config.Config, st label.RingStore, log *slog.Logger) (*label.Keyring, error) {
	switch _, err := st.LabelKeyring(ctx); {
	case err == nil:
		return nil, errRingInStore
	case trace.ErrorCode(err) != trace.ENOTFOUND:
		return nil, err
	}
	if cfg.MongoURI != "" {
		log.Warn("label keys: kept in this instance's own file; every instance on this MongoDB store must sign with the same keys, or labels made by one scan as forged on another: give each -label-secret (see the README, Label keys across instances)",
			"path", cfg.LabelKeys)
	}
	kr, err := label.LoadOrCreate(cfg.LabelKeys)
	if err != nil {
		return nil, err
	}
	// Label keys kept outside the data directory were not tightened with it.
	if err := tighten(cfg.LabelKeys, log); err != nil {
		return nil, fmt.Errorf("label keys: %w", err)
	}
	return kr, nil
}
