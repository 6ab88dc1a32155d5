package contract_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/chain/contract"
	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/custody/custodytest"
	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/cid"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
)

// fakeStub is world state in a map, with Fabric's rule that a transaction
// does not read its own writes: writes land when the transaction commits.
type fakeStub struct {
	shim.ChaincodeStubInterface
	world   map[string][]byte
	pending map[string][]byte
	txID    string
	events  map[string][]byte
}

func (s *fakeStub) CreateCompositeKey(t string, attrs []string) (string, error) {
	return shim.CreateCompositeKey(t, attrs)
}
func (s *fakeStub) GetState(k string) ([]byte, error) { return s.world[k], nil }
func (s *fakeStub) PutState(k string, v []byte) error { s.pending[k] = v; return nil }
func (s *fakeStub) GetTxID() string                   { return s.txID }
func (s *fakeStub) SetEvent(name string, payload []byte) error {
	s.events[name] = payload
	return nil
}

func (s *fakeStub) GetStateByPartialCompositeKey(t string, attrs []string) (shim.StateQueryIteratorInterface, error) {
	prefix, err := shim.CreateCompositeKey(t, attrs)
	if err != nil {
		return nil, err
	}
	it := &iter{}
	for k, v := range s.world {
		if strings.HasPrefix(k, prefix) {
			it.kvs = append(it.kvs, &queryresult.KV{Key: k, Value: v})
		}
	}
	sort.Slice(it.kvs, func(i, j int) bool { return it.kvs[i].Key < it.kvs[j].Key })
	return it, nil
}

type iter struct{ kvs []*queryresult.KV }

func (it *iter) HasNext() bool { return len(it.kvs) > 0 }
func (it *iter) Close() error  { return nil }
func (it *iter) Next() (*queryresult.KV, error) {
	kv := it.kvs[0]
	it.kvs = it.kvs[1:]
	return kv, nil
}

// fakeID is the signer's organization, which real peers take from the
// transaction's signature.
type fakeID struct {
	cid.ClientIdentity
	msp string
}

func (id fakeID) GetMSPID() (string, error) { return id.msp, nil }

// ledger runs transactions against one fakeStub's world state, signed by
// msp (CollectorMSP when empty).
type ledger struct {
	world map[string][]byte
	n     int
	last  *fakeStub
	msp   string
}

func (l *ledger) ctx() *contractapi.TransactionContext {
	l.n++
	l.last = &fakeStub{world: l.world, pending: map[string][]byte{}, txID: fmt.Sprintf("tx%d", l.n), events: map[string][]byte{}}
	ctx := &contractapi.TransactionContext{}
	ctx.SetStub(l.last)
	msp := l.msp
	if msp == "" {
		msp = "CollectorMSP"
	}
	ctx.SetClientIdentity(fakeID{msp: msp})
	return ctx
}

// record runs one Record transaction and commits its writes when it succeeds.
func (l *ledger) record(t *testing.T, recs ...custody.Record) ([]custody.Entry, error) {
	t.Helper()
	arg, _ := json.Marshal(recs)
	out, err := contract.New("RegulatorMSP").Record(l.ctx(), string(arg))
	if err != nil {
		return nil, err
	}
	for k, v := range l.last.pending {
		l.world[k] = v
	}
	var entries []custody.Entry
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatal(err)
	}
	return entries, nil
}

var links = custodytest.Chain

