// Package storetest is the contract every trace.Store must honour, as one suite
// of tests that each store package runs against a real database.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
)

// Opener returns a fresh, empty store for one test; it registers its own cleanup.
type Opener func(t *testing.T) trace.Store

// Run runs the whole contract against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, trace.Store)
	}{
		{"Orgs", testOrgs},
		{"APIKeys", testAPIKeys},
		{"Products", testProducts},
		{"CommitRoundTrip", testCommitRoundTrip},
		{"CommitIsAtomic", testCommitIsAtomic},
		{"CommitDetectsLostUpdate", testCommitDetectsLostUpdate},
		{"BatchSizedCommit", testBatchSizedCommit},
		{"LotFilters", testLotFilters},
		{"LotWalk", testLotWalk},
		{"Units", testUnits},
		{"Anchors", testAnchors},
		{"ClaimAnchors", testClaimAnchors},
		{"AnchorWriters", testAnchorWriters},
		{"Scans", testScans},
		{"ScanBatches", testScanBatches},
		{"Complaints", testComplaints},
		{"ComplaintPages", testComplaintPages},
		{"OrgUpdates", testOrgUpdates},
		{"KeyRevocation", testKeyRevocation},
		{"Prefixes", testPrefixes},
		{"Licences", testLicences},
		{"Replays", testReplays},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"EventsPage", testEventsPage},
		{"Captured", testCaptured},
		{"LedgerClaim", testLedgerClaim},
		{"LiveInstances", testLiveInstances},
		{"RateHits", testRateHits},
		{"LabelKeyrings", testLabelKeyrings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var ctx = context.Background()

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := trace.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var t0 = time.Date(2026, 5, 20, 8, 30, 0, 123_000_000, time.UTC)

func testOrgs(t *testing.T, s trace.Store) {
	o := trace.Org{ID: "coop-a", Name: "油菜专业合作社", Roles: []string{trace.RoleProducer}, Region: "420526", CreatedAt: t0}
	must(t, s.CreateOrg(ctx, o))
	wantCode(t, s.CreateOrg(ctx, o), trace.ECONFLICT)
	got, err := s.Org(ctx, "coop-a")
	must(t, err)
	if got.Name != o.Name || !got.CreatedAt.Equal(t0) || len(got.Roles) != 1 {
		t.Errorf("Org = %+v, want %+v", got, o)
	}
	_, err = s.Org(ctx, "nobody")
	wantCode(t, err, trace.ENOTFOUND)
	must(t, s.CreateOrg(ctx, trace.Org{ID: "mill", Name: "Mill", Roles: []string{trace.RoleProcessor}, Region: "420526"}))
	all, err := s.Orgs(ctx)
	must(t, err)
	if len(all) != 2 || all[0].ID != "coop-a" || all[1].ID != "mill" {
		t.Errorf("Orgs = %+v", all)
	}
}

func testAPIKeys(t *testing.T, s trace.Store) {
	must(t, s.CreateOrg(ctx, trace.Org{ID: "shop", Name: "Shop", Roles: []string{trace.RoleRetailer}, Region: "420526"}))
	k, secret := trace.NewAPIKey("shop", "cli", t0)
	must(t, s.CreateAPIKey(ctx, k))
	o, err := s.OrgByAPIKey(ctx, trace.HashAPIKey(secret))
	must(t, err)
	if o.ID != "shop" {
		t.Errorf("OrgByAPIKey = %s, want shop", o.ID)
	}
	_, err = s.OrgByAPIKey(ctx, trace.HashAPIKey(secret+"x"))
	wantCode(t, err, trace.EUNAUTHORIZED)
}

func testProducts(t *testing.T, s trace.Store) {
	p := trace.Product{GTIN: "06901234567892", NameZH: "油菜籽", Unit: trace.UnitKG, CreatedAt: t0}
	must(t, s.CreateProduct(ctx, p))
	wantCode(t, s.CreateProduct(ctx, p), trace.ECONFLICT)
	got, err := s.Product(ctx, p.GTIN)
	must(t, err)
	if got != p {
		t.Errorf("Product = %+v, want %+v", got, p)
	}
	_, err = s.Product(ctx, "00000000000000")
	wantCode(t, err, trace.ENOTFOUND)
	all, err := s.Products(ctx)
	must(t, err)
	if len(all) != 1 {
		t.Errorf("Products = %+v", all)
	}
}

// newLot returns a commissioned lot, its first event and the matching outbox record.
func newLot(t *testing.T, number string, parents ...trace.Portion) (trace.Lot, trace.Event, custody.Record) {
	t.Helper()
	id := trace.LotID("06901234567892", number)
	e := trace.Event{
		Lot: id, Seq: 0, Type: trace.EventCommission, BizStep: trace.BizSteps[trace.EventCommission],
		Actor: "cc", Place: trace.Place{Name: "集配中心", Region: "420526"}, Time: t0, Quantity: 5_000_000,
		Payload: json.RawMessage(`{"moisture":7.2,"note":"晴"}`),
	}
	h, err := e.ComputeHash()
	must(t, err)
	e.Hash = h
	l := trace.Lot{
		ID: id, GTIN: "06901234567892", Number: number, Quantity: 5_000_000, Available: 5_000_000, BaseUnit: "g",
		Origin:     &trace.Origin{Region: "420526101", Village: "桃园村", HarvestDate: "2026-05-10"},
		Attributes: map[string]any{"grade": "2"}, Status: trace.LotActive, Producer: "cc", Custodian: "cc",
		Parents: parents, Seq: 0, Head: h, CreatedAt: t0, UpdatedAt: t0,
		// The largest quantity there is must come back exactly.
		Basis: trace.Basis{"rapeseed": trace.MaxQuantity},
	}
	return l, e, custody.Record{Kind: custody.KindEvent, Key: id, Seq: 0, Hash: h}
}

// nextEvent returns the event after l's head and l updated by it.
func nextEvent(t *testing.T, l trace.Lot, typ, custodian string) (trace.Lot, trace.Event, custody.Record) {
	t.Helper()
	e := trace.Event{
		Lot: l.ID, Seq: l.Seq + 1, Type: typ, BizStep: trace.BizSteps[typ], Actor: l.Custodian,
		Place: trace.Place{Name: "x", Region: "420526"}, Time: t0.Add(time.Hour), Quantity: l.Available, PrevHash: l.Head,
	}
	h, err := e.ComputeHash()
	must(t, err)
	e.Hash = h
	l.Seq, l.Head, l.Custodian = e.Seq, h, custodian
	return l, e, custody.Record{Kind: custody.KindEvent, Key: l.ID, Seq: uint64(e.Seq), Hash: h, PrevHash: e.PrevHash}
}

func commission(t *testing.T, s trace.Store, number string, parents ...trace.Portion) trace.Lot {
	t.Helper()
	l, e, r := newLot(t, number, parents...)
	must(t, s.Commit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: l, PrevSeq: -1}}, Events: []trace.Event{e}, Anchors: []custody.Record{r}}))
	return l
}

