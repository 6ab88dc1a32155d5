package label

import (
	"slices"
	"sync"
)

// This file places codewords in a QR symbol: the function patterns of the
// version, the data in its zigzag, and the mask that leaves the fewest
// patterns a reader could mistake, scored as ISO/IEC 18004 says.

// QuietZone is the light margin, in modules, around every code drawn here.
const QuietZone = 4

// Code is an encoded QR symbol.
type Code struct {
	Version int
	// Size is the number of modules per side, without the quiet zone.
	Size int
	// dark holds Size×Size modules row by row, 1 for dark.
	dark []byte
}

// Dark reports whether the module at column x, row y is dark; x and y count
// from the symbol's corner, and outside it (the quiet zone) all is light.
func (c *Code) Dark(x, y int) bool {
	if x < 0 || y < 0 || x >= c.Size || y >= c.Size {
		return false
	}
	return c.dark[y*c.Size+x] == 1
}

// layout is what every symbol of one version shares: the function patterns,
// where data goes, and the eight masks over the data modules.
type layout struct {
	size     int
	base     []byte  // function patterns; data modules light
	function []bool  // modules that carry no data
	order    []int32 // data modules in placement order
	// The same as rows and as columns of bits, for scoring masks.
	baseRows, baseCols []line
	maskRows, maskCols [8][]line
}

var layouts [41]struct {
	once sync.Once
	l    *layout
}

// layoutOf builds a version's layout once, for every code of that version.
func layoutOf(v int) *layout {
	e := &layouts[v]
	e.once.Do(func() { e.l = newLayout(v) })
	return e.l
}

