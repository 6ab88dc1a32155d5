package main

import (
	"context"
	"fmt"
	"io"

	"github.com/agritrace/agritrace/chain/embedded"
	"github.com/agritrace/agritrace/internal/config"
)

// verifyLedger re-hashes and validates every block of the embedded ledger,
// for those who will not trust the checkpoint that lets the service open
// it quickly. It only reads, so it may run beside the service.
func verifyLedger(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load("agritrace verify-ledger", args, getenv, stderr)
	if err != nil {
		return err
	}
	path := ledgerPath(cfg)
	n, err := embedded.Verify(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: all %d blocks chain, hash as recorded and keep the custody rules\n", path, n)
	return nil
}
