// Package custodytest makes custody records for tests of the ledgers.
package custodytest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/agritrace/agritrace/chain/custody"
)

// Chain makes n correctly linked event records of one lot.
func Chain(key string, n int) []custody.Record {
	var out []custody.Record
	prev := ""
	for i := range n {
		sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", key, i))
		h := hex.EncodeToString(sum[:])
		out = append(out, custody.Record{Kind: custody.KindEvent, Key: key, Seq: uint64(i), Hash: h, PrevHash: prev})
		prev = h
	}
	return out
}
