package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/embedded"
)

func TestVerifyLedger(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.log")
	l, err := embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	hash := strings.Repeat("a", 64)
	if _, err := l.Anchor(context.Background(), []custody.Record{{Kind: custody.KindEvent, Key: "L1", Hash: hash}}); err != nil {
		t.Fatal(err)
	}
	l.Close()

	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"verify-ledger", "-data", dir}, noenv, &out, &errOut); err != nil || !strings.Contains(out.String(), "all 1 blocks chain") {
		t.Errorf("verify-ledger = %v, %q", err, out.String())
	}
	log, _ := os.ReadFile(path)
	if err := os.WriteFile(path, bytes.Replace(log, []byte(hash), []byte(strings.Repeat("b", 64)), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"verify-ledger", "-data", dir}, noenv, &out, &errOut); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Errorf("verify-ledger of an altered log = %v, want the alteration reported", err)
	}
}