func TestRecordChainGet(t *testing.T) {
	l := &ledger{world: map[string][]byte{}}
	a, b := links("A", 12), links("B", 2)
	// One transaction may hold a chain's consecutive records and several chains.
	got, err := l.record(t, append(append([]custody.Record{}, a[:11]...), b...)...)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 13 || got[0].TxID != "tx1" || got[0].Org != "CollectorMSP" || got[12].Hash != b[1].Hash {
		t.Fatalf("entries = %+v", got)
	}
	var event []custody.Record
	if err := json.Unmarshal(l.last.events[contract.EventName], &event); err != nil || len(event) != 13 {
		t.Fatalf("event = %s (%v)", l.last.events[contract.EventName], err)
	}
	// A re-send with one new record: the old ones answer with their first
	// transaction, only the new one is written and in the event.
	got, err = l.record(t, a[9], a[10], a[11])
	if err != nil {
		t.Fatal(err)
	}
	if got[0].TxID != "tx1" || got[1].TxID != "tx1" || got[2].TxID != "tx2" || len(l.last.pending) != 1 {
		t.Fatalf("re-send entries = %+v, writes %d", got, len(l.last.pending))
	}
	// Nothing new: no write, no event.
	if _, err := l.record(t, a[0]); err != nil || len(l.last.pending) != 0 || len(l.last.events) != 0 {
		t.Fatalf("duplicate: err %v, writes %d, events %d", err, len(l.last.pending), len(l.last.events))
	}
	// Chain comes back in seq order, past the string order of 10 < 2.
	out, err := contract.New().Chain(l.ctx(), custody.KindEvent, "A")
	if err != nil {
		t.Fatal(err)
	}
	var chain []custody.Entry
	if err := json.Unmarshal([]byte(out), &chain); err != nil || len(chain) != 12 {
		t.Fatalf("chain = %s (%v)", out, err)
	}
	for i, e := range chain {
		if e.Seq != uint64(i) || e.Hash != a[i].Hash {
			t.Fatalf("chain[%d] = %+v", i, e)
		}
	}
	// Chain of "A" does not include a chain whose key starts with "A".
	if _, err := l.record(t, links("AB", 1)...); err != nil {
		t.Fatal(err)
	}
	if out, _ := contract.New().Chain(l.ctx(), custody.KindEvent, "A"); strings.Count(out, `"seq"`) != 12 {
		t.Errorf("chain A leaks into AB: %s", out)
	}
	if out, _ := contract.New().Chain(l.ctx(), custody.KindEvent, "none"); out != "[]" {
		t.Errorf("empty chain = %s", out)
	}
	if out, err := contract.New().Get(l.ctx(), custody.KindEvent, "B", 1); err != nil || !strings.Contains(out, b[1].Hash) {
		t.Errorf("Get = %s, %v", out, err)
	}
	if _, err := contract.New().Get(l.ctx(), custody.KindEvent, "B", 2); err == nil {
		t.Error("Get of a missing record succeeded")
	}
}

func TestRecordRefuses(t *testing.T) {
	l := &ledger{world: map[string][]byte{}}
	a, other := links("A", 2), links("X", 4)
	if _, err := l.record(t, a...); err != nil {
		t.Fatal(err)
	}
	wrongPrev := custody.Record{Kind: custody.KindEvent, Key: "A", Seq: 2, Hash: other[2].Hash, PrevHash: other[1].Hash}
	gap := custody.Record{Kind: custody.KindEvent, Key: "A", Seq: 3, Hash: other[3].Hash, PrevHash: a[1].Hash}
	overwrite := a[1]
	overwrite.Hash = other[1].Hash
	badKey := links("bad\x00key", 1)[0]
	tests := []struct {
		name string
		arg  string
		want error
	}{
		{"wrong prevHash", mustJSON(wrongPrev), custody.ErrPrevHash},
		{"gap", mustJSON(gap), custody.ErrGap},
		{"overwrite", mustJSON(overwrite), custody.ErrOverwrite},
		{"bad key", mustJSON(badKey), custody.ErrInvalid},
		{"not json", "{", custody.ErrInvalid},
		{"empty", "[]", custody.ErrInvalid},
		// A good record does not carry a bad one in with it.
		{"good then gap", mustJSON(links("C", 1)[0], gap), custody.ErrGap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := contract.New().Record(l.ctx(), tt.arg)
			if !errors.Is(err, tt.want) || !strings.HasPrefix(err.Error(), tt.want.Error()) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if len(l.last.pending) != 0 || len(l.last.events) != 0 {
				t.Errorf("refused transaction wrote %d keys, %d events", len(l.last.pending), len(l.last.events))
			}
		})
	}
}

func mustJSON(recs ...custody.Record) string {
	b, _ := json.Marshal(recs)
	return string(b)
}

// TestNewChaincode builds the chaincode as cmd/custody-chaincode does: the
// contract API accepts every exported method's signature, and Custody is the
// default contract, so clients call "Record" without a namespace.
func TestNewChaincode(t *testing.T) {
	cc, err := contractapi.NewChaincode(&contract.Custody{})
	if err != nil {
		t.Fatal(err)
	}
	if cc.DefaultContract != "Custody" {
		t.Errorf("default contract = %q", cc.DefaultContract)
	}
}