func testCommitRoundTrip(t *testing.T, s trace.Store) {
	l := commission(t, s, "L1")
	got, err := s.Lot(ctx, l.ID)
	must(t, err)
	if got.Head != l.Head || got.Origin.Village != "桃园村" || got.Attributes["grade"] != "2" || !got.CreatedAt.Equal(t0) ||
		got.Basis["rapeseed"] != trace.MaxQuantity {
		t.Errorf("Lot = %+v", got)
	}
	evs, err := s.Events(ctx, l.ID)
	must(t, err)
	if len(evs) != 1 {
		t.Fatalf("Events = %d, want 1", len(evs))
	}
	// The hash recomputed from what the store returns must equal the one taken
	// before it went in, or verification would see tampering everywhere.
	h, err := evs[0].ComputeHash()
	must(t, err)
	if h != l.Head || evs[0].Hash != l.Head {
		t.Errorf("event hash after round trip = %s (stored %s), want %s", h, evs[0].Hash, l.Head)
	}
	_, err = s.Lot(ctx, "nope")
	wantCode(t, err, trace.ENOTFOUND)
	none, err := s.Events(ctx, "nope")
	must(t, err)
	if len(none) != 0 {
		t.Errorf("Events of unknown lot = %d", len(none))
	}
}

func testCommitIsAtomic(t *testing.T, s trace.Store) {
	in := commission(t, s, "IN")
	// A transform-like change whose second new lot collides with an existing one:
	// nothing of it may remain, not the input's update, not the first output.
	commission(t, s, "TAKEN")
	upd, ev, rec := nextEvent(t, in, trace.EventTransform, in.Custodian)
	out1, ev1, rec1 := newLot(t, "OUT1", trace.Portion{Lot: in.ID, Quantity: 1})
	out2, ev2, rec2 := newLot(t, "TAKEN", trace.Portion{Lot: in.ID, Quantity: 1})
	err := s.Commit(ctx, trace.Change{
		Lots:    []trace.LotWrite{{Lot: upd, PrevSeq: in.Seq}, {Lot: out1, PrevSeq: -1}, {Lot: out2, PrevSeq: -1}},
		Events:  []trace.Event{ev, ev1, ev2},
		Anchors: []custody.Record{rec, rec1, rec2},
	})
	wantCode(t, err, trace.ECONFLICT)
	got, err := s.Lot(ctx, in.ID)
	must(t, err)
	if got.Seq != in.Seq {
		t.Errorf("input lot seq = %d after failed commit, want %d", got.Seq, in.Seq)
	}
	if _, err := s.Lot(ctx, out1.ID); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Errorf("output lot of failed commit exists (err %v)", err)
	}
	evs, err := s.Events(ctx, in.ID)
	must(t, err)
	if len(evs) != 1 {
		t.Errorf("input has %d events after failed commit, want 1", len(evs))
	}
	pending, err := s.PendingAnchors(ctx, 100)
	must(t, err)
	if len(pending) != 2 {
		t.Errorf("outbox holds %d records after failed commit, want 2", len(pending))
	}
	children, err := s.Lots(ctx, trace.LotFilter{Parent: in.ID})
	must(t, err)
	if len(children) != 0 {
		t.Errorf("failed commit left %d child links", len(children))
	}
}

