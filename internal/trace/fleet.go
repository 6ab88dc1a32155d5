package trace

import "time"

// LedgerClaim names the ledger a store's records are anchored on. The first
// instance to anchor through a store records its ledger there, and every
// instance after it must use the same one: records anchored on one ledger
// read as missing on another.
type LedgerClaim struct {
	// Kind, Channel and Chaincode are the ledger's LedgerInfo.
	Kind      string `json:"kind"`
	Channel   string `json:"channel,omitempty"`
	Chaincode string `json:"chaincode,omitempty"`
	// ID names one embedded ledger's log, made when the log was created, so
	// that two data directories' logs differ.
	ID string `json:"id,omitempty"`
	// Keeper is the instance whose data directory keeps an embedded ledger's
	// log; empty for a store only one process can open (SQLite).
	Keeper string    `json:"keeper,omitempty"`
	At     time.Time `json:"at"`
}

// Same reports whether c and o name the same ledger, whoever keeps it.
func (c LedgerClaim) Same(o LedgerClaim) bool {
	return c.Kind == o.Kind && c.Channel == o.Channel && c.Chaincode == o.Chaincode && c.ID == o.ID
}
