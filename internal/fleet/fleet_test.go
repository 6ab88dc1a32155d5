package fleet_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/fleet"
	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
)

var (
	ctx   = context.Background()
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agritrace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func embedded(id, keeper string) trace.LedgerClaim {
	return trace.LedgerClaim{Kind: "embedded", ID: id, Keeper: keeper, At: time.Now().UTC()}
}

func fabric(channel string) trace.LedgerClaim {
	return trace.LedgerClaim{Kind: "fabric", Channel: channel, Chaincode: "custody", At: time.Now().UTC()}
}

func TestCheckLedger(t *testing.T) {
	none := trace.LedgerClaim{}
	tests := []struct {
		name     string
		recorded trace.LedgerClaim // none: the store has recorded no ledger
		running  string            // an instance beating now
		cur      trace.LedgerClaim
		refused  []string // parts of the refusal; nil: accepted
		after    trace.LedgerClaim
	}{
		{name: "a new store adopts the first ledger", recorded: none, cur: embedded("X", "node-a"), after: embedded("X", "node-a")},
		{name: "a store from before ledgers were recorded adopts this one", recorded: none, cur: fabric("custody"), after: fabric("custody")},
		{name: "the keeper restarts", recorded: embedded("X", "node-a"), running: "node-b", cur: embedded("X", "node-a"), after: embedded("X", "node-a")},
		{name: "SQLite with its own log restarts", recorded: embedded("X", ""), cur: embedded("X", ""), after: embedded("X", "")},
		{name: "a second instance with its own log", recorded: embedded("X", "node-a"), running: "node-a", cur: embedded("Y", "node-b"),
			refused: []string{"this store's records are anchored on embedded ledger X kept by instance node-a", "every instance sharing a store must use the same ledger: use -ledger fabric"},
			after:   embedded("X", "node-a")},
		{name: "a second instance with its own log while the first is stopped", recorded: embedded("X", "node-a"), cur: embedded("Y", "node-b"),
			refused: []string{"anchored on embedded ledger X kept by instance node-a", "use -ledger fabric"}, after: embedded("X", "node-a")},
		{name: "a second instance on a copy of the keeper's log while it runs", recorded: embedded("X", "node-a"), running: "node-a", cur: embedded("X", "node-b"),
			refused: []string{"embedded ledger X kept by instance node-a, which is running", "use -ledger fabric"}, after: embedded("X", "node-a")},
		{name: "another instance takes over the log of a stopped keeper", recorded: embedded("X", "node-a"), running: "node-c", cur: embedded("X", "node-b"), after: embedded("X", "node-b")},
		{name: "the keeper's log was replaced", recorded: embedded("X", ""), cur: embedded("Z", ""), after: embedded("Z", "")},
		{name: "Fabric on a store anchored on an embedded ledger", recorded: embedded("X", ""), cur: fabric("custody"),
			refused: []string{"anchored on embedded ledger X, not on Fabric channel custody, chaincode custody", "-ledger embedded"}, after: embedded("X", "")},
		{name: "an embedded ledger on a store anchored on Fabric", recorded: fabric("custody"), cur: embedded("Y", "node-b"),
			refused: []string{"anchored on Fabric channel custody, chaincode custody, not on embedded ledger Y kept by instance node-b", "-ledger fabric and a -fabric-env naming channel custody"},
			after:   fabric("custody")},
		{name: "another channel", recorded: fabric("custody"), cur: fabric("trial"), refused: []string{"not on Fabric channel trial"}, after: fabric("custody")},
		{name: "the same channel from another instance", recorded: fabric("custody"), running: "node-a", cur: fabric("custody"), after: fabric("custody")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			if tt.recorded != none {
				if _, err := st.ClaimLedger(ctx, tt.recorded); err != nil {
					t.Fatal(err)
				}
			}
			if tt.running != "" {
				if err := st.Beat(ctx, tt.running, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			err := fleet.CheckLedger(ctx, st, tt.cur, quiet)
			switch {
			case tt.refused == nil && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.refused != nil && err == nil:
				t.Fatal("accepted; want refused")
			}
			for _, part := range tt.refused {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("refusal %q does not say %q", err, part)
				}
			}
			got, err := st.ClaimLedger(ctx, tt.cur)
			if err != nil || !got.Same(tt.after) || got.Keeper != tt.after.Keeper {
				t.Errorf("recorded afterwards: %+v, %v; want %+v", got, err, tt.after)
			}
		})
	}
}

// TestLive: instances count each other from their beats, and one that
// closes is counted out at the others' next beat.
func TestLive(t *testing.T) {
	st := openStore(t)
	a, err := fleet.Join(ctx, st, "node-a", quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if a.Live() != 1 {
		t.Errorf("alone: Live = %d, want 1", a.Live())
	}
	b, err := fleet.Join(ctx, st, "node-b", quiet)
	if err != nil {
		t.Fatal(err)
	}
	if b.Live() != 2 {
		t.Errorf("second to join: Live = %d, want 2", b.Live())
	}
	if err := a.Beat(ctx); err != nil || a.Live() != 2 {
		t.Errorf("first at its next beat: Live = %d (%v), want 2", a.Live(), err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Beat(ctx); err != nil || a.Live() != 1 {
		t.Errorf("after the second closed: Live = %d (%v), want 1", a.Live(), err)
	}
}
