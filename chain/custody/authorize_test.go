package custody_test

import (
	"errors"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
)

func TestAuthorize(t *testing.T) {
	held := &custody.Holder{Owner: "CollectorMSP", Custodian: "CollectorMSP"}
	shipped := &custody.Holder{Owner: "CollectorMSP", Custodian: "CollectorMSP", Pending: "ProcessorMSP"}
	moved := &custody.Holder{Owner: "CollectorMSP", Custodian: "ProcessorMSP"}
	pressed := &custody.Holder{Owner: "ProcessorMSP", Custodian: "RetailMSP", From: []string{"SEED"}}
	rec := func(seq uint64, act, to, by string) custody.Record {
		return custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: seq, Act: act, To: to, By: by}
	}
	tests := []struct {
		name      string
		h         *custody.Holder
		r         custody.Record
		org       string
		regulator bool
		want      custody.Holder
		err       error
	}{
		{"first record makes owner and custodian", nil, rec(0, "", "", ""), "CollectorMSP", false, *held, nil},
		{"first record says what it was made from", nil, custody.Record{Kind: custody.KindEvent, Key: "OIL", From: []string{"SEED"}}, "ProcessorMSP", false,
			custody.Holder{Owner: "ProcessorMSP", Custodian: "ProcessorMSP", From: []string{"SEED"}}, nil},
		{"first record naming its writer", nil, rec(0, "", "", "CollectorMSP"), "CollectorMSP", false, *held, nil},
		{"regulator starts no chain", nil, rec(0, "", "", ""), "RegulatorMSP", true, custody.Holder{}, custody.ErrForbidden},
		{"a chain does not start with a shipment", nil, rec(0, "ship", "X", ""), "CollectorMSP", false, custody.Holder{}, custody.ErrForbidden},
		{"no holder past seq 0", nil, rec(1, "", "", ""), "CollectorMSP", false, custody.Holder{}, custody.ErrForbidden},
		{"custodian's step", held, rec(1, "", "", ""), "CollectorMSP", false, *held, nil},
		{"someone else's step", held, rec(1, "", "", ""), "ProcessorMSP", false, custody.Holder{}, custody.ErrForbidden},
		{"writer named is not the signer", held, rec(1, "", "", "CollectorMSP"), "ProcessorMSP", false, custody.Holder{}, custody.ErrForbidden},
		{"custodian ships", held, rec(1, "ship", "ProcessorMSP", ""), "CollectorMSP", false, *shipped, nil},
		{"shipment without a receiver", held, rec(1, "ship", "", ""), "CollectorMSP", false, custody.Holder{}, custody.ErrInvalid},
		{"a step naming a receiver", held, rec(1, "", "ProcessorMSP", ""), "CollectorMSP", false, custody.Holder{}, custody.ErrInvalid},
		{"unknown act", held, rec(1, "steal", "", ""), "CollectorMSP", false, custody.Holder{}, custody.ErrInvalid},
		{"someone else ships", held, rec(1, "ship", "ProcessorMSP", ""), "ProcessorMSP", false, custody.Holder{}, custody.ErrForbidden},
		{"receiver receives", shipped, rec(2, "receive", "", ""), "ProcessorMSP", false, *moved, nil},
		{"receipt by another", shipped, rec(2, "receive", "", ""), "RetailMSP", false, custody.Holder{}, custody.ErrForbidden},
		{"receipt with nothing shipped", held, rec(2, "receive", "", ""), "CollectorMSP", false, custody.Holder{}, custody.ErrForbidden},
		{"custodian still steps while in transit", shipped, rec(2, "", "", ""), "CollectorMSP", false, *shipped, nil},
		{"receiver before receipt", shipped, rec(2, "", "", ""), "ProcessorMSP", false, custody.Holder{}, custody.ErrForbidden},
		{"former custodian after receipt", moved, rec(3, "", "", ""), "CollectorMSP", false, custody.Holder{}, custody.ErrForbidden},
		{"regulator's oversight", moved, rec(3, "regulate", "", "RegulatorMSP"), "RegulatorMSP", true, *moved, nil},
		{"oversight by a member", moved, rec(3, "regulate", "", ""), "ProcessorMSP", false, custody.Holder{}, custody.ErrForbidden},
		{"regulator's step", moved, rec(3, "", "", ""), "RegulatorMSP", true, custody.Holder{}, custody.ErrForbidden},
		{"regulator ships", moved, rec(3, "ship", "RegulatorMSP", ""), "RegulatorMSP", true, custody.Holder{}, custody.ErrForbidden},
		{"regulator receives", shipped, rec(3, "receive", "", ""), "RegulatorMSP", true, custody.Holder{}, custody.ErrForbidden},
		{"owner recalls after handing on", moved, rec(3, "recall", "", ""), "CollectorMSP", false, *moved, nil},
		{"custodian recalls", moved, rec(3, "recall", "", ""), "ProcessorMSP", false, *moved, nil},
		{"regulator recalls", moved, rec(3, "recall", "", ""), "RegulatorMSP", true, *moved, nil},
		{"stranger recalls", moved, rec(3, "recall", "", ""), "RetailMSP", false, custody.Holder{}, custody.ErrForbidden},
		{"an owner upstream recalls", pressed, rec(3, "recall", "", ""), "CollectorMSP", false, *pressed, nil},
		{"an owner two chains upstream recalls", pressed, rec(3, "recall", "", ""), "FarmMSP", false, *pressed, nil},
		{"a stranger to the sources recalls", pressed, rec(3, "recall", "", ""), "RetailMSP2", false, custody.Holder{}, custody.ErrForbidden},
		{"an owner upstream steps", pressed, rec(3, "", "", ""), "CollectorMSP", false, custody.Holder{}, custody.ErrForbidden},
		{"a regulator files a complaint", nil, custody.Record{Kind: custody.KindComplaint, Key: "C1"}, "RegulatorMSP", true,
			custody.Holder{Owner: "RegulatorMSP", Custodian: "RegulatorMSP"}, nil},
		{"a chain says what it was made from only at seq 0", held, custody.Record{Kind: custody.KindEvent, Key: "L1", Seq: 1, From: []string{"S"}}, "CollectorMSP", false, custody.Holder{}, custody.ErrInvalid},
		{"a chain is not made from itself", nil, custody.Record{Kind: custody.KindEvent, Key: "L1", From: []string{"L1"}}, "CollectorMSP", false, custody.Holder{}, custody.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := custody.Authorize(tt.h, tt.r, tt.org, tt.regulator, sources)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("holder = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// sources answers Upstream from a fixed family: SEED, owned by
// CollectorMSP, was made from FARM, owned by FarmMSP.
func sources(from []string, org string) (bool, error) {
	owner := map[string]string{"SEED": "CollectorMSP", "FARM": "FarmMSP"}
	parent := map[string][]string{"SEED": {"FARM"}}
	for len(from) > 0 {
		k := from[0]
		from = append(from[1:], parent[k]...)
		if owner[k] == org {
			return true, nil
		}
	}
	return false, nil
}

// TestAuthorizeUpstreamWaits: a recall whose right depends on a chain the
// ledger does not hold yet waits with the ledger's answer, and Upstream is
// not asked for the owner's own recall.
func TestAuthorizeUpstreamWaits(t *testing.T) {
	h := &custody.Holder{Owner: "ProcessorMSP", Custodian: "ProcessorMSP", From: []string{"SEED"}}
	recall := custody.Record{Kind: custody.KindEvent, Key: "OIL", Seq: 1, Act: custody.ActRecall}
	notYet := func([]string, string) (bool, error) { return false, custody.ErrGap }
	if _, err := custody.Authorize(h, recall, "CollectorMSP", false, notYet); !errors.Is(err, custody.ErrGap) {
		t.Errorf("recall before the sources are held: %v, want a gap", err)
	}
	if _, err := custody.Authorize(h, recall, "ProcessorMSP", false, notYet); err != nil {
		t.Errorf("the owner's recall asked upstream: %v", err)
	}
}
