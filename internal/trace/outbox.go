package trace

import "github.com/agritrace/agritrace/chain/custody"

// AnchorChain names one chain of outbox records, the unit that instances
// claim and that the ledger orders by seq.
type AnchorChain struct {
	Kind string
	Key  string
}

// ChainOf is the chain r belongs to.
func ChainOf(r custody.Record) AnchorChain { return AnchorChain{Kind: r.Kind, Key: r.Key} }

// WholeChains trims recs, outbox records ordered chain by chain and read
// up to limit+1 at a time, to at most limit records of whole chains: the
// extra record tells whether the last chain went on past the limit, and such
// a chain is left for the next turn, unless it is the only one, whose first
// limit records then go (the rest follows them in seq order next time).
func WholeChains(recs []custody.Record, limit int) []custody.Record {
	if len(recs) <= limit {
		return recs
	}
	last := ChainOf(recs[limit-1])
	if ChainOf(recs[limit]) != last {
		return recs[:limit]
	}
	i := limit - 1
	for i > 0 && ChainOf(recs[i-1]) == last {
		i--
	}
	if i == 0 {
		return recs[:limit]
	}
	return recs[:i]
}