func testCommitDetectsLostUpdate(t *testing.T, s trace.Store) {
	l := commission(t, s, "L1")
	a, ea, ra := nextEvent(t, l, trace.EventShip, "cc")
	b, eb, rb := nextEvent(t, l, trace.EventInspect, "cc")
	must(t, s.Commit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: a, PrevSeq: l.Seq}}, Events: []trace.Event{ea}, Anchors: []custody.Record{ra}}))
	err := s.Commit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: b, PrevSeq: l.Seq}}, Events: []trace.Event{eb}, Anchors: []custody.Record{rb}})
	wantCode(t, err, trace.ECONFLICT)
	evs, err := s.Events(ctx, l.ID)
	must(t, err)
	if len(evs) != 2 || evs[1].Type != trace.EventShip {
		t.Errorf("events after lost update = %+v", evs)
	}
}

func testLotFilters(t *testing.T, s trace.Store) {
	a := commission(t, s, "A")
	commission(t, s, "B")
	commission(t, s, "C", trace.Portion{Lot: a.ID, Quantity: 10})
	moved, ev, rec := nextEvent(t, a, trace.EventReceive, "mill")
	moved.Holders, moved.Areas = []string{"cc", "mill"}, []string{"42", "4205", "420526"}
	must(t, s.Commit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: moved, PrevSeq: a.Seq}}, Events: []trace.Event{ev}, Anchors: []custody.Record{rec}}))
	tests := []struct {
		name string
		f    trace.LotFilter
		want []string
	}{
		{"all", trace.LotFilter{}, []string{"A", "B", "C"}},
		{"custodian", trace.LotFilter{Custodian: "mill"}, []string{"A"}},
		{"parent", trace.LotFilter{Parent: a.ID}, []string{"C"}},
		{"status", trace.LotFilter{Status: trace.LotRecalled}, nil},
		{"limit", trace.LotFilter{Limit: 2}, []string{"A", "B"}},
		{"held before", trace.LotFilter{Holder: "mill"}, []string{"A"}},
		// Lots without holders (written by older versions) count their producer.
		{"made", trace.LotFilter{Holder: "cc"}, []string{"A", "B", "C"}},
		{"held by nobody", trace.LotFilter{Holder: "shop"}, nil},
		{"area", trace.LotFilter{Area: "4205"}, []string{"A"}},
		{"area and holder", trace.LotFilter{Area: "420526", Holder: "mill", Custodian: "mill"}, []string{"A"}},
		{"other area", trace.LotFilter{Area: "11"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Lots(ctx, tt.f)
			must(t, err)
			var numbers []string
			for _, l := range got {
				numbers = append(numbers, l.Number)
			}
			if fmt.Sprint(numbers) != fmt.Sprint(tt.want) {
				t.Errorf("Lots(%+v) = %v, want %v", tt.f, numbers, tt.want)
			}
		})
	}
}

