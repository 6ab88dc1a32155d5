package trace

import (
	"context"

	"github.com/agritrace/agritrace/chain/custody"
)

// Ledger is where custody hashes are anchored: the embedded block log or a
// Fabric channel. Implementations enforce custody.Validate themselves.
type Ledger interface {
	// Anchor writes recs, in order, and returns one receipt per record in the
	// same order. A record the ledger already holds with the same hash is accepted
	// again and answered with its original receipt where the ledger knows it.
	// Errors wrapping custody.ErrGap, ErrPrevHash, ErrOverwrite or ErrInvalid are
	// refusals that retrying cannot cure; any other error is worth retrying.
	Anchor(ctx context.Context, recs []custody.Record) ([]Receipt, error)
	// Chain returns what the ledger holds for one chain, ordered by seq; an empty
	// slice when it holds nothing.
	Chain(ctx context.Context, kind, key string) ([]custody.Entry, error)
	// Info describes the ledger for pages and reports.
	Info() LedgerInfo
}

// Receipt says where a record landed.
type Receipt struct {
	TxID  string `json:"txId"`
	Block uint64 `json:"block"`
}

// LedgerInfo names a ledger: "embedded" or "fabric", and for Fabric the channel
// and chaincode.
type LedgerInfo struct {
	Kind      string `json:"kind"`
	Channel   string `json:"channel,omitempty"`
	Chaincode string `json:"chaincode,omitempty"`
}
