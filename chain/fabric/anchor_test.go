package fabric

import (
	"fmt"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
)

func TestBatchesAndWaves(t *testing.T) {
	a, b, c := chain("A", 3), chain("B", 2), chain("C", 5)
	recs := interleave(a, b, c) // A0 B0 C0 A1 B1 C1 A2 C2 C3 C4
	got := batches(recs, 4, func(custody.Record) string { return "CollectorMSP" })
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

// TestBatchesBySigner cuts chains where the organization writing them
// changes: a transaction is signed by one organization, and a chain's
// records still go in order, later runs in later waves.
func TestBatchesBySigner(t *testing.T) {
	a, b := chain("A", 4), chain("B", 2)
	a[2].By, b[1].By = "RegulatorMSP", "RegulatorMSP"
	recs := interleave(a, b) // A0 B0 A1 B1(R) A2(R) A3
	by := func(r custody.Record) string {
		if r.By == "" {
			return "CollectorMSP"
		}
		return r.By
	}
	var got []string
	for _, w := range waves(recs, batches(recs, 10, by)) {
		var ws []string
		for _, idx := range w {
			s := by(recs[idx[0]]) + ":"
			for _, i := range idx {
				s += fmt.Sprintf(" %s%d", recs[i].Key, recs[i].Seq)
			}
			ws = append(ws, s)
		}
		got = append(got, strings.Join(ws, " | "))
	}
	want := []string{
		"CollectorMSP: A0 A1 B0",
		"RegulatorMSP: A2 B1",
		"CollectorMSP: A3",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("waves:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