func testUnits(t *testing.T, s trace.Store) {
	l := commission(t, s, "P1")
	var ws []trace.UnitWrite
	for _, serial := range []string{"S2", "S1"} {
		ws = append(ws, trace.UnitWrite{Unit: trace.Unit{Serial: serial, Lot: l.ID, GTIN: l.GTIN, LotNumber: l.Number, KeyID: "k1", Signature: "sig", Status: trace.UnitActive, CreatedAt: t0}})
	}
	must(t, s.Commit(ctx, trace.Change{Units: ws}))
	wantCode(t, s.Commit(ctx, trace.Change{Units: ws[:1]}), trace.ECONFLICT)
	units, err := s.Units(ctx, l.ID)
	must(t, err)
	if len(units) != 2 || units[0].Serial != "S1" {
		t.Fatalf("Units = %+v", units)
	}
	sold := units[0]
	sold.Status, sold.SoldBy, sold.SoldAt = trace.UnitSold, "shop", t0
	must(t, s.Commit(ctx, trace.Change{Units: []trace.UnitWrite{{Unit: sold, PrevStatus: trace.UnitActive}}}))
	wantCode(t, s.Commit(ctx, trace.Change{Units: []trace.UnitWrite{{Unit: sold, PrevStatus: trace.UnitActive}}}), trace.ECONFLICT)
	got, err := s.Unit(ctx, "S1")
	must(t, err)
	if got.Status != trace.UnitSold || !got.SoldAt.Equal(t0) {
		t.Errorf("Unit = %+v", got)
	}
	_, err = s.Unit(ctx, "nope")
	wantCode(t, err, trace.ENOTFOUND)
}

func testAnchors(t *testing.T, s trace.Store) {
	a := commission(t, s, "A")
	b := commission(t, s, "B")
	a1, ev, rec := nextEvent(t, a, trace.EventShip, "cc")
	must(t, s.Commit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: a1, PrevSeq: a.Seq}}, Events: []trace.Event{ev}, Anchors: []custody.Record{rec}}))
	pending, err := s.PendingAnchors(ctx, 10)
	must(t, err)
	if len(pending) != 3 || pending[0].Key != a.ID || pending[1].Key != a.ID || pending[1].Seq != 1 || pending[1].PrevHash != a.Head || pending[2].Key != b.ID {
		t.Fatalf("PendingAnchors = %+v", pending)
	}
	if n, err := s.PendingAnchorCount(ctx); err != nil || n != 3 {
		t.Errorf("PendingAnchorCount = %d, %v; want 3", n, err)
	}
	first, err := s.PendingAnchors(ctx, 1)
	must(t, err)
	if len(first) != 1 || !first[0].Equal(pending[0]) {
		t.Errorf("PendingAnchors(1) = %+v", first)
	}
	must(t, s.SettleAnchors(ctx, []trace.AnchorOutcome{
		{Record: pending[0], Ledger: "embedded", Receipt: trace.Receipt{TxID: "tx1", Block: 7}, At: t0},
		{Record: pending[2], Ledger: "embedded", Refused: "custody: gap in chain", At: t0},
	}))
	left, err := s.PendingAnchors(ctx, 10)
	must(t, err)
	if len(left) != 1 || !left[0].Equal(pending[1]) {
		t.Errorf("PendingAnchors after settle = %+v", left)
	}
	if n, err := s.PendingAnchorCount(ctx); err != nil || n != 1 {
		t.Errorf("PendingAnchorCount after settle = %d, %v; want 1", n, err)
	}
	as, err := s.Anchors(ctx, custody.KindEvent, a.ID)
	must(t, err)
	if len(as) != 2 || as[0].Status != trace.AnchorAnchored || as[0].TxID != "tx1" || as[0].Block != 7 || as[1].Status != trace.AnchorPending {
		t.Errorf("Anchors(a) = %+v", as)
	}
	bs, err := s.Anchors(ctx, custody.KindEvent, b.ID)
	must(t, err)
	if len(bs) != 1 || bs[0].Status != trace.AnchorRejected || bs[0].Error == "" {
		t.Errorf("Anchors(b) = %+v", bs)
	}

	// A ledger that lost blocks from 8 on gets nothing back; from 7 on, the
	// record settled in block 7 is pending again, ahead of the later one.
	for _, tc := range []struct {
		ledger string
		block  uint64
		want   int
	}{{"embedded", 8, 0}, {"fabric", 7, 0}, {"embedded", 7, 1}} {
		if n, err := s.ResendAnchors(ctx, tc.ledger, tc.block); err != nil || n != tc.want {
			t.Errorf("ResendAnchors(%s, %d) = %d, %v; want %d", tc.ledger, tc.block, n, err, tc.want)
		}
	}
	again, err := s.PendingAnchors(ctx, 10)
	must(t, err)
	if len(again) != 2 || !again[0].Equal(pending[0]) || !again[1].Equal(pending[1]) {
		t.Errorf("PendingAnchors after resend = %+v", again)
	}
}

