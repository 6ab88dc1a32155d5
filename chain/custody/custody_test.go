package custody_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
)

type mapState map[string]custody.Record

func (m mapState) Get(kind, key string, seq uint64) (*custody.Record, error) {
	for _, r := range m {
		if r.Kind == kind && r.Key == key && r.Seq == seq {
			return &r, nil
		}
	}
	return nil, nil
}

func h(c byte) string { return strings.Repeat(string(c), 64) }

func rec(seq uint64, hash, prev string) custody.Record {
	return custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: seq, Hash: hash, PrevHash: prev}
}

func TestValidate(t *testing.T) {
	held := mapState{"0": rec(0, h('a'), ""), "1": rec(1, h('b'), h('a'))}
	tests := []struct {
		name      string
		recs      []custody.Record
		wantErr   error
		wantFresh int
	}{
		{"next link", []custody.Record{rec(2, h('c'), h('b'))}, nil, 1},
		{"chain inside one batch", []custody.Record{rec(2, h('c'), h('b')), rec(3, h('d'), h('c'))}, nil, 2},
		{"idempotent re-send", []custody.Record{rec(1, h('b'), h('a'))}, nil, 0},
		{"re-send then new", []custody.Record{rec(1, h('b'), h('a')), rec(2, h('c'), h('b'))}, nil, 1},
		{"new chain", []custody.Record{{Kind: custody.KindEvent, Key: "L2", Seq: 0, Hash: h('e')}}, nil, 1},
		{"complaint kind", []custody.Record{{Kind: custody.KindComplaint, Key: "C1", Seq: 0, Hash: h('e')}}, nil, 1},
		{"gap", []custody.Record{rec(3, h('d'), h('c'))}, custody.ErrGap, 0},
		{"gap in new chain", []custody.Record{{Kind: custody.KindEvent, Key: "L2", Seq: 1, Hash: h('e'), PrevHash: h('a')}}, custody.ErrGap, 0},
		{"wrong prevHash", []custody.Record{rec(2, h('c'), h('a'))}, custody.ErrPrevHash, 0},
		{"overwrite", []custody.Record{rec(1, h('f'), h('a'))}, custody.ErrOverwrite, 0},
		{"bad hash", []custody.Record{rec(2, "xyz", h('b'))}, custody.ErrInvalid, 0},
		{"seq 0 with prevHash", []custody.Record{{Kind: custody.KindEvent, Key: "L3", Hash: h('a'), PrevHash: h('b')}}, custody.ErrInvalid, 0},
		{"empty key", []custody.Record{{Kind: custody.KindEvent, Hash: h('a')}}, custody.ErrInvalid, 0},
		{"key with U+0000", []custody.Record{{Kind: custody.KindEvent, Key: "L\x00", Hash: h('a')}}, custody.ErrInvalid, 0},
		{"bad kind", []custody.Record{{Kind: "Event!", Key: "L", Hash: h('a')}}, custody.ErrInvalid, 0},
		{"later record refused refuses the batch", []custody.Record{rec(2, h('c'), h('b')), rec(4, h('d'), h('c'))}, custody.ErrGap, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fresh, err := custody.Validate(held, tt.recs)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if len(fresh) != tt.wantFresh {
				t.Errorf("fresh = %d records, want %d", len(fresh), tt.wantFresh)
			}
		})
	}
}
