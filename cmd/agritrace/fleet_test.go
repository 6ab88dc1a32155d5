package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/store/mongo/mongotest"
)

// TestSecondEmbeddedLedgerRefused: two instances on one MongoDB database
// (FerretDB here), each with an embedded ledger in its own data directory.
// The first is accepted, with a warning that its ledger serves it alone;
// the second is refused at start, saying whose ledger the store's records
// are on and what to do; the first, restarted, is accepted again; once it
// has closed, a third on a copy of its log takes that ledger over.
func TestSecondEmbeddedLedgerRefused(t *testing.T) {
	uri, db := mongotest.Embedded(t), fmt.Sprintf("at%d_%d_cmd", os.Getpid(), time.Now().UnixNano())
	dirA, dirB := t.TempDir(), t.TempDir()
	ctx := context.Background()
	args := func(dir, name string) []string {
		return []string{"-data", dir, "-addr", "127.0.0.1:0", "-mongodb-uri", uri, "-mongodb-db", db, "-instance", name}
	}
	openIn := func(dir, name string) (*app, string) {
		t.Helper()
		cfg, err := config.Load("test", args(dir, name), noenv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var logged bytes.Buffer
		a, err := open(ctx, cfg, newLogger(&logged, slog.LevelInfo), true)
		if err != nil {
			t.Fatalf("instance %s refused: %v", name, err)
		}
		return a, logged.String()
	}
	openA := func() (*app, string) { t.Helper(); return openIn(dirA, "node-a") }
	a, logged := openA()
	if !strings.Contains(logged, "an embedded ledger on a shared store serves this one instance") {
		t.Errorf("first instance gave no warning that its embedded ledger serves it alone:\n%s", logged)
	}
	id, err := os.ReadFile(filepath.Join(dirA, "ledger.log.id"))
	if err != nil {
		t.Fatal(err)
	}

	// The second instance is started as an operator would, and returns at
	// once with the refusal instead of serving.
	runCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err = run(runCtx, append([]string{"serve"}, args(dirB, "node-b")...), noenv, &out, &errOut)
	want := fmt.Sprintf("this store's records are anchored on embedded ledger %s kept by instance node-a; this instance's embedded ledger is ", strings.TrimSpace(string(id)))
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "every instance sharing a store must use the same ledger: use -ledger fabric") {
		t.Fatalf("second instance: %v; want a refusal saying %q and what to do", err, want)
	}

	// Restarted, the first instance is still the store's.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a, _ = openA()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// Closed, the first instance is no longer listed as running: another
	// given a copy of its log takes the ledger over.
	dirC := t.TempDir()
	for _, name := range []string{"ledger.log", "ledger.log.id", "ledger.log.idx"} {
		b, err := os.ReadFile(filepath.Join(dirA, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dirC, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, logged := openIn(dirC, "node-c")
	if !strings.Contains(logged, "takes over the embedded ledger of an instance that is not running") {
		t.Errorf("an instance on a copy of a closed keeper's log did not take it over:\n%s", logged)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}
