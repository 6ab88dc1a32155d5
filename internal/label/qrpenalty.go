package label

import "math/bits"

// This file scores a masked symbol, the way a mask is chosen: the rules of
// ISO/IEC 18004 applied to rows and columns of bits, many modules at once.

// line is a row or a column of a symbol, module i in bit i, 1 for dark:
// three words hold the 177 modules of version 40, and a mask is scored a
// word at a time instead of a module at a time.
type line [3]uint64

func (a *line) set(i int) { a[i>>6] |= 1 << uint(i&63) }

func (a *line) put(i int, dark bool) {
	if dark {
		a.set(i)
	} else {
		a[i>>6] &^= 1 << uint(i&63)
	}
}

func (a line) xor(b line) line { return line{a[0] ^ b[0], a[1] ^ b[1], a[2] ^ b[2]} }
func (a line) and(b line) line { return line{a[0] & b[0], a[1] & b[1], a[2] & b[2]} }
func (a line) or(b line) line  { return line{a[0] | b[0], a[1] | b[1], a[2] | b[2]} }
func (a line) not() line       { return line{^a[0], ^a[1], ^a[2]} }

// down shifts the line k < 64 modules towards module 0.
func (a line) down(k uint) line {
	return line{a[0]>>k | a[1]<<(64-k), a[1]>>k | a[2]<<(64-k), a[2] >> k}
}

// up shifts the line k < 64 modules away from module 0.
func (a line) up(k uint) line {
	return line{a[0] << k, a[1]<<k | a[0]>>(64-k), a[2]<<k | a[1]>>(64-k)}
}

func (a line) count() int {
	return bits.OnesCount64(a[0]) + bits.OnesCount64(a[1]) + bits.OnesCount64(a[2])
}

// first returns a line of n dark modules from module 0.
func first(n int) line {
	var a line
	for i := range 3 {
		switch {
		case n >= 64*(i+1):
			a[i] = ^uint64(0)
		case n > 64*i:
			a[i] = 1<<uint(n-64*i) - 1
		}
	}
	return a
}

// penalty scores a symbol as ISO/IEC 18004 does: runs of five or more
// alike, 2×2 blocks alike, finder-like 1:1:3:1:1 patterns with four light
// modules on one side, and a share of dark modules far from half.
func penalty(rows, cols []line, n int) int {
	if n <= maxWord {
		return penaltyWord(rows, cols, n)
	}
	p, dark := 0, 0
	pairs := first(n - 1)
	for y, r := range rows {
		p += linePenalty(r, n)
		p += linePenalty(cols[y], n)
		dark += r.count()
		if y+1 < n {
			// Alike with the module below, and that twice in a row, and
			// alike with the module to the right.
			v := r.xor(rows[y+1]).not()
			p += 3 * v.and(v.down(1)).and(r.xor(r.down(1)).not()).and(pairs).count()
		}
	}
	total := n * n
	return p + 10*(abs(dark*20-total*10)/total)
}

// linePenalty scores the runs and finder-like patterns of one row or column
// of n modules; the quiet zone around it is light.
func linePenalty(a line, n int) int {
	// Runs: a run of k ≥ 5 alike scores k-2, that is one for each window of
	// five alike in it plus two for its start.
	alike := a.xor(a.down(1)).not().and(first(n - 1))
	five := alike.and(alike.down(1)).and(alike.down(2)).and(alike.down(3))
	p := five.count() + 2*five.and(five.up(1).not()).count()
	// Finder-like patterns, in the line with four light modules each side:
	// dark-light-dark×3-light-dark starting at module s of the padded line,
	// with four light after it (at s+7) or before it (at s-4).
	padded := a.up(4)
	var sh [7]line // bit s of sh[k] is module s+k
	sh[0] = padded
	for k := 1; k < len(sh); k++ {
		sh[k] = padded.down(uint(k))
	}
	core := sh[0].and(sh[1].not()).and(sh[2]).and(sh[3]).and(sh[4]).and(sh[5].not()).and(sh[6])
	if core == (line{}) {
		return p
	}
	light := sh[0].or(sh[1]).or(sh[2]).or(sh[3]).not()
	after := core.and(light.down(7)).and(first(n - 2)) // windows of 11 in n+8 modules
	before := light.and(core.down(4)).and(first(n - 2))
	return p + 40*(after.count()+before.count())
}

// maxWord is the largest symbol (version 10) whose lines, with the four
// light modules before them and the finder-like window past their end,
// fit one word: label URLs take version 9 or 10, and penaltyWord and
// linePenaltyWord score them as penalty and linePenalty do, a word at a
// time instead of three.
const maxWord = 57

func penaltyWord(rows, cols []line, n int) int {
	p, dark := 0, 0
	pairs := uint64(1)<<uint(n-1) - 1
	for y, r := range rows {
		a := r[0]
		p += linePenaltyWord(a, n) + linePenaltyWord(cols[y][0], n)
		dark += bits.OnesCount64(a)
		if y+1 < n {
			v := ^(a ^ rows[y+1][0])
			p += 3 * bits.OnesCount64(v&(v>>1)&^(a^a>>1)&pairs)
		}
	}
	total := n * n
	return p + 10*(abs(dark*20-total*10)/total)
}

func linePenaltyWord(a uint64, n int) int {
	alike := ^(a ^ a>>1) & (1<<uint(n-1) - 1)
	five := alike & (alike >> 1) & (alike >> 2) & (alike >> 3)
	p := bits.OnesCount64(five) + 2*bits.OnesCount64(five&^(five<<1))
	padded := a << 4
	core := padded &^ (padded >> 1) & (padded >> 2) & (padded >> 3) & (padded >> 4) &^ (padded >> 5) & (padded >> 6)
	if core == 0 {
		return p
	}
	light := ^(padded | padded>>1 | padded>>2 | padded>>3)
	starts := uint64(1)<<uint(n-2) - 1
	return p + 40*(bits.OnesCount64(core&(light>>7)&starts)+bits.OnesCount64(light&(core>>4)&starts))
}
