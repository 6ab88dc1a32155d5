package demo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
)

// graphChunk is the most events Graph sends in one batch.
const graphChunk = 5000

// load sends a round's stages in order, each as its organization, and the
// shop's sales of the bottles the mill packed.
func (g *graph) load(ctx context.Context, as func(string) Client, r *round) error {
	r.collector.org, r.dcIn.org, r.mill.org, r.dcOut.org, r.shop.org = Collector, DC, Mill, DC, Shop
	for _, st := range []*stage{&r.collector, &r.dcIn, &r.mill, &r.dcOut} {
		items, err := g.send(ctx, as(st.org), st)
		if err != nil {
			return err
		}
		if st != &r.mill {
			continue
		}
		for _, p := range r.packs {
			var res trace.Result
			if err := json.Unmarshal(items[p.index].Result, &res); err != nil || len(res.Units) < 3 {
				return fmt.Errorf("graph: packing %s: %d units, %v", p.lot, len(res.Units), err)
			}
			serials := []string{res.Units[0].Serial, res.Units[1].Serial, res.Units[2].Serial}
			r.shop.add(1, BatchEvent{Op: "sell", Lot: p.lot, Body: trace.SellInput{Serials: serials}})
		}
	}
	_, err := g.send(ctx, as(Shop), &r.shop)
	return err
}

// send posts a stage in batches of up to graphChunk events; every event must
// be accepted.
func (g *graph) send(ctx context.Context, c Client, st *stage) ([]BatchItem, error) {
	var all []BatchItem
	for from := 0; from < len(st.events); from += graphChunk {
		chunk := st.events[from:min(from+graphChunk, len(st.events))]
		a, err := c.Batch(ctx, chunk)
		if err != nil {
			return nil, fmt.Errorf("graph: batch of %s: %w", st.org, err)
		}
		for _, it := range a.Results {
			if it.Error != nil {
				return nil, fmt.Errorf("graph: %s event %d (%s %s): %w", st.org, from+it.Index, chunk[it.Index].Op, chunk[it.Index].Lot, it.Error)
			}
		}
		all = append(all, a.Results...)
	}
	g.stats.Events += st.stored
	return all, nil
}
