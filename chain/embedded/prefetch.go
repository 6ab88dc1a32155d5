package embedded

import (
	"encoding/json"
	"fmt"

	"github.com/agritrace/agritrace/chain/custody"
)

// recordID names one record of a chain.
type recordID struct {
	kind, key string
	seq       uint64
}

// prefetched answers custody.State for a batch: what validating the batch
// asks about chains the heads do not know was read from the index in one
// query, since a query per record cost a third of anchoring a batch of new
// chains. The rest goes to the heads.
type prefetched struct {
	l     *Ledger
	asked map[recordID]*custody.Record
}

// prefetch reads from the index every record that validating recs may ask
// for and the heads cannot answer: each record's own (kind, key, seq) and
// the one before it.
func (l *Ledger) prefetch(recs []custody.Record) (*prefetched, error) {
	p := &prefetched{l: l, asked: map[recordID]*custody.Record{}}
	if l.heads.held == nil {
		return p, nil
	}
	var ids [][3]any
	ask := func(id recordID) {
		if _, ok := p.asked[id]; !ok {
			p.asked[id] = nil
			ids = append(ids, [3]any{id.kind, id.key, id.seq})
		}
	}
	for _, r := range recs {
		if _, ok := l.heads.headOf(r.Kind, r.Key); ok {
			continue
		}
		ask(recordID{r.Kind, r.Key, r.Seq})
		if r.Seq > 0 {
			ask(recordID{r.Kind, r.Key, r.Seq - 1})
		}
	}
	if len(ids) == 0 {
		return p, nil
	}
	found, err := l.idx.getMany(ids)
	if err != nil {
		return nil, err
	}
	for i := range found {
		r := found[i].Record
		p.asked[recordID{r.Kind, r.Key, r.Seq}] = &r
	}
	return p, nil
}

// Get implements custody.State.
func (p *prefetched) Get(kind, key string, seq uint64) (*custody.Record, error) {
	if r, ok := p.asked[recordID{kind, key, seq}]; ok {
		return r, nil
	}
	return p.l.heads.Get(kind, key, seq)
}

// getMany returns the entries the index holds among ids, each a
// [kind, key, seq] triple, in one query.
func (x *index) getMany(ids [][3]any) ([]custody.Entry, error) {
	arg, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("index: read %d records: %w", len(ids), err)
	}
	rows, err := x.getEntries.Query(string(arg))
	if err != nil {
		return nil, fmt.Errorf("index: read %d records: %w", len(ids), err)
	}
	return scanEntries(rows)
}
