package label

import (
	"errors"
	"fmt"
	"sync"
)

// This file turns text into the codewords of a QR code at error correction M
// (ISO/IEC 18004): the text split into numeric, alphanumeric and byte
// segments so that it takes the fewest bits, then padded, cut into blocks
// and given Reed–Solomon error correction.

// ecPerBlock and blocks are, per version (index 1 to 40), the error
// correction codewords of each block and the number of blocks at level M.
var (
	ecPerBlock = [41]int{0,
		10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
		26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28}
	blocks = [41]int{0,
		1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
		17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49}
)

// errTooLong is returned for text that does not fit version 40.
var errTooLong = errors.New("text too long for a QR code")

// rawModules is the number of modules of a version that carry codewords:
// the whole symbol less finder, timing, alignment, format and version
// patterns.
func rawModules(v int) int {
	n := (16*v+128)*v + 64
	if v >= 2 {
		align := v/7 + 2
		n -= (25*align-10)*align - 55
		if v >= 7 {
			n -= 36
		}
	}
	return n
}

// dataCodewords is the number of data codewords a version holds at level M.
func dataCodewords(v int) int {
	return rawModules(v)/8 - ecPerBlock[v]*blocks[v]
}

// Segment modes, with their 4-bit indicators.
const (
	numeric = iota
	alnum
	byteMode
	modes
)

var modeIndicator = [modes]uint{1, 2, 4}

// countBits is the width of a segment's character count, which grows with
// the version: versions 1–9, 10–26 and 27–40.
func countBits(mode, v int) int {
	widths := [modes][3]int{{10, 12, 14}, {9, 11, 13}, {8, 16, 16}}
	switch {
	case v <= 9:
		return widths[mode][0]
	case v <= 26:
		return widths[mode][1]
	}
	return widths[mode][2]
}

const alnumChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// alnumValue is the alphanumeric value of a byte, or -1.
var alnumValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := range len(alnumChars) {
		t[alnumChars[i]] = int8(i)
	}
	return t
}()

// fits reports whether byte c can be written in mode.
func fits(c byte, mode int) bool {
	switch mode {
	case numeric:
		return c >= '0' && c <= '9'
	case alnum:
		return alnumValue[c] >= 0
	}
	return true
}

// charCost is the cost of one character in each mode, in sixths of a bit:
// numeric packs 3 digits in 10 bits, alphanumeric 2 characters in 11.
var charCost = [modes]int{20, 33, 48}

// segment is a run of text written in one mode.
type segment struct {
	mode       int
	start, end int
}

// split chooses the segments of text that take the fewest bits at version v
// (whose class fixes the header widths), by dynamic programming over the
// mode each character is written in; a change of mode costs a header and
// rounds the previous segment up to whole bits.
func split(text string, v int) ([]segment, int) {
	const inf = 1 << 30
	var head [modes]int
	for m := range modes {
		head[m] = (4 + countBits(m, v)) * 6
	}
	// from[i][m]: with character i written in mode m, the mode character
	// i-1 was written in.
	from := make([][modes]int8, len(text))
	cost := head
	for i := range len(text) {
		c := text[i]
		var next [modes]int
		for m := range modes {
			next[m] = inf
			if fits(c, m) {
				next[m] = cost[m] + charCost[m]
				from[i][m] = int8(m)
			}
		}
		if i+1 < len(text) {
			// Switching after character i: a new segment for i+1.
			switched := next
			for to := range modes {
				for m := range modes {
					if m == to || next[m] >= inf {
						continue
					}
					if c2 := (next[m]+5)/6*6 + head[to]; c2 < switched[to] {
						switched[to] = c2
						from[i][to] = int8(m) | 8 // marks a switch
					}
				}
			}
			next = switched
		}
		cost = next
	}
	best := byteMode
	for m := range modes {
		if cost[m] < cost[best] {
			best = m
		}
	}
	bits := (cost[best] + 5) / 6
	if len(text) == 0 {
		return nil, 0
	}
	// Walk back: the mode of each character, then runs of equal modes.
	mode := make([]int8, len(text))
	cur := int8(best)
	for i := len(text) - 1; i >= 0; i-- {
		if from[i][cur]&8 != 0 {
			cur = from[i][cur] &^ 8
		}
		mode[i] = cur
	}
	var segs []segment
	for i := 0; i < len(text); {
		j := i
		for j < len(text) && mode[j] == mode[i] {
			j++
		}
		segs = append(segs, segment{int(mode[i]), i, j})
		i = j
	}
	return segs, bits
}

// bitWriter appends bits most significant first.
type bitWriter struct {
	b []byte
	n int // bits written
}

