package fabric

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// both opens one ledger holding both organizations' identities, each
// through its own peer, as the service runs.
func both(t *testing.T) *Ledger {
	t.Helper()
	path := os.Getenv("AGRITRACE_FABRIC_ENV")
	if path == "" {
		t.Skip("no Fabric network: run scripts/fabric/up.sh and set AGRITRACE_FABRIC_ENV")
	}
	n, err := LoadNode(path, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(n.Own, n.Other...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestOwnershipOnChannel submits, through each organization's Gateway and
// signed by its own identity, every write the wrong organization might try
// on a collection center's lot, and sees the chaincode on both peers refuse
// each one while the legitimate writes go on.
func TestOwnershipOnChannel(t *testing.T) {
	node := both(t)
	collector, regulator := open(t, ""), open(t, "_2")
	c := chain(lotKey(t), 7)
	as := func(i int, act, to, by string) custody.Record {
		r := c[i]
		r.Act, r.To, r.By = act, to, by
		return r
	}
	const col, reg = "CollectorMSP", "RegulatorMSP"
	steps := []struct {
		name string
		l    *Ledger
		rec  custody.Record
		want error
	}{
		{"the regulator writes seq 0 of a lot nobody created", regulator, as(0, "", "", ""), custody.ErrForbidden},
		{"the collector starts its lot", collector, as(0, "", "", col), nil},
		{"the regulator writes the collector's next step", regulator, as(1, "", "", ""), custody.ErrForbidden},
		{"the regulator ships the collector's lot to itself", regulator, as(1, "ship", reg, ""), custody.ErrForbidden},
		{"a record naming the collector, signed by the regulator", regulator, as(1, "", "", col), custody.ErrForbidden},
		{"the collector writes an oversight record", collector, as(1, "regulate", "", col), custody.ErrForbidden},
		{"the collector steps", collector, as(1, "", "", col), nil},
		{"the regulator inspects", regulator, as(2, "regulate", "", reg), nil},
		{"the collector ships to the regulator", collector, as(3, "ship", reg, col), nil},
		{"the regulator takes custody", regulator, as(4, "receive", "", reg), custody.ErrForbidden},
		{"the collector steps while the lot is in transit", collector, as(4, "", "", col), nil},
		{"the regulator recalls", regulator, as(5, "recall", "", reg), nil},
		{"the collector steps after the refusals", collector, as(6, "", "", col), nil},
	}
	for _, s := range steps {
		// Straight to the Gateway as the ledger's own organization, past
		// Anchor's choice of identity by the record's writer. The other
		// organization's peer may not have committed the record before
		// yet, which it reports as a gap: ask again, as Anchor does.
		var err error
		for try := 0; try < 50; try++ {
			_, err = s.l.def.contract.SubmitWithContext(ctx, "Record", client.WithArguments(mustJSON(t, []custody.Record{s.rec})))
			if err != nil {
				err = classify(err)
			}
			if !errors.Is(err, custody.ErrGap) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if !errors.Is(err, s.want) || (err == nil) != (s.want == nil) {
			t.Fatalf("%s: err = %v, want %v", s.name, err, s.want)
		}
	}
	got, err := regulator.Chain(ctx, custody.KindEvent, c[0].Key)
	if err != nil || len(got) != len(c) {
		t.Fatalf("regulator's peer holds %d records (%v), want %d", len(got), err, len(c))
	}
	for i, org := range []string{col, col, reg, col, col, reg, col} {
		if got[i].Org != org || got[i].Hash != c[i].Hash || got[i].By != org {
			t.Errorf("seq %d = %+v, want written by %s", i, got[i], org)
		}
	}
	h, err := node.Holder(ctx, custody.KindEvent, c[0].Key)
	if err != nil || !h.Equal(custody.Holder{Owner: col, Custodian: col, Pending: reg}) {
		t.Errorf("holder = %+v, %v", h, err)
	}
	// One chain written by both organizations in turn, in one Anchor call:
	// each record is signed by the organization it names, in order.
	mixed := chain(lotKey(t), 5)
	for i, by := range []string{col, col, reg, col, reg} {
		mixed[i].By = by
		if by == reg {
			mixed[i].Act = custody.ActRegulate
		}
	}
	if _, err := node.Anchor(ctx, mixed); err != nil {
		t.Fatal(err)
	}
	// The last record committed on the regulator's peer; the collector's,
	// which Chain reads, may commit its block a moment later.
	eventually(t, "the mixed chain on the collector's peer", func() error {
		got, err := node.Chain(ctx, custody.KindEvent, mixed[0].Key)
		if err == nil && (len(got) != 5 || got[2].Org != reg || got[3].Org != col) {
			err = fmt.Errorf("mixed chain = %+v", got)
		}
		return err
	})
}

// TestEndorsementPolicy: a transaction endorsed by one organization's peer
// alone does not commit; the channel's policy wants both.
func TestEndorsementPolicy(t *testing.T) {
	l := open(t, "")
	rec := chain(lotKey(t), 1)
	arg := mustJSON(t, rec)
	proposal, err := l.def.contract.NewProposal("Record", client.WithArguments(arg), client.WithEndorsingOrganizations("CollectorMSP"))
	if err != nil {
		t.Fatal(err)
	}
	tx, err := proposal.Endorse()
	if err != nil {
		t.Fatal(err)
	}
	commit, err := tx.Submit()
	if err != nil {
		t.Fatal(err)
	}
	status, err := commit.Status()
	if err != nil {
		t.Fatal(err)
	}
	if status.Successful || status.Code != peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE {
		t.Fatalf("one organization's endorsement: committed %v, code %s", status.Successful, status.Code)
	}
	if got, err := l.Chain(ctx, custody.KindEvent, rec[0].Key); err != nil || len(got) != 0 {
		t.Errorf("chain after a refused transaction = %+v, %v", got, err)
	}
	// Endorsed as the policy wants, the same record commits.
	if _, err := l.Anchor(ctx, rec); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, recs []custody.Record) string {
	t.Helper()
	b, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