func testScans(t *testing.T, s trace.Store) {
	for i, serial := range []string{"S1", "S1", "S2"} {
		must(t, s.AddScan(ctx, trace.Scan{
			ID: fmt.Sprintf("scan-%d", i), Serial: serial, Lot: "L", Time: t0.Add(time.Duration(i) * time.Minute),
			Region: "420526", Client: "consumer", Verdict: "genuine", Reasons: []string{"ok"},
		}))
	}
	s1, err := s.Scans(ctx, trace.ScanFilter{Serial: "S1"})
	must(t, err)
	if len(s1) != 2 || s1[0].ID != "scan-1" || !s1[1].Time.Equal(t0) {
		t.Errorf("Scans(S1) = %+v", s1)
	}
	// Times whose fractions differ in length must still sort by time.
	for i, at := range []time.Time{t0.Add(time.Hour).Truncate(time.Second), t0.Add(time.Hour).Truncate(time.Second).Add(500 * time.Millisecond)} {
		must(t, s.AddScan(ctx, trace.Scan{ID: fmt.Sprintf("late-%d", i), Serial: "S9", Lot: "L9", Time: at, Client: "consumer", Verdict: "genuine"}))
	}
	late, err := s.Scans(ctx, trace.ScanFilter{Serial: "S9"})
	must(t, err)
	if len(late) != 2 || late[0].ID != "late-1" {
		t.Errorf("Scans(S9) newest first = %+v", late)
	}
	byLot, err := s.Scans(ctx, trace.ScanFilter{Lot: "L", Limit: 2})
	must(t, err)
	if len(byLot) != 2 || byLot[0].ID != "scan-2" {
		t.Errorf("Scans(lot, 2) = %+v", byLot)
	}

	// Alerts are found by verdict however many genuine scans came after.
	for i, v := range []string{"suspicious", "not_genuine", "recalled"} {
		must(t, s.AddScan(ctx, trace.Scan{ID: fmt.Sprintf("alert-%d", i), Serial: "S7", Lot: "L7", Time: t0.Add(time.Duration(i) * time.Second), Client: "consumer", Verdict: v}))
	}
	for i := range 20 {
		must(t, s.AddScan(ctx, trace.Scan{ID: fmt.Sprintf("fine-%d", i), Serial: "S7", Lot: "L7", Time: t0.Add(2 * time.Hour), Client: "consumer", Verdict: "genuine"}))
	}
	ids := func(scans []trace.Scan) []string {
		var out []string
		for _, sc := range scans {
			out = append(out, sc.ID)
		}
		return out
	}
	tests := []struct {
		name   string
		filter trace.ScanFilter
		want   []string
	}{
		{"two verdicts", trace.ScanFilter{Verdicts: []string{"suspicious", "recalled"}}, []string{"alert-2", "alert-0"}},
		{"verdict and serial", trace.ScanFilter{Serial: "S7", Verdicts: []string{"not_genuine"}}, []string{"alert-1"}},
		{"verdict and lot, limited", trace.ScanFilter{Lot: "L7", Verdicts: []string{"suspicious", "not_genuine", "recalled"}, Limit: 2}, []string{"alert-2", "alert-1"}},
		{"verdict of another serial", trace.ScanFilter{Serial: "S1", Verdicts: []string{"suspicious"}}, nil},
	}
	for _, tt := range tests {
		got, err := s.Scans(ctx, tt.filter)
		must(t, err)
		if got == nil || !slices.Equal(ids(got), tt.want) {
			t.Errorf("%s: Scans = %v, want %v", tt.name, ids(got), tt.want)
		}
	}
}
