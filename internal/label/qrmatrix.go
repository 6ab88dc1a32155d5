package label

import "sync"

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
	masks    [8][]byte
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
	for m := range l.masks {
		l.masks[m] = make([]byte, n*n)
		for y := range n {
			for x := range n {
				if !l.function[y*n+x] && masked(m, x, y) {
					l.masks[m][y*n+x] = 1
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
	data := make([]byte, n*n)
	copy(data, l.base)
	for i, at := range l.order[:len(cw)*8] {
		data[at] = cw[i>>3] >> (7 - uint(i&7)) & 1
	}
	// Remainder bits after the last codeword stay light.
	best, bestScore := make([]byte, n*n), -1
	try := make([]byte, n*n)
	for m, mask := range l.masks {
		for i, d := range data {
			try[i] = d ^ mask[i]
		}
		drawFormat(try, n, m)
		if s := penalty(try, n); bestScore < 0 || s < bestScore {
			best, try, bestScore = try, best, s
		}
	}
	return &Code{Version: v, Size: n, dark: best}, nil
}

// drawFormat writes the format information of mask m, twice.
func drawFormat(d []byte, n, m int) {
	bits := formatBits(m)
	bit := func(i int) byte { return byte(bits >> uint(i) & 1) }
	for i := range 6 {
		d[i*n+8] = bit(i)
	}
	d[7*n+8] = bit(6)
	d[8*n+8] = bit(7)
	d[8*n+7] = bit(8)
	for i := 9; i < 15; i++ {
		d[8*n+14-i] = bit(i)
	}
	for i := range 8 {
		d[8*n+n-1-i] = bit(i)
	}
	for i := 8; i < 15; i++ {
		d[(n-15+i)*n+8] = bit(i)
	}
}

// penalty scores a symbol: runs of five or more alike, 2×2 blocks alike,
// finder-like 1:1:3:1:1 patterns, and an unbalanced share of dark modules.
func penalty(d []byte, n int) int {
	p, dark := 0, 0
	for y := range n {
		p += linePenalty(d, y*n, 1, n)
		p += linePenalty(d, y, n, n)
		row := d[y*n : y*n+n]
		for _, c := range row {
			dark += int(c)
		}
		if y+1 < n {
			next := d[(y+1)*n : (y+1)*n+n]
			for x := range n - 1 {
				if c := row[x]; c == row[x+1] && c == next[x] && c == next[x+1] {
					p += 3
				}
			}
		}
	}
	total := n * n
	return p + 10*(abs(dark*20-total*10)/total)
}

// Finder-like patterns over 11 modules: dark-light-dark×3-light-dark with
// four light modules after or before.
const (
	finderAfter  = 0b10111010000
	finderBefore = 0b00001011101
)

// linePenalty scores one row or column of n modules starting at start, step
// apart: runs and finder-like patterns, with the light quiet zone around.
func linePenalty(d []byte, start, step, n int) int {
	p, run := 0, 0
	var prev byte = 2
	window := uint(0) // the last 11 modules; the quiet zone before is light
	for i, at := 0, start; i < n; i, at = i+1, at+step {
		c := d[at]
		if c == prev {
			run++
		} else {
			if run >= 5 {
				p += run - 2
			}
			prev, run = c, 1
		}
		window = (window<<1 | uint(c)) & 0x7FF
		if window == finderAfter || window == finderBefore {
			p += 40
		}
	}
	if run >= 5 {
		p += run - 2
	}
	for range 4 { // the quiet zone after
		window = window << 1 & 0x7FF
		if window == finderAfter {
			p += 40
		}
	}
	return p
}
