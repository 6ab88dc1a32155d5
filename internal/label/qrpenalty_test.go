package label

import (
	"math/rand/v2"
	"testing"
)

// TestPenaltyAsWritten checks the word-at-a-time mask score against the
// rules applied module by module, on random symbols of every size.
func TestPenaltyAsWritten(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for v := 1; v <= 40; v++ {
		n := 4*v + 17
		for range 5 {
			d := make([]byte, n*n)
			runs := rng.IntN(4) // longer runs of alike modules now and then
			for i := range d {
				d[i] = byte(rng.IntN(2))
				if i > 0 && rng.IntN(4) < runs {
					d[i] = d[i-1]
				}
			}
			at := func(x, y int) byte { return d[y*n+x] }
			rows, cols := make([]line, n), make([]line, n)
			for y := range n {
				for x := range n {
					if at(x, y) == 1 {
						rows[y].set(x)
						cols[x].set(y)
					}
				}
			}
			if got, want := penalty(rows, cols, n), slowPenalty(at, n); got != want {
				t.Fatalf("version %d: penalty %d, module by module %d", v, got, want)
			}
		}
	}
}

func slowPenalty(at func(x, y int) byte, n int) int {
	p, dark := 0, 0
	for i := range n {
		p += slowLine(func(k int) byte { return at(k, i) }, n)
		p += slowLine(func(k int) byte { return at(i, k) }, n)
	}
	for y := range n {
		for x := range n {
			dark += int(at(x, y))
			if x+1 < n && y+1 < n && at(x, y) == at(x+1, y) && at(x, y) == at(x, y+1) && at(x, y) == at(x+1, y+1) {
				p += 3
			}
		}
	}
	total := n * n
	return p + 10*(abs(dark*20-total*10)/total)
}

func slowLine(at func(int) byte, n int) int {
	p := 0
	for i := 0; i < n; {
		j := i
		for j < n && at(j) == at(i) {
			j++
		}
		if j-i >= 5 {
			p += j - i - 2
		}
		i = j
	}
	padded := func(k int) byte {
		if k < 4 || k >= n+4 {
			return 0
		}
		return at(k - 4)
	}
	for _, pattern := range []string{"10111010000", "00001011101"} {
		for s := 0; s+11 <= n+8; s++ {
			match := true
			for k := range 11 {
				if padded(s+k) != pattern[k]-'0' {
					match = false
					break
				}
			}
			if match {
				p += 40
			}
		}
	}
	return p
}
