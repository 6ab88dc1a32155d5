// Package hashchain links and checks AgriTrace's hash chains: a lot's custody
// events, a complaint's trail, and any other append-only record sequence.
// Element seq of a chain carries seq (0, 1, 2...), prevHash (the hash of
// element seq-1, "" for the first) and hash, the lowercase hex SHA-256 of the
// element's RFC 8785 canonical JSON without "hash". Anyone holding the
// elements can recompute every hash with that recipe.
package hashchain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/agritrace/agritrace/internal/jcs"
)

// Head is the end of a chain: its last element's seq and hash, or Empty.
type Head struct {
	Seq  int64
	Hash string
}

// Empty is the head of a chain with no elements.
var Empty = Head{Seq: -1}

// Next returns the seq and prevHash of the element that follows h.
func (h Head) Next() (seq int64, prevHash string) { return h.Seq + 1, h.Hash }

// Hash returns the hash of an element; body is the element with every field
// but "hash", as the chain's JSON shows it.
func Hash(body any) (string, error) {
	b, err := jcs.Marshal(body)
	if err != nil {
		return "", fmt.Errorf("hashchain: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Stored is one element as read back from a store, with its hash
// recomputed from its content (Computed is "" when that failed).
type Stored struct {
	Seq      int64
	PrevHash string
	Hash     string
	Computed string
}

// Problems a walk finds in a stored element.
const (
	// Intact: the element's hash matches its content and links to the element before it.
	Intact = ""
	// Edited: the content no longer gives the recorded hash.
	Edited = "edited"
	// Unlinked: prevHash is not the hash of the element stored before it,
	// although no element is missing in between.
	Unlinked = "unlinked"
	// AfterGap: the element itself is intact but follows a gap, so it cannot
	// link to the element before it; it is displaced by the gap, not altered.
	AfterGap = "after-gap"
	// OutOfOrder: the seq is not above that of the element stored before it,
	// or jumps further ahead than MaxGap.
	OutOfOrder = "out-of-order"
)

// MaxGap is the largest run of missing elements Walk names one by one; a seq
// further ahead is taken for an altered seq, so that one edited number
// cannot make a verifier list billions of missing records.
const MaxGap = 1 << 16

// Walk checks stored elements ordered by seq. It returns one problem per
// element and the seqs absent from the store: below the last stored seq, or
// all of them if the first element is not seq 0. Elements after a gap are
// judged on their own hashes, so a deleted element is named once and does not
// make every later element look wrong.
func Walk(elems []Stored) (problems []string, missing []int64) {
	problems = make([]string, len(elems))
	prev := Empty
	for i, e := range elems {
		want, wantPrev := prev.Next()
		if e.Seq < want || e.Seq-want > MaxGap {
			problems[i] = OutOfOrder
			continue
		}
		for s := want; s < e.Seq; s++ {
			missing = append(missing, s)
		}
		switch {
		case e.Computed != e.Hash:
			problems[i] = Edited
		case e.Seq > want:
			problems[i] = AfterGap
		case e.PrevHash != wantPrev:
			problems[i] = Unlinked
		}
		// Link to the stored hash: an edited element is reported once, not again
		// as a broken link in the one after it.
		prev = Head{Seq: e.Seq, Hash: e.Hash}
	}
	return problems, missing
}
