package embedded

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/agritrace/agritrace/chain/custody"
)

// cachedHeads bounds the chain heads an open ledger keeps: about ten
// megabytes, enough for the chains being extended now, however many the log
// holds.
const cachedHeads = 100_000

// heads answers custody.State from the last record of each chain it has
// seen, which is what validating the next records of a chain asks for, and
// asks held for the rest.
type heads struct {
	m map[chainKey]head
	// limit bounds m (0: no bound); past it m starts again.
	limit int
	// held finds what m does not know; nil when m has seen every record
	// there is, so that what it does not know does not exist.
	held func(kind, key string, seq uint64) (*custody.Record, error)
}

// head is a chain's last record, about 130 bytes with its key.
type head struct {
	seq        uint64
	hash, prev [sha256.Size]byte
}

func newHeads(limit int) heads { return heads{m: map[chainKey]head{}, limit: limit} }

// Get implements custody.State.
func (h *heads) Get(kind, key string, seq uint64) (*custody.Record, error) {
	if last, ok := h.m[chainKey{kind, key}]; ok {
		switch {
		case seq == last.seq:
			r := &custody.Record{Kind: kind, Key: key, Seq: seq, Hash: hex.EncodeToString(last.hash[:])}
			if seq > 0 { // seq 0 has no prevHash (Record.Check)
				r.PrevHash = hex.EncodeToString(last.prev[:])
			}
			return r, nil
		case seq > last.seq:
			return nil, nil
		}
	}
	if h.held == nil {
		return nil, nil
	}
	return h.held(kind, key, seq)
}

// note records that recs, which Validate accepted, are now held.
func (h *heads) note(recs []custody.Record) {
	if h.limit > 0 && len(h.m)+len(recs) > h.limit {
		clear(h.m)
	}
	for _, r := range recs {
		last := head{seq: r.Seq}
		// Validate checked both are 64 hex digits, or prevHash empty at seq 0.
		hex.Decode(last.hash[:], []byte(r.Hash))
		hex.Decode(last.prev[:], []byte(r.PrevHash))
		h.m[chainKey{r.Kind, r.Key}] = last
	}
}

// headOf returns a chain's head, if known.
func (h *heads) headOf(kind, key string) (head, bool) {
	last, ok := h.m[chainKey{kind, key}]
	return last, ok
}
