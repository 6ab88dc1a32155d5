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

// Report is the verification of one chain: a lot's events or a complaint's trail.
type Report struct {
	Kind    string           `json:"kind"`
	Key     string           `json:"key"`
	Ledger  trace.LedgerInfo `json:"ledger"`
	Verdict string           `json:"verdict"`
	Events  []Check          `json:"events"`
}

// Verifier reads chains from the store and records from the ledger.
type Verifier struct {
	Store  trace.Store
	Ledger trace.Ledger
}

// link is one stored element of a chain, whatever its type.
type link struct {
	seq        int64
	typ        string
	hash, prev string
	compute    func() (string, error)
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
	links := make([]link, len(events))
	for i, e := range events {
		links[i] = link{seq: e.Seq, typ: e.Type, hash: e.Hash, prev: e.PrevHash, compute: e.ComputeHash}
	}
	return v.chain(ctx, custody.KindEvent, lotID, links)
}

// Complaint verifies every entry of a complaint's audit trail.
func (v Verifier) Complaint(ctx context.Context, id string) (Report, error) {
	if _, err := v.Store.Complaint(ctx, id); err != nil {
		return Report{}, err
	}
	entries, err := v.Store.ComplaintEntries(ctx, id)
	if err != nil {
		return Report{}, fmt.Errorf("verify complaint %s: %w", id, err)
	}
	links := make([]link, len(entries))
	for i, e := range entries {
		links[i] = link{seq: e.Seq, typ: e.Action, hash: e.Hash, prev: e.PrevHash, compute: e.ComputeHash}
	}
	return v.chain(ctx, custody.KindComplaint, id, links)
}

// Licence verifies the chain of licence grants and revocations of a GTIN.
func (v Verifier) Licence(ctx context.Context, gtin string) (Report, error) {
	entries, err := v.Store.LicenceEntries(ctx, gtin)
	if err != nil {
		return Report{}, fmt.Errorf("verify licences of %s: %w", gtin, err)
	}
	links := make([]link, len(entries))
	for i, e := range entries {
		links[i] = link{seq: e.Seq, typ: e.Action, hash: e.Hash, prev: e.PrevHash, compute: e.ComputeHash}
	}
	return v.chain(ctx, custody.KindLicence, gtin, links)
}

func (v Verifier) chain(ctx context.Context, kind, key string, links []link) (Report, error) {
	anchors, err := v.Store.Anchors(ctx, kind, key)
	if err != nil {
		return Report{}, fmt.Errorf("verify %s %s: %w", kind, key, err)
	}
	entries, err := v.Ledger.Chain(ctx, kind, key)
	if err != nil {
		return Report{}, fmt.Errorf("verify %s %s: read ledger: %w", kind, key, err)
	}
	onLedger := map[uint64]custody.Entry{}
	for _, e := range entries {
		onLedger[e.Seq] = e
	}
	outbox := map[uint64]trace.Anchor{}
	for _, a := range anchors {
		outbox[a.Seq] = a
	}
	r := Report{Kind: kind, Key: key, Ledger: v.Ledger.Info(), Verdict: Verified, Events: []Check{}}
	prev := ""
	for i, l := range links {
		c := check(l, prev, int64(i), onLedger, outbox)
		// Chain to the stored hash: an edited element is then reported once, not
		// again as a broken link in the one after it.
		prev = l.hash
		r.Verdict = Worst(r.Verdict, c.Verdict)
		r.Events = append(r.Events, c)
	}
	// Records on the ledger with nothing in the store: the element was deleted.
	for _, e := range entries {
		if e.Seq >= uint64(len(links)) {
			r.Events = append(r.Events, Check{
				Seq: int64(e.Seq), LedgerHash: e.Hash, Verdict: Missing, TxID: e.TxID, Org: e.Org,
				Reason: "the ledger holds this record but the store does not: it was deleted",
			})
			r.Verdict = Worst(r.Verdict, Missing)
		}
	}
	return r, nil
}

func check(l link, prev string, want int64, onLedger map[uint64]custody.Entry, outbox map[uint64]trace.Anchor) Check {
	c := Check{Seq: l.seq, Type: l.typ, StoredHash: l.hash}
	computed, err := l.compute()
	if err != nil {
		c.Verdict, c.Reason = Mismatch, "the stored record cannot be canonicalized: "+err.Error()
		return c
	}
	c.Computed = computed
	a, queued := outbox[uint64(l.seq)]
	if queued {
		c.TxID, c.Block = a.TxID, a.Block
	}
	entry, held := onLedger[uint64(l.seq)]
	if held {
		c.LedgerHash, c.TxID, c.Org = entry.Hash, entry.TxID, entry.Org
		if entry.Block != 0 {
			c.Block = entry.Block
		}
	}
	switch {
	case l.seq != want:
		c.Verdict, c.Reason = Mismatch, fmt.Sprintf("the store has record %d where %d belongs: records were removed", l.seq, want)
	case computed != l.hash:
		c.Verdict, c.Reason = Mismatch, "the stored record no longer matches its recorded hash: it was edited"
	case l.prev != prev:
		c.Verdict, c.Reason = Mismatch, "the record does not chain to the one before it"
	case held && entry.Hash != computed:
		c.Verdict, c.Reason = Mismatch, "the ledger holds a different hash for this record: the store was altered"
	case held:
		c.Verdict = Verified
	case queued && a.Status == trace.AnchorPending:
		c.Verdict, c.Reason = Pending, "waiting to be anchored on the ledger"
	case queued && a.Status == trace.AnchorRejected:
		c.Verdict, c.Reason = Mismatch, "the ledger refused this record: "+a.Error
	case queued:
		c.Verdict, c.Reason = Missing, "the store says this record was anchored, but the ledger does not hold it"
	default:
		c.Verdict, c.Reason = Missing, "this record was never queued for the ledger"
	}
	return c
}
