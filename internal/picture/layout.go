package picture

import (
	"cmp"
	"slices"
)

// A layered drawing in the manner of Sugiyama: vertices go into columns by
// longest path from the inputs, an edge that spans several columns passes
// through a dummy vertex in each column between (so it never crosses a box),
// and the order within each column is improved by barycenter sweeps.

// vertex is a lot (real) or a point an edge passes through (dummy).
type vertex struct {
	layer int
	real  bool
	y, h  float64 // top and height, once placed
	pos   int     // index within its layer
	in    []int   // segments arriving, by index into layout.segs
	out   []int   // segments leaving
}

// segment joins vertices in adjacent layers.
type segment struct{ from, to int }

// chain is one flow of the graph as the vertices it passes through; reversed
// when the flow was turned around to break a cycle.
type chain struct {
	verts    []int
	reversed bool
}

type layout struct {
	verts  []vertex
	segs   []segment
	chains []chain
	layers [][]int
}

// arc is a flow between real vertices.
type arc struct{ from, to int }

// newLayout lays out n real vertices joined by arcs (already without
// duplicates and self-loops); chains[i] follows arcs[i].
func newLayout(n int, arcs []arc, realH, dummyH, gap float64) *layout {
	l := build(n, arcs)
	l.order()
	l.place(realH, dummyH, gap)
	return l
}

// build puts vertices in layers, in topological order within each.
func build(n int, arcs []arc) *layout {
	l := &layout{}
	order := topoOrder(n, arcs)
	rank := make([]int, n)
	for i, v := range order {
		rank[v] = i
	}
	// Longest path layering over arcs turned to follow the order, so data
	// with a cycle (which custody data should never hold) still lays out.
	norm := make([]arc, len(arcs))
	for i, a := range arcs {
		if rank[a.from] > rank[a.to] {
			a.from, a.to = a.to, a.from
		}
		norm[i] = a
	}
	succ := make([][]int, n)
	for _, a := range norm {
		succ[a.from] = append(succ[a.from], a.to)
	}
	layer := make([]int, n)
	for _, v := range order {
		for _, w := range succ[v] {
			layer[w] = max(layer[w], layer[v]+1)
		}
	}
	for v := range n {
		l.add(layer[v], true)
	}
	for i, a := range norm {
		c := chain{verts: []int{a.from}, reversed: a != arcs[i]}
		prev := a.from
		for k := layer[a.from] + 1; k <= layer[a.to]; k++ {
			next := a.to
			if k < layer[a.to] {
				next = l.add(k, false)
			}
			l.segs = append(l.segs, segment{prev, next})
			l.verts[prev].out = append(l.verts[prev].out, len(l.segs)-1)
			l.verts[next].in = append(l.verts[next].in, len(l.segs)-1)
			c.verts = append(c.verts, next)
			prev = next
		}
		l.chains = append(l.chains, c)
	}
	// Start from the topological order, which already keeps families
	// together, then let the sweeps improve it.
	for _, v := range order {
		l.layers[layer[v]] = append(l.layers[layer[v]], v)
	}
	for v := n; v < len(l.verts); v++ {
		k := l.verts[v].layer
		l.layers[k] = append(l.layers[k], v)
	}
	l.renumber()
	return l
}

func (l *layout) add(layer int, real bool) int {
	for len(l.layers) <= layer {
		l.layers = append(l.layers, nil)
	}
	l.verts = append(l.verts, vertex{layer: layer, real: real})
	return len(l.verts) - 1
}

func (l *layout) renumber() {
	for _, vs := range l.layers {
		for i, v := range vs {
			l.verts[v].pos = i
		}
	}
}

// topoOrder orders vertices so arcs go forward, as far as cycles allow;
// vertices on a cycle follow in their given order.
func topoOrder(n int, arcs []arc) []int {
	indeg := make([]int, n)
	succ := make([][]int, n)
	for _, a := range arcs {
		succ[a.from] = append(succ[a.from], a.to)
		indeg[a.to]++
	}
	var order, queue []int
	done := make([]bool, n)
	for v := range n {
		if indeg[v] == 0 {
			queue = append(queue, v)
		}
	}
	for len(order) < n {
		if len(queue) == 0 {
			for v := range n {
				if !done[v] {
					queue = append(queue, v)
					break
				}
			}
		}
		v := queue[0]
		queue = queue[1:]
		if done[v] {
			continue
		}
		done[v] = true
		order = append(order, v)
		for _, w := range succ[v] {
			if indeg[w]--; indeg[w] == 0 && !done[w] {
				queue = append(queue, w)
			}
		}
	}
	return order
}

