package main

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/hashchain"
)

// auditChain is a lot of n events as the API serves them (raw JSON, anchored)
// and the records the ledger holds for them.
func auditChain(t *testing.T, n int) ([]map[string]any, []custody.Entry) {
	t.Helper()
	head := hashchain.Empty
	var events []map[string]any
	var ledger []custody.Entry
	for i := range n {
		seq, prev := head.Next()
		ev := map[string]any{"lot": "06901235000114.RS1", "seq": seq, "type": "inspect", "quantity": 7.2,
			"place": map[string]any{"name": "古夫镇", "region": "420526"}, "prevHash": prev}
		h, err := hashchain.Hash(ev)
		if err != nil {
			t.Fatal(err)
		}
		ev["hash"] = h
		ev["anchor"] = map[string]any{"status": "anchored", "seq": seq, "hash": h}
		events = append(events, ev)
		ledger = append(ledger, custody.Entry{Record: custody.Record{Kind: custody.KindEvent, Key: "06901235000114.RS1", Seq: uint64(i), Hash: h, PrevHash: prev}, Org: "CollectorMSP", TxID: "tx", Block: 7})
		head = hashchain.Head{Seq: seq, Hash: h}
	}
	return events, ledger
}

// served recomputes events through the JSON the API would send.
func served(t *testing.T, events []map[string]any) []servedEvent {
	t.Helper()
	var out []servedEvent
	for _, ev := range events {
		raw, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		s, err := recompute(raw)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestCompareChain(t *testing.T) {
	type change func(t *testing.T, events []map[string]any, ledger []custody.Entry) ([]map[string]any, []custody.Entry)
	type want struct {
		seq  int64
		code string
	}
	tests := []struct {
		name   string
		change change
		want   []want
	}{
		{"intact", func(_ *testing.T, e []map[string]any, l []custody.Entry) ([]map[string]any, []custody.Entry) {
			return e, l
		}, nil},
		{"content edited, hash member kept", func(_ *testing.T, e []map[string]any, l []custody.Entry) ([]map[string]any, []custody.Entry) {
			e[1]["quantity"] = 9000000
			return e, l
		}, []want{{1, findHash}}},
		{"content edited and rehashed", func(t *testing.T, e []map[string]any, l []custody.Entry) ([]map[string]any, []custody.Entry) {
			e[1]["quantity"] = 9000000
			body := map[string]any{}
			for k, v := range e[1] {
				if k != "hash" && k != "anchor" {
					body[k] = v
				}
			}
			h, err := hashchain.Hash(body)
			if err != nil {
				t.Fatal(err)
			}
			e[1]["hash"] = h
			return e, l
		}, []want{{1, findHash}, {2, findUnlinked}}},
		{"hash member wrong, content genuine", func(_ *testing.T, e []map[string]any, l []custody.Entry) ([]map[string]any, []custody.Entry) {
			e[2]["hash"] = "00"
			return e, l
		}, []want{{2, findHashField}}},
		{"event deleted from the API", func(_ *testing.T, e []map[string]any, l []custody.Entry) ([]map[string]any, []custody.Entry) {
			return slices.Delete(e, 1, 2), l
		}, []want{{1, findMissingAPI}}},
		{"lot gone from the API", func(_ *testing.T, _ []map[string]any, l []custody.Entry) ([]map[string]any, []custody.Entry) {
			return nil, l
		}, []want{{0, findMissingAPI}, {1, findMissingAPI}, {2, findMissingAPI}}},
		{"anchored event not on the ledger", func(_ *testing.T, e []map[string]any, l []custody.Entry) ([]map[string]any, []custody.Entry) {
			return e, l[:2]
		}, []want{{2, findMissingLedg}}},
		{"pending event not on the ledger yet", func(_ *testing.T, e []map[string]any, l []custody.Entry) ([]map[string]any, []custody.Entry) {
			e[2]["anchor"] = map[string]any{"status": "pending"}
			return e, l[:2]
		}, []want{{2, findMissingLedg}}},
		{"prevHash differs from the ledger", func(_ *testing.T, e []map[string]any, l []custody.Entry) ([]map[string]any, []custody.Entry) {
			l[2].PrevHash = "ff"
			return e, l
		}, []want{{2, findPrevHash}}},
		{"served out of order", func(_ *testing.T, e []map[string]any, l []custody.Entry) ([]map[string]any, []custody.Entry) {
			e[0], e[2] = e[2], e[0]
			return e, l
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, ledger := auditChain(t, 3)
			events, ledger = tt.change(t, events, ledger)
			var got []want
			findings := compareChain(served(t, events), ledger)
			for _, f := range findings {
				got = append(got, want{f.Seq, f.Code})
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("findings %+v; want %v", findings, tt.want)
			}
		})
	}
}

func TestRecomputeKeepsServedJSON(t *testing.T) {
	// A number a float64 round trip would rewrite must reach the hash as
	// served; jcs refuses it, so the event is reported, never misread.
	ev, err := recompute([]byte(`{"seq":0,"hash":"h","prevHash":"","quantity":9007199254740993}`))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Computed != "" {
		t.Errorf("hashed %s from a number no double holds", ev.Computed)
	}
	if _, err := recompute([]byte(`[1]`)); err == nil {
		t.Error("an array was taken for an event")
	}
}
