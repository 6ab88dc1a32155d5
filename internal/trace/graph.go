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

// Trace walks up and down from a lot.
func (s *Service) Trace(ctx context.Context, lotID string) (Graph, error) {
	up, err := s.Upstream(ctx, lotID)
	if err != nil {
		return Graph{}, err
	}
	g := Graph{Root: lotID, Nodes: up}
	for _, n := range up {
		for _, p := range n.Parents {
			g.Edges = append(g.Edges, Edge{From: p.Lot, To: n.ID, Quantity: p.Quantity})
		}
	}
	// Downstream: every lot made from the root, and what it was made with.
	down, err := s.downstream(ctx, up[0])
	if err != nil {
		return Graph{}, fmt.Errorf("trace %s: %w", lotID, err)
	}
	for _, l := range down[1:] {
		for _, p := range l.Parents {
			if containsLot(down, p.Lot) {
				g.Edges = append(g.Edges, Edge{From: p.Lot, To: l.ID, Quantity: p.Quantity})
			}
		}
		if !containsLot(g.Nodes, l.ID) {
			g.Nodes = append(g.Nodes, l)
		}
	}
	return g, nil
}

func containsLot(ls []Lot, id string) bool {
	for _, l := range ls {
		if l.ID == id {
			return true
		}
	}
	return false
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

// Upstream returns a lot followed by every lot it was made from, breadth first.
func (s *Service) Upstream(ctx context.Context, lotID string) ([]Lot, error) {
	root, err := s.Store.Lot(ctx, lotID)
	if err != nil {
		return nil, err
	}
	out := []Lot{root}
	seen := map[string]bool{root.ID: true}
	for i := 0; i < len(out); i++ {
		for _, p := range out[i].Parents {
			if seen[p.Lot] {
				continue
			}
			seen[p.Lot] = true
			parent, err := s.Store.Lot(ctx, p.Lot)
			if err != nil {
				return nil, fmt.Errorf("upstream of %s: %s: %w", lotID, p.Lot, err)
			}
			out = append(out, parent)
		}
	}
	return out, nil
}
