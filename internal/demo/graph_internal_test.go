package demo

import (
	"encoding/json"
	"testing"
)

// TestGraphIsDeterministic: the same number of lots plans the same season,
// event for event, so benchmarks on generated data can be compared.
func TestGraphIsDeterministic(t *testing.T) {
	plan := func(lots int) []byte {
		g := newGraph(lots)
		var r round
		for n := 0; g.stats.Lots < lots; n++ {
			g.pressing(&r, n)
		}
		b, err := json.Marshal([]any{r.collector.events, r.dcIn.events, r.mill.events, r.dcOut.events, r.shop.events, g.stats})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if a, b := plan(500), plan(500); string(a) != string(b) {
		t.Error("two plans of 500 lots differ")
	}
	if a, b := plan(500), plan(501); string(a) == string(b) {
		t.Error("plans of 500 and 501 lots are the same")
	}
}
