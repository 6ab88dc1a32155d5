// Package verify recomputes the hash of every stored event and compares it
// with what the ledger holds, so that an edit of the database, a deleted event
// or a record that never reached the ledger is reported, not hidden.
package verify

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/hashchain"
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
	// Person is the console user the stored record names, if any.
	Person string `json:"person,omitempty"`
	// AfterGap marks an intact record that follows deleted ones: displaced by
	// the gap, not altered itself.
	AfterGap bool `json:"afterGap,omitempty"`
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
	seq         int64
	typ, person string
	hash, prev  string
	compute     func() (string, error)
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
		links[i] = link{seq: e.Seq, typ: e.Type, person: e.Person, hash: e.Hash, prev: e.PrevHash, compute: e.ComputeHash}
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
		links[i] = link{seq: e.Seq, typ: e.Action, person: e.Person, hash: e.Hash, prev: e.PrevHash, compute: e.ComputeHash}
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
		links[i] = link{seq: e.Seq, typ: e.Action, person: e.Person, hash: e.Hash, prev: e.PrevHash, compute: e.ComputeHash}
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
	last := int64(-1)
	for _, e := range entries {
		onLedger[e.Seq] = e
		last = max(last, int64(e.Seq))
	}
	outbox := map[uint64]trace.Anchor{}
	for _, a := range anchors {
		outbox[a.Seq] = a
		last = max(last, int64(a.Seq))
	}
	stored := make([]hashchain.Stored, len(links))
	failed := make([]error, len(links))
	for i, l := range links {
		stored[i] = hashchain.Stored{Seq: l.seq, PrevHash: l.prev, Hash: l.hash}
		stored[i].Computed, failed[i] = l.compute()
	}
	problems, gaps := hashchain.Walk(stored)
	// Records the ledger or the outbox knows past the last stored one were
	// deleted from the end of the chain.
	top := int64(-1)
	for i, l := range links {
		if problems[i] != hashchain.OutOfOrder {
			top = max(top, l.seq)
		}
	}
	for s := top + 1; s <= last; s++ {
		gaps = append(gaps, s)
	}
	r := Report{Kind: kind, Key: key, Ledger: v.Ledger.Info(), Verdict: Verified, Events: []Check{}}
	for i, l := range links {
		c := check(l, stored[i].Computed, problems[i], failed[i], onLedger, outbox)
		r.Verdict = Worst(r.Verdict, c.Verdict)
		r.Events = append(r.Events, c)
	}
	for _, seq := range gaps {
		r.Events = append(r.Events, missing(seq, onLedger, outbox))
		r.Verdict = Worst(r.Verdict, Missing)
	}
	slices.SortStableFunc(r.Events, func(a, b Check) int { return cmp.Compare(a.Seq, b.Seq) })
	return r, nil
}

// missing is the check of a seq the store lacks, saying who still knows it.
func missing(seq int64, onLedger map[uint64]custody.Entry, outbox map[uint64]trace.Anchor) Check {
	c := Check{Seq: seq, Verdict: Missing}
	if e, ok := onLedger[uint64(seq)]; ok {
		c.LedgerHash, c.TxID, c.Block, c.Org = e.Hash, e.TxID, e.Block, e.Org
		c.Reason = fmt.Sprintf("record %d is on the ledger but not in the store: it was deleted", seq)
		return c
	}
	if a, ok := outbox[uint64(seq)]; ok {
		c.LedgerHash = a.Hash
		c.Reason = fmt.Sprintf("record %d was queued for the ledger but is not in the store: it was deleted", seq)
		return c
	}
	c.Reason = fmt.Sprintf("record %d is not in the store, and neither the ledger nor the outbox holds it: it was deleted", seq)
	return c
}

func check(l link, computed, problem string, failed error, onLedger map[uint64]custody.Entry, outbox map[uint64]trace.Anchor) Check {
	c := Check{Seq: l.seq, Type: l.typ, Person: l.person, StoredHash: l.hash, Computed: computed, AfterGap: problem == hashchain.AfterGap}
	if failed != nil {
		c.Verdict, c.Reason = Mismatch, "the stored record cannot be canonicalized: "+failed.Error()
		return c
	}
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
	case problem == hashchain.OutOfOrder:
		c.Verdict, c.Reason = Mismatch, fmt.Sprintf("the store has record %d out of order: its seq was altered", l.seq)
	case problem == hashchain.Edited:
		c.Verdict, c.Reason = Mismatch, "the stored record no longer matches its recorded hash: it was edited"
	case problem == hashchain.Unlinked:
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
	if c.AfterGap && c.Reason == "" {
		c.Reason = fmt.Sprintf("intact; it follows deleted records, so it cannot link to record %d", l.seq-1)
	}
	return c
}
