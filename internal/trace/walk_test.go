package trace_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/trace"
)

// reference walks a graph held in memory lot by lot, breadth first, as the
// trace did when it read one lot per query: the set-based walk must give the
// same lots in the same order and the same edges.
func reference(all []trace.Lot, root string) trace.Graph {
	byID := map[string]trace.Lot{}
	children := map[string][]trace.Lot{}
	for _, l := range all {
		byID[l.ID] = l
		for _, p := range l.Parents {
			children[p.Lot] = append(children[p.Lot], l)
		}
	}
	g := trace.Graph{Root: root, Nodes: []trace.Lot{byID[root]}}
	seen := map[string]bool{root: true}
	for i := 0; i < len(g.Nodes); i++ {
		for _, p := range g.Nodes[i].Parents {
			if !seen[p.Lot] {
				seen[p.Lot] = true
				g.Nodes = append(g.Nodes, byID[p.Lot])
			}
		}
	}
	for _, n := range g.Nodes {
		for _, p := range n.Parents {
			g.Edges = append(g.Edges, trace.Edge{From: p.Lot, To: n.ID, Quantity: p.Quantity})
		}
	}
	down := []trace.Lot{byID[root]}
	inDown := map[string]bool{root: true}
	for i := 0; i < len(down); i++ {
		kids := slices.Clone(children[down[i].ID])
		slices.SortFunc(kids, func(a, b trace.Lot) int { return strings.Compare(a.ID, b.ID) })
		for _, ch := range kids {
			if !inDown[ch.ID] {
				inDown[ch.ID] = true
				down = append(down, ch)
			}
		}
	}
	for _, l := range down[1:] {
		for _, p := range l.Parents {
			if inDown[p.Lot] {
				g.Edges = append(g.Edges, trace.Edge{From: p.Lot, To: l.ID, Quantity: p.Quantity})
			}
		}
		if !seen[l.ID] {
			g.Nodes = append(g.Nodes, l)
		}
	}
	return g
}

func ids(ls []trace.Lot) []string {
	out := []string{}
	for _, l := range ls {
		out = append(out, l.ID)
	}
	return out
}

// TestTraceReadsALevelAtATime checks that the trace of a lot deep in a graph
// with fan-in and fan-out is the lot-by-lot walk's, read with one query per
// level, and that what a shop holding one downstream lot may see of it is
// exactly the lots that lot was made from.
func TestTraceReadsALevelAtATime(t *testing.T) {
	const layers, width = 9, 7
	st := deepGraph(t, layers, width)
	all, err := st.Lots(context.Background(), trace.LotFilter{})
	if err != nil {
		t.Fatal(err)
	}
	svc := trace.NewService(st, nil)
	for _, root := range []string{lotAt(0, 0), lotAt(4, 3), lotAt(layers-1, 6)} {
		st.n.Store(0)
		g, err := svc.Trace(context.Background(), root)
		if err != nil {
			t.Fatal(err)
		}
		want := reference(all, root)
		if fmt.Sprint(ids(g.Nodes)) != fmt.Sprint(ids(want.Nodes)) || fmt.Sprint(g.Edges) != fmt.Sprint(want.Edges) {
			t.Errorf("trace of %s:\n got %v %v\nwant %v %v", root, ids(g.Nodes), g.Edges, ids(want.Nodes), want.Edges)
		}
		// One read of the root, one per level up and one per level down,
		// with an empty last level each way.
		if n := st.n.Load(); n > layers+3 {
			t.Errorf("trace of %s took %d reads, want at most %d", root, n, layers+3)
		}
	}

	// A shop that holds only lot (8, 2): of the trace of (4, 3) it sees the
	// lots (8, 2) was made from, and its read check walks down to it.
	leaf := lotAt(layers-1, 2)
	for i, l := range all {
		if l.ID == leaf {
			l.Holders = append(l.Holders, "corner-shop")
			must(t, st.Commit(context.Background(), trace.Change{Lots: []trace.LotWrite{{Lot: l, PrevSeq: l.Seq}}}))
			all[i] = l
		}
	}
	full := reference(all, lotAt(4, 3))
	var wantNodes []string
	for _, n := range full.Nodes {
		if n.ID == leaf || madeInto(all, n.ID, leaf) {
			wantNodes = append(wantNodes, n.ID)
		}
	}
	g, err := svc.TraceFor(context.Background(), trace.Org{ID: "corner-shop", Roles: []string{trace.RoleRetailer}}, lotAt(4, 3))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids(g.Nodes)) != fmt.Sprint(wantNodes) {
		t.Errorf("corner shop sees %v, want %v", ids(g.Nodes), wantNodes)
	}
	for _, e := range g.Edges {
		if !slices.Contains(wantNodes, e.From) || !slices.Contains(wantNodes, e.To) {
			t.Errorf("corner shop sees edge %+v to a lot it may not read", e)
		}
	}
	if _, err := svc.TraceFor(context.Background(), trace.Org{ID: "elsewhere", Roles: []string{trace.RoleRetailer}}, lotAt(4, 3)); trace.ErrorCode(err) != trace.EFORBIDDEN {
		t.Errorf("a shop that holds nothing of it: err = %v, want EFORBIDDEN", err)
	}
}

// madeInto reports whether lot from went, through any number of steps, into lot to.
func madeInto(all []trace.Lot, from, to string) bool {
	byID := map[string]trace.Lot{}
	for _, l := range all {
		byID[l.ID] = l
	}
	queue, seen := []string{to}, map[string]bool{}
	for len(queue) > 0 {
		for _, p := range byID[queue[0]].Parents {
			if p.Lot == from {
				return true
			}
			if !seen[p.Lot] {
				seen[p.Lot] = true
				queue = append(queue, p.Lot)
			}
		}
		queue = queue[1:]
	}
	return false
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