// TestRecordOwnership walks a lot through two organizations and a regulator,
// with every write the wrong organization might try on the way.
func TestRecordOwnership(t *testing.T) {
	l := &ledger{world: map[string][]byte{}}
	c := links("LOT", 6)
	step := func(i int, act, to, by string) custody.Record {
		r := c[i]
		r.Act, r.To, r.By = act, to, by
		return r
	}
	as := func(msp string, recs ...custody.Record) error {
		t.Helper()
		l.msp = msp
		_, err := l.record(t, recs...)
		return err
	}
	tests := []struct {
		name string
		msp  string
		recs []custody.Record
		want error
	}{
		{"a regulator starts no chain", "RegulatorMSP", []custody.Record{step(0, "", "", "")}, custody.ErrForbidden},
		{"the collector starts it and ships it", "CollectorMSP", []custody.Record{step(0, "", "", "CollectorMSP"), step(1, "ship", "ProcessorMSP", "CollectorMSP")}, nil},
		{"the regulator writes a step", "RegulatorMSP", []custody.Record{step(2, "", "", "RegulatorMSP")}, custody.ErrForbidden},
		{"another member receives it", "RetailMSP", []custody.Record{step(2, "receive", "", "")}, custody.ErrForbidden},
		{"a record naming another writer", "CollectorMSP", []custody.Record{step(2, "", "", "ProcessorMSP")}, custody.ErrForbidden},
		{"the processor receives it", "ProcessorMSP", []custody.Record{step(2, "receive", "", "ProcessorMSP")}, nil},
		{"the collector steps after handing on", "CollectorMSP", []custody.Record{step(3, "", "", "")}, custody.ErrForbidden},
		{"the regulator inspects", "RegulatorMSP", []custody.Record{step(3, "regulate", "", "RegulatorMSP")}, nil},
		{"the processor steps", "ProcessorMSP", []custody.Record{step(4, "", "", "")}, nil},
		{"the collector, as owner, recalls", "CollectorMSP", []custody.Record{step(5, "recall", "", "")}, nil},
	}
	for _, tt := range tests {
		err := as(tt.msp, tt.recs...)
		if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
			t.Fatalf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if err != nil && (len(l.last.pending) != 0 || len(l.last.events) != 0) {
			t.Errorf("%s: refused transaction wrote %d keys", tt.name, len(l.last.pending))
		}
	}
	out, err := contract.New("RegulatorMSP").Holder(l.ctx(), custody.KindEvent, "LOT")
	if err != nil || out != `{"owner":"CollectorMSP","custodian":"ProcessorMSP"}` {
		t.Fatalf("holder = %s, %v", out, err)
	}
	chain, err := contract.New().Chain(l.ctx(), custody.KindEvent, "LOT")
	var entries []custody.Entry
	if err != nil || json.Unmarshal([]byte(chain), &entries) != nil || len(entries) != 6 {
		t.Fatalf("chain = %s, %v", chain, err)
	}
	for i, org := range []string{"CollectorMSP", "CollectorMSP", "ProcessorMSP", "RegulatorMSP", "ProcessorMSP", "CollectorMSP"} {
		if entries[i].Org != org {
			t.Errorf("seq %d written by %s, want %s", i, entries[i].Org, org)
		}
	}
	// A re-send of what is held is accepted from anyone: it writes nothing.
	if err := as("RetailMSP", c[0]); err != nil || len(l.last.pending) != 0 {
		t.Errorf("re-send: %v, %d writes", err, len(l.last.pending))
	}
}

// TestRecordUpstream: a lot pressed from a collector's seed may reach the
// ledger before the seed does, and may be recalled by the collector, though
// the press owns and holds it; a recall that needs the seed's owner waits,
// as a gap, until the seed is on the ledger.
func TestRecordUpstream(t *testing.T) {
	l := &ledger{world: map[string][]byte{}}
	seed, oil := links("SEED", 3), links("OIL", 3)
	oil[0].From = []string{"SEED"}
	l.msp = "ProcessorMSP"
	if _, err := l.record(t, oil[0]); err != nil {
		t.Fatalf("oil before its seed: %v", err)
	}
	out, err := contract.New().Holder(l.ctx(), custody.KindEvent, "OIL")
	if err != nil || out != `{"owner":"ProcessorMSP","custodian":"ProcessorMSP","from":["SEED"]}` {
		t.Fatalf("holder = %s, %v", out, err)
	}
	oil[1].Act = custody.ActRecall
	l.msp = "CollectorMSP"
	if _, err := l.record(t, oil[1]); !errors.Is(err, custody.ErrGap) {
		t.Fatalf("the seed's owner recalls before the seed is held: %v, want a gap", err)
	}
	seed[1].Act, seed[1].To = custody.ActShip, "ProcessorMSP"
	if _, err := l.record(t, seed[0], seed[1]); err != nil {
		t.Fatal(err)
	}
	l.msp = "RetailMSP"
	if _, err := l.record(t, oil[1]); !errors.Is(err, custody.ErrForbidden) {
		t.Fatalf("a stranger recalls: %v, want forbidden", err)
	}
	l.msp = "CollectorMSP"
	if _, err := l.record(t, oil[1]); err != nil {
		t.Fatalf("the seed's owner recalls the oil: %v", err)
	}
}
