package fabric

import (
	"fmt"
	"testing"
)

func TestBatchesAndWaves(t *testing.T) {
	a, b, c := chain("A", 3), chain("B", 2), chain("C", 5)
	recs := interleave(a, b, c) // A0 B0 C0 A1 B1 C1 A2 C2 C3 C4
	got := batches(recs, 4)
	keys := func(idx []int) string {
		s := ""
		for _, i := range idx {
			s += fmt.Sprintf("%s%d ", recs[i].Key, recs[i].Seq)
		}
		return s
	}
	want := []string{"A0 A1 A2 ", "B0 B1 ", "C0 C1 C2 C3 ", "C4 "}
	if len(got) != len(want) {
		t.Fatalf("batches = %v", got)
	}
	for i := range got {
		if keys(got[i]) != want[i] {
			t.Errorf("batch %d = %s, want %s", i, keys(got[i]), want[i])
		}
	}
	// A, B and the first part of C go together; the rest of C waits.
	ws := waves(recs, got)
	if len(ws) != 2 || len(ws[0]) != 3 || len(ws[1]) != 1 || keys(ws[1][0]) != "C4 " {
		t.Errorf("waves = %v", ws)
	}
}
