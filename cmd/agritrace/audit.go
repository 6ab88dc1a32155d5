package main

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/hashchain"
	"github.com/agritrace/agritrace/internal/trace"
)

// servedEvent is one event as the public API served it, with its hash
// recomputed by the audit from the served JSON, never taken on trust.
type servedEvent struct {
	Seq      int64
	Hash     string // the event's "hash" member, as served
	PrevHash string
	Computed string // the recipe's hash of the served JSON; "" if it could not be hashed
	Pending  bool   // the API says the event is not anchored yet
}

// What an audit finds wrong with one seq of a lot. The codes are stable: the
// -json output carries them for machines.
const (
	findHash        = "hash-differs"
	findHashField   = "hash-field-wrong"
	findPrevHash    = "prevhash-differs"
	findUnlinked    = "prevhash-unlinked"
	findMissingAPI  = "missing-from-api"
	findMissingLedg = "missing-on-ledger"
	findOrder       = "out-of-order"
)

// finding is one difference at one seq of a lot.
type finding struct {
	Seq     int64  `json:"seq"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// recompute reads one event of GET /api/v1/lots/{id}/events and hashes it by
// the README's recipe: the event without "hash" and "anchor". The members
// stay raw JSON so that no number or string is re-encoded before
// canonicalization.
func recompute(raw json.RawMessage) (servedEvent, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return servedEvent{}, fmt.Errorf("event is not a JSON object: %w", err)
	}
	var ev servedEvent
	var anchor struct{ Status string }
	for name, dst := range map[string]any{"seq": &ev.Seq, "hash": &ev.Hash, "prevHash": &ev.PrevHash, "anchor": &anchor} {
		if v, ok := members[name]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return servedEvent{}, fmt.Errorf("event member %s: %w", name, err)
			}
		}
	}
	ev.Pending = anchor.Status == trace.AnchorPending
	delete(members, "hash")
	delete(members, "anchor")
	// An event that cannot be hashed keeps Computed "", which matches no
	// ledger hash and so is reported rather than aborting the audit.
	ev.Computed, _ = hashchain.Hash(members)
	return ev, nil
}

// compareChain checks a lot's served events against the records the
// regulator's peer holds for it: the links of the served chain by the
// project's one chain walker, then seq by seq the recomputed hash and the
// prevHash against the ledger's. It returns the findings ordered by seq;
// none means the lot matches.
func compareChain(served []servedEvent, ledger []custody.Entry) []finding {
	var out []finding
	add := func(seq int64, code, format string, args ...any) {
		out = append(out, finding{Seq: seq, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	sort.SliceStable(served, func(i, j int) bool { return served[i].Seq < served[j].Seq })
	elems := make([]hashchain.Stored, len(served))
	for i, e := range served {
		elems[i] = hashchain.Stored{Seq: e.Seq, PrevHash: e.PrevHash, Hash: e.Hash, Computed: e.Computed}
	}
	// Edited is left to the ledger comparison below, which names the hash
	// the ledger holds; missing seqs are named there too, from both sides.
	problems, _ := hashchain.Walk(elems)
	for i, p := range problems {
		switch p {
		case hashchain.Unlinked:
			before := ""
			if i > 0 {
				before = served[i-1].Hash
			}
			add(served[i].Seq, findUnlinked, "prevHash does not link: it is %s, the hash the API serves for seq %d is %s", show(served[i].PrevHash), served[i].Seq-1, show(before))
		case hashchain.OutOfOrder:
			add(served[i].Seq, findOrder, "the API serves seq %d out of order", served[i].Seq)
		}
	}
	onLedger := map[int64]custody.Entry{}
	for _, r := range ledger {
		onLedger[int64(r.Seq)] = r
	}
	seen := map[int64]bool{}
	for _, e := range served {
		if seen[e.Seq] {
			continue
		}
		seen[e.Seq] = true
		r, ok := onLedger[e.Seq]
		switch {
		case !ok && e.Pending:
			add(e.Seq, findMissingLedg, "record missing on the ledger (the API says it is not anchored yet: run again once anchoring has caught up)")
			continue
		case !ok:
			add(e.Seq, findMissingLedg, "record missing on the ledger, although the API says it is anchored")
			continue
		}
		if e.Computed != r.Hash {
			msg := "hash served by the API differs from the ledger: the event as served hashes to %s, the ledger holds %s"
			if e.Hash == r.Hash {
				msg += " (the event's hash member still says the ledger's hash: its content was changed)"
			}
			add(e.Seq, findHash, msg, show(e.Computed), show(r.Hash))
		} else if e.Hash != r.Hash {
			add(e.Seq, findHashField, "the event's hash member %s is not its hash %s, which the ledger holds", show(e.Hash), show(r.Hash))
		}
		if e.PrevHash != r.PrevHash {
			add(e.Seq, findPrevHash, "prevHash %s differs from the ledger's %s", show(e.PrevHash), show(r.PrevHash))
		}
	}
	for _, r := range ledger {
		if !seen[int64(r.Seq)] {
			add(int64(r.Seq), findMissingAPI, "event missing from the API: the ledger holds hash %s (transaction %s, block %d, written by %s)", show(r.Hash), r.TxID, r.Block, r.Org)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// show writes a hash in a report line, where "" would read as nothing.
func show(h string) string {
	if h == "" {
		return "(none)"
	}
	return h
}
