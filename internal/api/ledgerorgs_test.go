package api_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// roleMSPs puts the cast in three ledger organizations by role: oversight
// (regulators and labs) in RegulatorMSP, processors in ProcessorMSP, and
// everyone else, anonymous consumers too, in CollectorMSP.
type roleMSPs struct{}

func (roleMSPs) LedgerOrg(o trace.Org) string {
	switch {
	case o.Has(trace.RoleRegulator, trace.RoleLab):
		return "RegulatorMSP"
	case o.Has(trace.RoleProcessor):
		return "ProcessorMSP"
	}
	return "CollectorMSP"
}

// TestRecordsSayWhoWritesThem runs the story (commission, inspection and
// certificate by the collector, shipments between organizations of other
// ledger organizations and their receipts, transform, pack, sell), a batch
// commissioning and shipping a lot, a lab's and a regulator's inspection, a
// regulator's recall, a consumer's complaint worked by the regulator and a
// licence granted and revoked by the brand owner, and checks the act,
// recipient and signer of every record the service queued.
func TestRecordsSayWhoWritesThem(t *testing.T) {
	e := start(t, func(o *options) { o.service = func(s *trace.Service) { s.LedgerOrgs = roleMSPs{} } })
	st := e.story(t)
	const lab = "hubei-lab"
	labOrg := trace.Org{ID: lab, Name: "湖北省食品质量检测中心", Roles: []string{trace.RoleLab}, Region: "420100"}
	expect(t, e.as(demo.Admin), "POST", "/api/v1/orgs", labOrg, 201, "", "")
	var key struct{ Key string }
	if err := e.as(demo.Admin).Do(bg, "POST", "/api/v1/orgs/"+lab+"/keys", nil, &key); err != nil {
		t.Fatal(err)
	}
	e.Keys[lab] = key.Key
	for _, org := range []string{lab, demo.Regulator} {
		expect(t, e.as(org), "POST", "/api/v1/lots/"+st.OilLot+"/inspect", trace.InspectInput{Results: map[string]any{"aflatoxinB1": 3}}, 200, "", "")
	}
	var filed struct{ ID string }
	if err := e.as("").Do(bg, "POST", "/api/v1/complaints", trace.FileInput{Serial: st.Sold[0], Kind: "quality", Description: "油有异味"}, &filed); err != nil {
		t.Fatal(err)
	}
	for _, w := range []trace.WorkInput{{Action: "assign", Assignee: "张科长"}, {Action: "close", Resolution: trace.ComplaintConfirmed}} {
		expect(t, e.as(demo.Regulator), "POST", "/api/v1/complaints/"+filed.ID+"/actions", w, 200, "", "")
	}
	expect(t, e.as(demo.Regulator), "POST", "/api/v1/lots/"+st.SeedLots[0]+"/recall", trace.RecallInput{Reason: "黄曲霉毒素超标"}, 200, "", "")
	expect(t, e.as(demo.Mill), "POST", "/api/v1/products/"+demo.Bottle+"/licences", map[string]string{"licensee": demo.DC}, 201, "", "")
	// A batch goes through the same rules as single writes.
	batched := trace.LotID(demo.Seed, "LEDGER1")
	sendBatch(t, e, demo.Collector,
		demo.BatchEvent{Op: "commission", Body: seedBody("LEDGER1", 500)},
		demo.BatchEvent{Op: "ship", Lot: batched, Body: trace.ShipInput{To: demo.Mill}})
	expect(t, e.as(demo.Mill), "DELETE", "/api/v1/products/"+demo.Bottle+"/licences/"+demo.DC, nil, 200, "", "")
	// Regulators and labs oversee lots where they are; they never take one
	// into custody, which the ledger would refuse them.
	for _, to := range []string{lab, demo.Regulator} {
		expect(t, e.as(demo.Mill), "POST", "/api/v1/lots/"+st.OilLot+"/ship", trace.ShipInput{To: to}, 422, "unprocessable", "to")
	}

	orgs := map[string]trace.Org{lab: labOrg}
	for _, o := range demo.Cast() {
		orgs[o.ID] = o
	}
	msp := func(id string) string { return roleMSPs{}.LedgerOrg(orgs[id]) }
	seen := map[string]int{}
	check := func(what string, a trace.Anchor, want custody.Record) {
		t.Helper()
		seen[want.Act]++
		if len(want.From) > 0 {
			seen["from"]++
		}
		if a.Act != want.Act || a.To != want.To || a.By != want.By || !slices.Equal(a.From, want.From) {
			t.Errorf("%s (%s/%s seq %d): act %q to %q by %q from %q, want act %q to %q by %q from %q",
				what, a.Kind, a.Key, a.Seq, a.Act, a.To, a.By, a.From, want.Act, want.To, want.By, want.From)
		}
	}
	lots := append(slices.Clone(st.SeedLots), st.OilLot, st.MealLot, st.BottleLot, batched)
	for _, lot := range lots {
		events, err := e.Store.Events(bg, lot)
		if err != nil {
			t.Fatal(err)
		}
		anchors, err := e.Store.Anchors(bg, custody.KindEvent, lot)
		if err != nil || len(anchors) != len(events) {
			t.Fatalf("%s: %d events, %d outbox records (%v)", lot, len(events), len(anchors), err)
		}
		l, err := e.Store.Lot(bg, lot)
		if err != nil {
			t.Fatal(err)
		}
		for i, ev := range events {
			want := custody.Record{By: msp(ev.Actor)}
			if i == 0 {
				// A lot's first record names the lots it was made from.
				for _, p := range l.Parents {
					if !slices.Contains(want.From, p.Lot) {
						want.From = append(want.From, p.Lot)
					}
				}
			}
			switch ev.Type {
			case trace.EventShip:
				var p struct{ To string }
				if err := json.Unmarshal(ev.Payload, &p); err != nil {
					t.Fatal(err)
				}
				want.Act, want.To = custody.ActShip, msp(p.To)
			case trace.EventReceive:
				want.Act = custody.ActReceive
			case trace.EventRecall:
				want.Act = custody.ActRecall
			default:
				// Labs and regulators hold no lot in this story.
				if orgs[ev.Actor].Has(trace.RoleLab, trace.RoleRegulator) {
					want.Act = custody.ActRegulate
				}
			}
			check(ev.Type+" by "+ev.Actor, anchors[i], want)
		}
	}
	complaint, err := e.Store.Anchors(bg, custody.KindComplaint, filed.ID)
	if err != nil || len(complaint) != 3 {
		t.Fatalf("complaint %s: %d outbox records (%v)", filed.ID, len(complaint), err)
	}
	check("complaint filed by a consumer", complaint[0], custody.Record{By: "CollectorMSP"})
	for _, a := range complaint[1:] {
		check("complaint worked by the regulator", a, custody.Record{Act: custody.ActRegulate, By: "RegulatorMSP"})
	}
	licence, err := e.Store.Anchors(bg, custody.KindLicence, demo.Bottle)
	if err != nil || len(licence) != 2 {
		t.Fatalf("licences of %s: %d outbox records (%v)", demo.Bottle, len(licence), err)
	}
	for _, a := range licence {
		check("licence entry by the brand owner", a, custody.Record{By: "ProcessorMSP"})
	}
	for _, act := range []string{custody.ActStep, custody.ActShip, custody.ActReceive, custody.ActRecall, custody.ActRegulate, "from"} {
		if seen[act] == 0 {
			t.Errorf("no record with act %q was checked", act)
		}
	}
}

// TestRecordsWithoutLedgerOrgs: with no mapping, as on the embedded ledger,
// records name no signer, and still say what they do to custody.
func TestRecordsWithoutLedgerOrgs(t *testing.T) {
	e := start(t)
	st := e.story(t)
	anchors, err := e.Store.Anchors(bg, custody.KindEvent, st.SeedLots[0])
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, a := range anchors {
		if a.By != "" || a.To != "" {
			t.Errorf("%s seq %d: to %q by %q, want neither", a.Key, a.Seq, a.To, a.By)
		}
		acts = append(acts, a.Act)
	}
	if !slices.Contains(acts, custody.ActShip) || !slices.Contains(acts, custody.ActReceive) {
		t.Errorf("acts of %s = %q, want a shipment and its receipt among them", st.SeedLots[0], acts)
	}
}
