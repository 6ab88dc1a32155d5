package hashchain_test

import (
	"slices"
	"testing"

	"github.com/agritrace/agritrace/internal/hashchain"
)

type elem struct {
	Seq      int64  `json:"seq"`
	Note     string `json:"note"`
	PrevHash string `json:"prevHash"`
}

// build links n elements the way every chain does.
func build(t *testing.T, n int) []hashchain.Stored {
	t.Helper()
	head := hashchain.Empty
	var out []hashchain.Stored
	for i := range n {
		var e elem
		e.Seq, e.PrevHash = head.Next()
		e.Note = string(rune('a' + i))
		h, err := hashchain.Hash(e)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, hashchain.Stored{Seq: e.Seq, PrevHash: e.PrevHash, Hash: h, Computed: h})
		head = hashchain.Head{Seq: e.Seq, Hash: h}
	}
	return out
}

func TestHashIsSHA256OfCanonicalJSON(t *testing.T) {
	// sha256(`{"note":"a","prevHash":"","seq":0}`), computed with sha256sum.
	h, err := hashchain.Hash(elem{Seq: 0, Note: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "680d03b89f4997c7b62f7607a3e8e44dd27cedeb9f440212a4c2ae873802954a"; h != want {
		t.Fatalf("hash %s", h)
	}
	if _, err := hashchain.Hash(map[string]any{"quantity": uint64(1<<53 + 1)}); err == nil {
		t.Fatal("a number no double holds was hashed")
	}
}

func TestWalk(t *testing.T) {
	tests := []struct {
		name     string
		change   func([]hashchain.Stored) []hashchain.Stored
		problems []string
		missing  []int64
	}{
		{"intact", func(s []hashchain.Stored) []hashchain.Stored { return s }, []string{"", "", "", ""}, nil},
		{"middle deleted", func(s []hashchain.Stored) []hashchain.Stored { return slices.Delete(s, 1, 2) },
			[]string{"", hashchain.AfterGap, ""}, []int64{1}},
		{"two deleted", func(s []hashchain.Stored) []hashchain.Stored { return slices.Delete(s, 1, 3) },
			[]string{"", hashchain.AfterGap}, []int64{1, 2}},
		{"first deleted", func(s []hashchain.Stored) []hashchain.Stored { return s[1:] },
			[]string{hashchain.AfterGap, "", ""}, []int64{0}},
		{"edited", func(s []hashchain.Stored) []hashchain.Stored { s[2].Computed = "x"; return s },
			[]string{"", "", hashchain.Edited, ""}, nil},
		{"relinked", func(s []hashchain.Stored) []hashchain.Stored { s[2].PrevHash = "x"; return s },
			[]string{"", "", hashchain.Unlinked, ""}, nil},
		{"out of order", func(s []hashchain.Stored) []hashchain.Stored { s[2].Seq = 1; return s },
			[]string{"", "", hashchain.OutOfOrder, hashchain.AfterGap}, []int64{2}},
		{"seq pushed far ahead", func(s []hashchain.Stored) []hashchain.Stored { s[3].Seq = 1 << 40; return s },
			[]string{"", "", "", hashchain.OutOfOrder}, nil},
		{"negative seq", func(s []hashchain.Stored) []hashchain.Stored { s[0].Seq = -3; return s },
			[]string{hashchain.OutOfOrder, hashchain.AfterGap, "", ""}, []int64{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, missing := hashchain.Walk(tt.change(build(t, 4)))
			if !slices.Equal(problems, tt.problems) || !slices.Equal(missing, tt.missing) {
				t.Fatalf("got %q missing %v; want %q missing %v", problems, missing, tt.problems, tt.missing)
			}
		})
	}
}
