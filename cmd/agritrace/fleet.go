package main

import (
	"context"
	"time"

	"github.com/agritrace/agritrace/internal/fleet"
	"github.com/agritrace/agritrace/internal/trace"
)

// joinFleet refuses to go on when the ledger just opened is not the one the
// store's records are anchored on (see fleet.CheckLedger), and on a MongoDB
// store, which several instances may share, starts counting them so
// that each knows its share of the limits kept in memory.
func (a *app) joinFleet(ctx context.Context, claim trace.LedgerClaim) error {
	var name string
	if a.cfg.MongoURI != "" {
		var err error
		if name, err = instanceName(a.cfg); err != nil {
			return err
		}
	}
	if claim.Kind == "embedded" {
		claim.Keeper = name
	}
	claim.At = time.Now().UTC()
	if err := fleet.CheckLedger(ctx, a.store, claim, a.log); err != nil {
		return err
	}
	if name == "" {
		return nil
	}
	f, err := fleet.Join(ctx, a.store, name, a.log)
	if err != nil {
		return err
	}
	a.fleet = f
	a.closers = append(a.closers, f)
	return nil
}
