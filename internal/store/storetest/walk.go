package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/agritrace/agritrace/internal/trace"
)

// testLotWalk checks the set reads that graph walks take a level at a time:
// lots by id and children of many parents, over id lists wider than any
// chunk a store may cut them into.
func testLotWalk(t *testing.T, s trace.Store) {
	a := commission(t, s, "A")
	b := commission(t, s, "B")
	c := commission(t, s, "C", trace.Portion{Lot: a.ID, Quantity: 10})
	d := commission(t, s, "D", trace.Portion{Lot: a.ID, Quantity: 10}, trace.Portion{Lot: b.ID, Quantity: 10})
	commission(t, s, "E", trace.Portion{Lot: c.ID, Quantity: 1}, trace.Portion{Lot: d.ID, Quantity: 1})
	// Made-up ids around the real ones, so that a chunked read finds them in
	// different chunks.
	wide := func(first, last string) []string {
		ids := []string{first}
		for i := range 2500 {
			ids = append(ids, trace.LotID("06901234567892", fmt.Sprintf("none-%d", i)))
		}
		return append(ids, last)
	}
	numbers := func(ls []trace.Lot, sorted bool) []string {
		out := []string{}
		for _, l := range ls {
			out = append(out, l.Number)
		}
		if sorted {
			slices.Sort(out)
		}
		return out
	}
	byID := []struct {
		name string
		ids  []string
		want []string
	}{
		{"none", nil, []string{}},
		{"some missing", []string{trace.LotID("06901234567892", "E"), "06901234567892.nope", a.ID}, []string{"A", "E"}},
		{"wide", wide(trace.LotID("06901234567892", "E"), a.ID), []string{"A", "E"}},
	}
	for _, tt := range byID {
		got, err := s.LotsByID(ctx, tt.ids)
		must(t, err)
		if fmt.Sprint(numbers(got, true)) != fmt.Sprint(tt.want) {
			t.Errorf("LotsByID %s = %v, want %v", tt.name, numbers(got, true), tt.want)
		}
	}
	children := []struct {
		name    string
		parents []string
		want    []string
	}{
		{"none", nil, []string{}},
		{"one", []string{a.ID}, []string{"C", "D"}},
		{"shared child once", []string{b.ID, a.ID}, []string{"C", "D"}},
		{"next level", []string{c.ID, d.ID}, []string{"E"}},
		{"leaf", []string{trace.LotID("06901234567892", "E")}, []string{}},
		{"wide, across chunks", wide(a.ID, b.ID), []string{"C", "D"}},
	}
	for _, tt := range children {
		got, err := s.ChildLots(ctx, tt.parents)
		must(t, err)
		// Ordered by id, as the store promises.
		if fmt.Sprint(numbers(got, false)) != fmt.Sprint(tt.want) {
			t.Errorf("ChildLots %s = %v, want %v", tt.name, numbers(got, false), tt.want)
		}
	}
	full, err := s.LotsByID(ctx, []string{d.ID})
	must(t, err)
	if len(full) != 1 || len(full[0].Parents) != 2 || full[0].Basis["rapeseed"] != trace.MaxQuantity {
		t.Errorf("LotsByID returned %+v, want the whole lot D", full)
	}
}
