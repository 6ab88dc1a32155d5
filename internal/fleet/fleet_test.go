package fleet_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/fleet"
	"github.com/agritrace/agritrace/internal/store/mongo"
	"github.com/agritrace/agritrace/internal/store/mongo/mongotest"
	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
)

var (
	ctx   = context.Background()
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
)

var dbs atomic.Int64

// freshDB is a database name no other test uses.
func freshDB() string { return fmt.Sprintf("at%d_%d_fleet", os.Getpid(), dbs.Add(1)) }

// openAs opens the MongoDB store at uri, db as instance name: it is listed
// as running until it closes, at the end of the test.
func openAs(t *testing.T, uri, db, name string) *mongo.Store {
	t.Helper()
	st, err := mongo.Open(ctx, uri, db, mongo.WithInstance(name))
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

// TestCheckLedger: which ledgers an instance is accepted with, given the
// one recorded and the instances running on one MongoDB database (FerretDB
// here). A second instance on a copy of a running keeper's log is refused
// only after watching the keeper for keeperWatch (20 s).
func TestCheckLedger(t *testing.T) {
	uri := mongotest.Embedded(t)
	none := trace.LedgerClaim{}
	tests := []struct {
		name     string
		recorded trace.LedgerClaim // none: the store has recorded no ledger
		running  string            // an instance with the store open
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
			db := freshDB()
			st := openAs(t, uri, db, "node-checking")
			if tt.recorded != none {
				if _, err := st.ClaimLedger(ctx, tt.recorded); err != nil {
					t.Fatal(err)
				}
			}
			if tt.running != "" {
				openAs(t, uri, db, tt.running)
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

// TestLive: instances count each other from the store's registry, and one
// whose store closes is counted out at the others' next count. A SQLite
// store names no instance: its one process counts itself.
func TestLive(t *testing.T) {
	uri, db := mongotest.Embedded(t), freshDB()
	join := func(st trace.Store, name string) *fleet.Fleet {
		t.Helper()
		f, err := fleet.Join(ctx, st, name, quiet)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	a := join(openAs(t, uri, db, "node-a"), "node-a")
	if a.Live() != 1 {
		t.Errorf("alone: Live = %d, want 1", a.Live())
	}
	stB := openAs(t, uri, db, "node-b")
	b := join(stB, "node-b")
	if b.Live() != 2 {
		t.Errorf("second to join: Live = %d, want 2", b.Live())
	}
	if err := a.Refresh(ctx); err != nil || a.Live() != 2 {
		t.Errorf("first at its next count: Live = %d (%v), want 2", a.Live(), err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := stB.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Refresh(ctx); err != nil || a.Live() != 1 {
		t.Errorf("after the second closed: Live = %d (%v), want 1", a.Live(), err)
	}

	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agritrace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	if f := join(lite, ""); f.Live() != 1 {
		t.Errorf("on SQLite: Live = %d, want 1", f.Live())
	}
}
