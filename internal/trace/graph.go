package trace

import (
	"context"
	"fmt"
)

// Graph is the provenance of a lot: every lot upstream of it through
// transforms, splits, merges and packs, and every lot made from it.
type Graph struct {
	Root  string `json:"root"`
	Nodes []Lot  `json:"nodes"`
	Edges []Edge `json:"edges"`
}

// Edge says that Quantity of lot From went into lot To.
type Edge struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Quantity int64  `json:"quantity"`
}

// Trace walks up and down from a lot, reading the graph a level at a time.
func (s *Service) Trace(ctx context.Context, lotID string) (Graph, error) {
	up, err := s.Upstream(ctx, lotID)
	if err != nil {
		return Graph{}, err
	}
	g := Graph{Root: lotID, Nodes: up}
	inGraph := map[string]bool{}
	for _, n := range up {
		inGraph[n.ID] = true
		for _, p := range n.Parents {
			g.Edges = append(g.Edges, Edge{From: p.Lot, To: n.ID, Quantity: p.Quantity})
		}
	}
	// Downstream: every lot made from the root, and what it was made with.
	down, err := s.downstream(ctx, up[0])
	if err != nil {
		return Graph{}, fmt.Errorf("trace %s: %w", lotID, err)
	}
	inDown := map[string]bool{}
	for _, l := range down {
		inDown[l.ID] = true
	}
	for _, l := range down[1:] {
		for _, p := range l.Parents {
			if inDown[p.Lot] {
				g.Edges = append(g.Edges, Edge{From: p.Lot, To: l.ID, Quantity: p.Quantity})
			}
		}
		if !inGraph[l.ID] {
			inGraph[l.ID] = true
			g.Nodes = append(g.Nodes, l)
		}
	}
	return g, nil
}

// Origins returns the lots at the top of a lot's provenance: those that came
// in from growers rather than from other lots.
func (g Graph) Origins() []Lot {
	var out []Lot
	for _, n := range g.Nodes {
		if len(n.Parents) == 0 && n.Origin != nil {
			out = append(out, n)
		}
	}
	return out
}

// Upstream returns a lot followed by every lot it was made from, breadth
// first: one read for the lot, then one per level of its provenance.
func (s *Service) Upstream(ctx context.Context, lotID string) ([]Lot, error) {
	root, err := s.Store.Lot(ctx, lotID)
	if err != nil {
		return nil, err
	}
	out := []Lot{root}
	seen := map[string]bool{root.ID: true}
	for level := out; len(level) > 0; {
		var ids []string
		for _, l := range level {
			for _, p := range l.Parents {
				if !seen[p.Lot] {
					seen[p.Lot] = true
					ids = append(ids, p.Lot)
				}
			}
		}
		if level, err = s.lotsInOrder(ctx, ids); err != nil {
			return nil, fmt.Errorf("upstream of %s: %w", lotID, err)
		}
		out = append(out, level...)
	}
	return out, nil
}

// lotsInOrder reads lots in one go and returns them in the order of ids;
// ENOTFOUND names the first that is missing.
func (s *Service) lotsInOrder(ctx context.Context, ids []string) ([]Lot, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	got, err := s.Store.LotsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]Lot, len(got))
	for _, l := range got {
		byID[l.ID] = l
	}
	out := make([]Lot, 0, len(ids))
	for _, id := range ids {
		l, ok := byID[id]
		if !ok {
			return nil, Errorf(ENOTFOUND, "lot %s not found", id)
		}
		out = append(out, l)
	}
	return out, nil
}

// downstream returns root and every lot made from it, breadth first, with
// one read per level; within a level, children follow their first parent in
// the level above, ordered by id.
func (s *Service) downstream(ctx context.Context, root Lot) ([]Lot, error) {
	out := []Lot{root}
	seen := map[string]bool{root.ID: true}
	for level := out; len(level) > 0; {
		ids := make([]string, len(level))
		for i, l := range level {
			ids[i] = l.ID
		}
		children, err := s.Store.ChildLots(ctx, ids)
		if err != nil {
			return nil, err
		}
		byParent := map[string][]Lot{}
		for _, ch := range children {
			for _, p := range ch.Parents {
				byParent[p.Lot] = append(byParent[p.Lot], ch)
			}
		}
		var next []Lot
		for _, l := range level {
			for _, ch := range byParent[l.ID] {
				if !seen[ch.ID] {
					seen[ch.ID] = true
					next = append(next, ch)
				}
			}
		}
		out, level = append(out, next...), next
	}
	return out, nil
}
