// Package verify recomputes the hash of every stored event and compares it
// with what the ledger holds, so that an edit of the database, a deleted event
// or a record that never reached the ledger is reported, not hidden.
package verify

import (
	"context"
	"fmt"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
)

// Verdicts, from best to worst.
const (
	Verified = "verified"
	Pending  = "pending"
	Missing  = "missing"
	Mismatch = "mismatch"
)

var rank = map[string]int{Verified: 0, Pending: 1, Missing: 2, Mismatch: 3}

// Worst returns the worse of two verdicts.
func Worst(a, b string) string {
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// Check is the verdict on one event.
type Check struct {
	Seq        int64  `json:"seq"`
	Type       string `json:"type,omitempty"`
	StoredHash string `json:"storedHash,omitempty"`
	Computed   string `json:"computedHash,omitempty"`
	LedgerHash string `json:"ledgerHash,omitempty"`
	Verdict    string `json:"verdict"`
	Reason     string `json:"reason,omitempty"`
	TxID       string `json:"txId,omitempty"`
	Block      uint64 `json:"block,omitempty"`
	Org        string `json:"org,omitempty"`
}

// Report is the verification of one lot.
type Report struct {
	Lot     string           `json:"lot"`
	Ledger  trace.LedgerInfo `json:"ledger"`
	Verdict string           `json:"verdict"`
	Events  []Check          `json:"events"`
}

// Verifier reads events from the store and records from the ledger.
type Verifier struct {
	Store  trace.Store
	Ledger trace.Ledger
}

// Lot verifies every event of a lot.
func (v Verifier) Lot(ctx context.Context, lotID string) (Report, error) {
	events, err := v.Store.Events(ctx, lotID)
	if err != nil {
		return Report{}, fmt.Errorf("verify lot %s: %w", lotID, err)
	}
	if len(events) == 0 {
		if _, err := v.Store.Lot(ctx, lotID); err != nil {
			return Report{}, err
		}
	}
	anchors, err := v.Store.Anchors(ctx, custody.KindEvent, lotID)
	if err != nil {
		return Report{}, fmt.Errorf("verify lot %s: %w", lotID, err)
	}
	entries, err := v.Ledger.Chain(ctx, custody.KindEvent, lotID)
	if err != nil {
		return Report{}, fmt.Errorf("verify lot %s: read ledger: %w", lotID, err)
	}
	onLedger := map[uint64]custody.Entry{}
	for _, e := range entries {
		onLedger[e.Seq] = e
	}
	outbox := map[uint64]trace.Anchor{}
	for _, a := range anchors {
		outbox[a.Seq] = a
	}
	r := Report{Lot: lotID, Ledger: v.Ledger.Info(), Verdict: Verified, Events: []Check{}}
	prev := ""
	for i, e := range events {
		c := check(e, prev, int64(i), onLedger, outbox)
		// Chain to the stored hash: an edited event is then reported once, not
		// again as a broken link in the event after it.
		prev = e.Hash
		r.Verdict = Worst(r.Verdict, c.Verdict)
		r.Events = append(r.Events, c)
	}
	// Records on the ledger with no event in the store: the event was deleted.
	for _, e := range entries {
		if e.Seq >= uint64(len(events)) {
			r.Events = append(r.Events, Check{
				Seq: int64(e.Seq), LedgerHash: e.Hash, Verdict: Missing, TxID: e.TxID, Org: e.Org,
				Reason: "the ledger holds this event but the store does not: it was deleted",
			})
			r.Verdict = Worst(r.Verdict, Missing)
		}
	}
	return r, nil
}

func check(e trace.Event, prev string, want int64, onLedger map[uint64]custody.Entry, outbox map[uint64]trace.Anchor) Check {
	c := Check{Seq: e.Seq, Type: e.Type, StoredHash: e.Hash}
	computed, err := e.ComputeHash()
	if err != nil {
		c.Verdict, c.Reason = Mismatch, "the stored event cannot be canonicalized: "+err.Error()
		return c
	}
	c.Computed = computed
	a, queued := outbox[uint64(e.Seq)]
	if queued {
		c.TxID, c.Block = a.TxID, a.Block
	}
	entry, held := onLedger[uint64(e.Seq)]
	if held {
		c.LedgerHash, c.TxID, c.Org = entry.Hash, entry.TxID, entry.Org
		if entry.Block != 0 {
			c.Block = entry.Block
		}
	}
	switch {
	case e.Seq != want:
		c.Verdict, c.Reason = Mismatch, fmt.Sprintf("the store has event %d where %d belongs: events were removed", e.Seq, want)
	case computed != e.Hash:
		c.Verdict, c.Reason = Mismatch, "the stored event no longer matches its recorded hash: it was edited"
	case e.PrevHash != prev:
		c.Verdict, c.Reason = Mismatch, "the event does not chain to the one before it"
	case held && entry.Hash != computed:
		c.Verdict, c.Reason = Mismatch, "the ledger holds a different hash for this event: the store was altered"
	case held:
		c.Verdict = Verified
	case queued && a.Status == trace.AnchorPending:
		c.Verdict, c.Reason = Pending, "waiting to be anchored on the ledger"
	case queued && a.Status == trace.AnchorRejected:
		c.Verdict, c.Reason = Mismatch, "the ledger refused this event: "+a.Error
	case queued:
		c.Verdict, c.Reason = Missing, "the store says this event was anchored, but the ledger does not hold it"
	default:
		c.Verdict, c.Reason = Missing, "this event was never queued for the ledger"
	}
	return c
}
