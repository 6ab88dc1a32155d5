package anchor

import (
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
)

// signable keeps of claimed, chain by chain, the records up to the first
// that the ledger cannot sign: a chain goes onto the ledger in seq order, so
// what follows waits for the instance that signs that record. It returns the
// chains cut short (handed) and, among them, those left with nothing to send
// here (gone).
func (w *Worker) signable(claimed []custody.Record) (recs []custody.Record, handed, gone []trace.AnchorChain) {
	sg, ok := w.Ledger.(signer)
	if !ok {
		return claimed, nil, nil
	}
	for _, c := range splitChains(claimed) {
		n := 0
		for n < len(c) && sg.Signs(c[n].By) {
			n++
		}
		recs = append(recs, c[:n]...)
		if n == len(c) {
			continue
		}
		handed = append(handed, trace.ChainOf(c[0]))
		if n == 0 {
			gone = append(gone, trace.ChainOf(c[0]))
		}
		w.Log.Debug("next record of the chain is another organization's to sign; left to its node",
			"kind", c[n].Kind, "key", c[n].Key, "seq", c[n].Seq, "by", c[n].By)
	}
	return recs, handed, gone
}

// handOff leaves chains to other instances for Handoff: skipped, as set-aside
// chains are, but not a failure, so a chain's wait after failures is kept.
func (w *Worker) handOff(chains []trace.AnchorChain, now time.Time) {
	if len(chains) == 0 {
		return
	}
	if w.aside == nil {
		w.aside = map[trace.AnchorChain]retry{}
	}
	for _, c := range chains {
		r := w.aside[c]
		if until := now.Add(w.Handoff); until.After(r.at) {
			r.at = until
		}
		w.aside[c] = r
	}
}
