package main

import (
	"context"
	"os"

	"github.com/agritrace/agritrace/chain/fabric"
	"github.com/agritrace/agritrace/internal/config"
)

// openFabric connects to the Fabric channel described by -fabric-env and the
// FABRIC_* variables.
func openFabric(_ context.Context, cfg config.Config) (*fabric.Ledger, error) {
	fc, err := fabric.LoadEnv(cfg.FabricEnv, "", os.Getenv)
	if err != nil {
		return nil, err
	}
	return fabric.Open(fc)
}