// sweeps bounds the barycenter passes; orderings rarely improve after a few.
const sweeps = 12

// order reduces crossings: each sweep sorts every column by the mean
// position of its neighbours in the column before it (down) or after it
// (up), and the best ordering seen is kept.
func (l *layout) order() {
	best, bestX := l.snapshot(), l.crossings()
	stale := 0
	for i := 0; i < sweeps && bestX > 0 && stale < 3; i++ {
		if i%2 == 0 {
			for k := 1; k < len(l.layers); k++ {
				l.sortLayer(k, func(s segment) int { return s.from }, func(v vertex) []int { return v.in })
			}
		} else {
			for k := len(l.layers) - 2; k >= 0; k-- {
				l.sortLayer(k, func(s segment) int { return s.to }, func(v vertex) []int { return v.out })
			}
		}
		if x := l.crossings(); x < bestX {
			best, bestX, stale = l.snapshot(), x, 0
		} else {
			stale++
		}
	}
	l.layers = best
	l.renumber()
}

func (l *layout) sortLayer(k int, other func(segment) int, segsOf func(vertex) []int) {
	key := make(map[int]float64, len(l.layers[k]))
	for _, v := range l.layers[k] {
		segs := segsOf(l.verts[v])
		if len(segs) == 0 {
			key[v] = float64(l.verts[v].pos) // no neighbours there: stay put
			continue
		}
		sum := 0
		for _, s := range segs {
			sum += l.verts[other(l.segs[s])].pos
		}
		key[v] = float64(sum) / float64(len(segs))
	}
	slices.SortStableFunc(l.layers[k], func(a, b int) int { return cmp.Compare(key[a], key[b]) })
	for i, v := range l.layers[k] {
		l.verts[v].pos = i
	}
}

func (l *layout) snapshot() [][]int {
	out := make([][]int, len(l.layers))
	for k, vs := range l.layers {
		out[k] = slices.Clone(vs)
	}
	return out
}

// crossings counts pairs of segments that cross, per pair of columns, as
// inversions: O(E log V) with a Fenwick tree.
func (l *layout) crossings() int {
	total := 0
	for k := 0; k+1 < len(l.layers); k++ {
		var ends [][2]int
		for _, v := range l.layers[k] {
			for _, s := range l.verts[v].out {
				ends = append(ends, [2]int{l.verts[v].pos, l.verts[l.segs[s].to].pos})
			}
		}
		slices.SortFunc(ends, func(a, b [2]int) int {
			return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
		})
		tree := make([]int, len(l.layers[k+1])+1)
		for i, e := range ends {
			// Earlier segments ending strictly below this one cross it.
			le := 0
			for j := e[1] + 1; j > 0; j -= j & -j {
				le += tree[j]
			}
			total += i - le
			for j := e[1] + 1; j < len(tree); j += j & -j {
				tree[j]++
			}
		}
	}
	return total
}

// place stacks each column's vertices top to bottom and centres the column
// against the tallest, so boxes in a column never overlap.
func (l *layout) place(realH, dummyH, gap float64) {
	heights := make([]float64, len(l.layers))
	for k, vs := range l.layers {
		for i, v := range vs {
			l.verts[v].h = dummyH
			if l.verts[v].real {
				l.verts[v].h = realH
			}
			if i > 0 {
				heights[k] += gap
			}
			heights[k] += l.verts[v].h
		}
	}
	tallest := slices.Max(append(heights, 0))
	for k, vs := range l.layers {
		y := (tallest - heights[k]) / 2
		for _, v := range vs {
			l.verts[v].y = y
			y += l.verts[v].h + gap
		}
	}
}

// height is the height of the tallest column.
func (l *layout) height() float64 {
	h := 0.0
	for _, v := range l.verts {
		h = max(h, v.y+v.h)
	}
	return h
}