func newLayout(v int) *layout {
	n := 4*v + 17
	l := &layout{size: n, base: make([]byte, n*n), function: make([]bool, n*n)}
	set := func(x, y int, dark bool) {
		l.function[y*n+x] = true
		if dark {
			l.base[y*n+x] = 1
		}
	}
	for i := range n { // timing patterns
		set(6, i, i%2 == 0)
		set(i, 6, i%2 == 0)
	}
	for _, c := range [][2]int{{3, 3}, {n - 4, 3}, {3, n - 4}} { // finders and separators
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := c[0]+dx, c[1]+dy
				if x >= 0 && y >= 0 && x < n && y < n {
					d := max(abs(dx), abs(dy))
					set(x, y, d != 2 && d != 4)
				}
			}
		}
	}
	pos := alignment(v)
	last := len(pos) - 1
	for i, cy := range pos {
		for j, cx := range pos {
			if i == 0 && j == 0 || i == 0 && j == last || i == last && j == 0 {
				continue // under a finder
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					set(cx+dx, cy+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
	// Format areas are reserved here and written per mask; the module
	// beside the lower-left finder is always dark.
	for i := range 9 {
		if i != 6 { // the timing patterns cross here
			set(8, i, false)
			set(i, 8, false)
		}
	}
	for i := range 8 {
		set(n-1-i, 8, false)
		set(8, n-1-i, false)
	}
	set(8, n-8, true)
	if v >= 7 {
		bits := versionBits(v)
		for i := range 18 {
			dark := bits>>uint(i)&1 != 0
			a, b := n-11+i%3, i/3
			set(a, b, dark)
			set(b, a, dark)
		}
	}
	// Data fills column pairs from the right, up and down in turn,
	// skipping the vertical timing column.
	for right := n - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		up := (right+1)&2 == 0
		for k := range n {
			y := k
			if up {
				y = n - 1 - k
			}
			for _, x := range [2]int{right, right - 1} {
				if !l.function[y*n+x] {
					l.order = append(l.order, int32(y*n+x))
				}
			}
		}
	}
	l.baseRows, l.baseCols = make([]line, n), make([]line, n)
	for i, d := range l.base {
		if d == 1 {
			l.baseRows[i/n].set(i % n)
			l.baseCols[i%n].set(i / n)
		}
	}
	for m := range 8 {
		l.maskRows[m], l.maskCols[m] = make([]line, n), make([]line, n)
		for y := range n {
			for x := range n {
				if !l.function[y*n+x] && masked(m, x, y) {
					l.maskRows[m][y].set(x)
					l.maskCols[m][x].set(y)
				}
			}
		}
	}
	return l
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// alignment returns the centre coordinates of a version's alignment patterns.
func alignment(v int) []int {
	if v == 1 {
		return nil
	}
	count := v/7 + 2
	step := 26
	if v != 32 {
		step = (v*4 + count*2 + 1) / (count*2 - 2) * 2
	}
	pos := make([]int, count)
	pos[0] = 6
	for i, p := count-1, v*4+10; i >= 1; i, p = i-1, p-step {
		pos[i] = p
	}
	return pos
}

// masked reports whether mask m inverts the module at column x, row y.
func masked(m, x, y int) bool {
	switch m {
	case 0:
		return (x+y)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (x+y)%3 == 0
	case 4:
		return (x/3+y/2)%2 == 0
	case 5:
		return x*y%2+x*y%3 == 0
	case 6:
		return (x*y%2+x*y%3)%2 == 0
	}
	return ((x+y)%2+x*y%3)%2 == 0
}

// bch appends to data the remainder of its division by poly, of width bits.
func bch(data, poly uint, width int) uint {
	r := data
	for range width {
		r = r<<1 ^ (r>>uint(width-1)&1)*poly
	}
	return data<<uint(width) | r&(1<<uint(width)-1)
}

// versionBits is the 18-bit version information of versions 7 and up.
func versionBits(v int) uint { return bch(uint(v), 0x1F25, 12) }

// formatBits is the 15-bit format information for level M (00) and mask m.
func formatBits(m int) uint { return bch(uint(m), 0x537, 10) ^ 0x5412 }

// Encode makes the QR code of text at error correction M, the smallest
// version that holds it, with the best-scoring mask.
func Encode(text string) (*Code, error) {
	v, cw, err := codewords(text)
	if err != nil {
		return nil, err
	}
	l := layoutOf(v)
	n := l.size
	rows, cols := slices.Clone(l.baseRows), slices.Clone(l.baseCols)
	for i, at := range l.order[:len(cw)*8] {
		if cw[i>>3]>>(7-uint(i&7))&1 == 1 {
			rows[int(at)/n].set(int(at) % n)
			cols[int(at)%n].set(int(at) / n)
		}
	}
	// Remainder bits after the last codeword stay light.
	tryRows, tryCols := make([]line, n), make([]line, n)
	apply := func(m int) {
		for i := range n {
			tryRows[i] = rows[i].xor(l.maskRows[m][i])
			tryCols[i] = cols[i].xor(l.maskCols[m][i])
		}
		drawFormat(tryRows, tryCols, n, m)
	}
	best, bestScore := 0, -1
	for m := range 8 {
		apply(m)
		if s := penalty(tryRows, tryCols, n); bestScore < 0 || s < bestScore {
			best, bestScore = m, s
		}
	}
	apply(best)
	dark := make([]byte, n*n)
	for y, r := range tryRows {
		for x := range n {
			dark[y*n+x] = byte(r[x>>6] >> uint(x&63) & 1)
		}
	}
	return &Code{Version: v, Size: n, dark: dark}, nil
}

// drawFormat writes the format information of mask m, twice, into the
// symbol as rows and as columns.
func drawFormat(rows, cols []line, n, m int) {
	bits := formatBits(m)
	put := func(x, y, i int) {
		dark := bits>>uint(i)&1 == 1
		rows[y].put(x, dark)
		cols[x].put(y, dark)
	}
	for i := range 6 {
		put(8, i, i)
	}
	put(8, 7, 6)
	put(8, 8, 7)
	put(7, 8, 8)
	for i := 9; i < 15; i++ {
		put(14-i, 8, i)
	}
	for i := range 8 {
		put(n-1-i, 8, i)
	}
	for i := 8; i < 15; i++ {
		put(8, n-15+i, i)
	}
}
