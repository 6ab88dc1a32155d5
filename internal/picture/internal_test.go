package picture

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// luminance is WCAG 2's relative luminance of a #rrggbb colour.
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil || len(hex) != 7 {
		t.Fatalf("colour %q", hex)
	}
	lin := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(v>>16&0xff) + 0.7152*lin(v>>8&0xff) + 0.0722*lin(v&0xff)
}

func TestTextContrast(t *testing.T) {
	for fg, bgs := range textOn {
		for _, bg := range bgs {
			a, b := luminance(t, fg), luminance(t, bg)
			if ratio := (max(a, b) + 0.05) / (min(a, b) + 0.05); ratio < 4.5 {
				t.Errorf("text %s on %s: contrast %.2f:1, want at least 4.5:1", fg, bg, ratio)
			}
		}
	}
}

// TestBarycenterOrdering checks the sweeps on a random flow much like a
// county's season: they must cut crossings, and a layout must never end up
// with more than it started with.
func TestBarycenterOrdering(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var arcs []arc
	const n = 200
	for to := 1; to < n; to++ {
		for range 1 + r.IntN(2) {
			arcs = append(arcs, arc{r.IntN(to), to})
		}
	}
	slices.SortFunc(arcs, func(a, b arc) int { return cmp.Or(a.from-b.from, a.to-b.to) })
	arcs = slices.Compact(arcs)
	l := build(n, arcs)
	before := l.crossings()
	l.order()
	if after := l.crossings(); after >= before || after > before/2 {
		t.Errorf("crossings %d before ordering, %d after: want at most half", before, after)
	}
	// Two inputs listed so that their flows cross: 0 feeds 3 and 1 feeds 2,
	// but 3 comes first in the second column.
	l = build(4, []arc{{0, 3}, {1, 2}})
	l.layers[1] = []int{3, 2}
	l.renumber()
	l.order()
	if x := l.crossings(); x != 0 {
		t.Errorf("%d crossings left in a graph that needs none", x)
	}
}

func TestQuantityIsExact(t *testing.T) {
	for q, want := range map[int64]string{1: "0.001 kg", 1_000: "1 kg", 9_007_199_254_740_993: "9,007,199,254,740.993 kg", -2_500: "-2.5 kg"} {
		if got := quantity(q, "g", "zh"); got != want {
			t.Errorf("quantity(%d g) = %q, want %q", q, got, want)
		}
	}
	if got := quantity(1200, "piece", "en"); got != "1,200 pcs" {
		t.Errorf("pieces: %q", got)
	}
}
