package main

import (
	"context"
	"os"

	"github.com/agritrace/agritrace/chain/fabric"
	"github.com/agritrace/agritrace/internal/config"
)

// openFabric connects to the Fabric channel described by -fabric-env and the
// FABRIC_* variables, with every identity the node holds, and returns which
// organization writes for whom.
func openFabric(_ context.Context, cfg config.Config) (*fabric.Ledger, fabric.OrgMap, error) {
	n, err := fabric.LoadNode(cfg.FabricEnv, os.Getenv)
	if err != nil {
		return nil, fabric.OrgMap{}, err
	}
	l, err := fabric.Open(n.Own, n.Other...)
	return l, n.Orgs, err
}