func (w *bitWriter) write(v uint, width int) {
	for i := width - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 != 0 {
			w.b[w.n/8] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

// codewords returns the smallest version that holds text at level M and the
// codewords of that symbol: data and error correction, interleaved.
func codewords(text string) (int, []byte, error) {
	var segs []segment
	v := 0
	// The count fields of a class hold any segment that fits its largest
	// version, so only the total length decides.
	for class, last := range [3]int{9, 26, 40} {
		s, bits := split(text, last)
		first := [3]int{1, 10, 27}[class]
		for ver := first; ver <= last; ver++ {
			if bits <= dataCodewords(ver)*8 {
				v, segs = ver, s
				break
			}
		}
		if v != 0 {
			break
		}
	}
	if v == 0 {
		return 0, nil, fmt.Errorf("%w: %d characters", errTooLong, len(text))
	}
	capacity := dataCodewords(v)
	w := bitWriter{b: make([]byte, 0, capacity)}
	for _, s := range segs {
		w.write(modeIndicator[s.mode], 4)
		w.write(uint(s.end-s.start), countBits(s.mode, v))
		writeSegment(&w, text[s.start:s.end], s.mode)
	}
	w.write(0, min(4, capacity*8-w.n)) // terminator
	w.write(0, (8-w.n%8)%8)
	for pad := uint(0xEC); len(w.b) < capacity; pad ^= 0xEC ^ 0x11 {
		w.b = append(w.b, byte(pad))
	}
	return v, interleave(v, w.b), nil
}

func writeSegment(w *bitWriter, s string, mode int) {
	switch mode {
	case numeric:
		for i := 0; i < len(s); i += 3 {
			n, digits := uint(0), min(3, len(s)-i)
			for _, c := range []byte(s[i : i+digits]) {
				n = n*10 + uint(c-'0')
			}
			w.write(n, digits*3+1)
		}
	case alnum:
		for i := 0; i < len(s); i += 2 {
			if i+1 < len(s) {
				w.write(uint(alnumValue[s[i]])*45+uint(alnumValue[s[i+1]]), 11)
			} else {
				w.write(uint(alnumValue[s[i]]), 6)
			}
		}
	default:
		for i := range len(s) {
			w.write(uint(s[i]), 8)
		}
	}
}

// interleave cuts data into the version's blocks, computes each block's
// error correction, and interleaves them: data codewords column by column,
// then error correction codewords the same way.
func interleave(v int, data []byte) []byte {
	n, ec := blocks[v], ecPerBlock[v]
	raw := rawModules(v) / 8
	short := n - raw%n     // blocks one data codeword shorter
	shortLen := raw/n - ec // data codewords of a short block
	gen := generator(ec)
	dataBlocks := make([][]byte, n)
	ecBlocks := make([][]byte, n)
	for i, off := 0, 0; i < n; i++ {
		l := shortLen
		if i >= short {
			l++
		}
		dataBlocks[i] = data[off : off+l]
		ecBlocks[i] = remainder(data[off:off+l], gen)
		off += l
	}
	out := make([]byte, 0, raw)
	for i := range shortLen + 1 {
		for _, blk := range dataBlocks {
			if i < len(blk) {
				out = append(out, blk[i])
			}
		}
	}
	for i := range ec {
		for _, blk := range ecBlocks {
			out = append(out, blk[i])
		}
	}
	return out
}

// GF(256) with the QR polynomial x^8+x^4+x^3+x^2+1, as log and antilog tables.
var gfExp, gfLog = func() (exp [512]byte, log [256]byte) {
	x := 1
	for i := range 255 {
		exp[i], exp[i+255] = byte(x), byte(x)
		log[x] = byte(i)
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11D
		}
	}
	return exp, log
}()

// generators caches the Reed–Solomon generator polynomials by degree, as
// the logs of their coefficients (leading 1 left out); a symbol needs one
// degree only, so each is computed once for all labels.
var generators sync.Map // int -> []byte

// generator returns the polynomial (x-α^0)(x-α^1)...(x-α^(degree-1)).
func generator(degree int) []byte {
	if g, ok := generators.Load(degree); ok {
		return g.([]byte)
	}
	coef := make([]byte, degree) // coefficients below the leading 1, highest first
	coef[degree-1] = 1
	root := byte(1)
	for range degree {
		for j := range degree {
			coef[j] = mul(coef[j], root)
			if j+1 < degree {
				coef[j] ^= coef[j+1]
			}
		}
		root = mul(root, 2)
	}
	logs := make([]byte, degree)
	for i, c := range coef {
		logs[i] = gfLog[c] // no coefficient of this product is zero
	}
	g, _ := generators.LoadOrStore(degree, logs)
	return g.([]byte)
}

func mul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[int(gfLog[a])+int(gfLog[b])]
}

// remainder divides data·x^degree by the generator whose coefficient logs
// are gen, giving the error correction codewords.
func remainder(data, gen []byte) []byte {
	r := make([]byte, len(gen))
	for _, d := range data {
		factor := d ^ r[0]
		copy(r, r[1:])
		r[len(r)-1] = 0
		if factor == 0 {
			continue
		}
		lf := int(gfLog[factor])
		for i, lg := range gen {
			r[i] ^= gfExp[lf+int(lg)]
		}
	}
	return r
}
