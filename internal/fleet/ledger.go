package fleet

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// CheckLedger refuses to start an instance whose ledger is not the one the
// store's records are anchored on, with a message that says what to do: on
// another ledger those records read as missing, and the outbox would anchor
// new ones where the other instances never look. A store that has recorded
// no ledger (a new one, or one written before ledgers were recorded) adopts
// cur.
//
// An embedded ledger's log lives in one instance's data directory (cur.Keeper
// names that instance; empty for a SQLite store, which only one process
// opens). Its keeper may replace the log (a restore from a backup, a fresh
// start), which the store then records; another instance may take over the
// same log only while the keeper is not running.
func CheckLedger(ctx context.Context, st trace.Store, cur trace.LedgerClaim, log *slog.Logger) error {
	rec, err := st.ClaimLedger(ctx, cur)
	if err != nil {
		return fmt.Errorf("ledger check: %w", err)
	}
	if err := check(ctx, st, rec, cur, log); err != nil {
		return err
	}
	if cur.Kind == "embedded" && cur.Keeper != "" {
		log.Warn("ledger: an embedded ledger on a shared store serves this one instance; a second instance sharing the store is refused at start: to run several, use -ledger fabric",
			"ledger", cur.ID, "instance", cur.Keeper)
	}
	return nil
}

// check accepts cur given the recorded ledger rec, recording cur where it
// takes rec's place, or says why not.
func check(ctx context.Context, st trace.Store, rec, cur trace.LedgerClaim, log *slog.Logger) error {
	switch {
	case rec.Same(cur) && rec.Keeper == cur.Keeper:
		if rec.At.Equal(cur.At) {
			log.Info("ledger: this store's records are now anchored on this ledger", "ledger", describe(cur))
		}
		return nil
	case rec.Kind == "embedded" && cur.Kind == "embedded" && rec.Keeper == cur.Keeper:
		log.Warn("ledger: the embedded ledger's log was replaced (restored or started afresh); the store now records the new one, and records settled on blocks it lacks are anchored again",
			"was", rec.ID, "now", cur.ID)
		return replace(ctx, st, cur)
	case rec.Same(cur):
		running, err := keeperRunning(ctx, st, rec.Keeper)
		if err != nil {
			return fmt.Errorf("ledger check: %w", err)
		}
		if running {
			return fmt.Errorf("this store's records are anchored on %s, which is running: an embedded ledger serves only the instance that keeps it, and every instance sharing a store must use the same ledger: use -ledger fabric", describe(rec))
		}
		log.Warn("ledger: this instance takes over the embedded ledger of an instance that is not running", "ledger", rec.ID, "was_kept_by", rec.Keeper, "now_by", cur.Keeper)
		return replace(ctx, st, cur)
	case rec.Kind == "embedded" && cur.Kind == "embedded":
		return fmt.Errorf("this store's records are anchored on %s; this instance's embedded ledger is %s: every instance sharing a store must use the same ledger: use -ledger fabric", describe(rec), cur.ID)
	default:
		return fmt.Errorf("this store's records are anchored on %s, not on %s: every instance sharing a store must use the same ledger: %s", describe(rec), describe(cur), hint(rec))
	}
}

// keeperWatch is how long keeperRunning watches a keeper the store lists as
// running before it believes it: a store counts an instance it sees for the
// first time as running until its beat is seen standing still (15 s on
// MongoDB), and an instance that is starting has seen none before. Only a
// second instance on a copy of the keeper's log waits for it.
const keeperWatch = 20 * time.Second

// keeperRunning reports whether the store lists instance keeper as running
// throughout keeperWatch; one that stopped without closing drops out of the
// list within it.
func keeperRunning(ctx context.Context, st trace.Store, keeper string) (bool, error) {
	deadline := time.Now().Add(keeperWatch)
	for {
		live, err := st.LiveInstances(ctx)
		if err != nil || !slices.Contains(live, keeper) {
			return false, err
		}
		if time.Now().After(deadline) {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func replace(ctx context.Context, st trace.Store, cur trace.LedgerClaim) error {
	if err := st.ReplaceLedger(ctx, cur); err != nil {
		return fmt.Errorf("ledger check: %w", err)
	}
	return nil
}

// describe names a ledger for the operator.
func describe(c trace.LedgerClaim) string {
	switch {
	case c.Kind == "fabric":
		return fmt.Sprintf("Fabric channel %s, chaincode %s", c.Channel, c.Chaincode)
	case c.Keeper != "":
		return fmt.Sprintf("embedded ledger %s kept by instance %s", c.ID, c.Keeper)
	default:
		return fmt.Sprintf("embedded ledger %s", c.ID)
	}
}

// hint says how to start on the recorded ledger.
func hint(rec trace.LedgerClaim) string {
	if rec.Kind == "fabric" {
		return fmt.Sprintf("start with -ledger fabric and a -fabric-env naming channel %s and chaincode %s", rec.Channel, rec.Chaincode)
	}
	if rec.Keeper != "" {
		return fmt.Sprintf("only instance %s, which keeps that ledger, may use this store", rec.Keeper)
	}
	return "start with -ledger embedded on the data directory that keeps it"
}
