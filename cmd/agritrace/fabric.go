package main

import (
	"context"
	"errors"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/trace"
)

type closingLedger interface {
	trace.Ledger
	Close() error
}

func openFabric(ctx context.Context, cfg config.Config) (closingLedger, error) {
	return nil, errors.New("fabric ledger: not wired yet")
}
