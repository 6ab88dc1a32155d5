package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/audit"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/digitallink"
	"github.com/agritrace/agritrace/internal/trace"
)

// Extra products for the yield attacks, beside the demo's.
var (
	plainGTIN   = withCheckDigit("0690123450066") // registered without a category
	roastedGTIN = withCheckDigit("0690123450073") // roasted seed, an intermediate
)

func withCheckDigit(digits string) string { return digits + string(digitallink.CheckDigit(digits)) }

// quantityCheck returns the audit's quantity check of one lot.
func quantityCheck(t *testing.T, rep audit.Report, lot string) audit.QuantityCheck {
	t.Helper()
	for _, q := range rep.Quantities {
		if q.Lot == lot {
			return q
		}
	}
	t.Fatalf("the audit has no quantity check of %s", lot)
	return audit.QuantityCheck{}
}

func auditLot(t *testing.T, e *env, lot string) audit.Report {
	t.Helper()
	var rep audit.Report
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/audits/lots/"+lot, nil, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// pressed turns kg of seed at the mill into oil (36 % by mass) and meal, and
// returns the oil lot.
func pressed(t *testing.T, e *env, seed string, kg int64) string {
	t.Helper()
	expect(t, e.as(demo.Mill), "POST", "/api/v1/transforms", trace.TransformInput{
		Inputs: []trace.Portion{{Lot: seed, Quantity: kg * 1000}},
		Outputs: []trace.OutputInput{
			{GTIN: demo.Oil, Lot: "O" + seed[15:], Quantity: kg * 360_000 / 915},
			{GTIN: demo.Meal, Lot: "M" + seed[15:], Quantity: kg * 600},
		},
	}, 201, "", "")
	return trace.LotID(demo.Oil, "O"+seed[15:])
}

func TestQuantitiesCannotOverflow(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	small := atMill(t, e, "S1", 1)
	oil := pressed(t, e, atMill(t, e, "A1", 10), 10)
	mill := e.as(demo.Mill)
	tests := []struct {
		name        string
		c           demo.Client
		path        string
		body        any
		status      int
		code, field string
	}{
		// The sum of these parts wraps to 1 in 64 bits.
		{"split into parts that wrap", mill, "/api/v1/lots/" + small + "/split", trace.SplitInput{Parts: []trace.OutputInput{
			{Lot: "P1", Quantity: math.MaxInt64}, {Lot: "P2", Quantity: math.MaxInt64}, {Lot: "P3", Quantity: 3}}}, 400, trace.EINVALID, "parts[0].quantity"},
		// Exactly representable, so the body is I-JSON and the domain's own bound refuses it.
		{"split into exact parts beyond the maximum", mill, "/api/v1/lots/" + small + "/split", trace.SplitInput{Parts: []trace.OutputInput{
			{Lot: "P1", Quantity: 1 << 62}, {Lot: "P2", Quantity: 1 << 62}}}, 400, trace.EINVALID, "parts[0].quantity"},
		{"split into parts above the maximum together", mill, "/api/v1/lots/" + small + "/split", trace.SplitInput{Parts: []trace.OutputInput{
			{Lot: "P1", Quantity: trace.MaxQuantity}, {Lot: "P2", Quantity: trace.MaxQuantity}}}, 422, trace.EUNPROCESSABLE, "parts"},
		// 16 × (2^60+1) wraps to 16.
		{"pack units that wrap", mill, "/api/v1/lots/" + oil + "/pack", trace.PackInput{GTIN: demo.Bottle, Lot: "B1", Count: 16, UnitSize: 1<<60 + 1}, 400, trace.EINVALID, "unitSize"},
		{"pack a product above the maximum", mill, "/api/v1/lots/" + oil + "/pack", trace.PackInput{GTIN: demo.Bottle, Lot: "B1", Count: 2, UnitSize: trace.MaxQuantity}, 422, trace.EUNPROCESSABLE, "count"},
		{"transform a wrapping input", mill, "/api/v1/transforms", trace.TransformInput{Inputs: []trace.Portion{{Lot: small, Quantity: math.MaxInt64}},
			Outputs: []trace.OutputInput{{GTIN: demo.Meal, Lot: "M9", Quantity: 1}}}, 400, trace.EINVALID, "inputs[0].quantity"},
		{"transform into a wrapping output", mill, "/api/v1/transforms", trace.TransformInput{Inputs: []trace.Portion{{Lot: small, Quantity: 1000}},
			Outputs: []trace.OutputInput{{GTIN: demo.Meal, Lot: "M9", Quantity: math.MaxInt64}}}, 400, trace.EINVALID, "outputs[0].quantity"},
		{"sell a wrapping quantity", e.as(demo.Shop), "/api/v1/lots/" + small + "/sell", trace.SellInput{Quantity: math.MaxInt64}, 400, trace.EINVALID, "quantity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { expect(t, tt.c, "POST", tt.path, tt.body, tt.status, tt.code, tt.field) })
	}
	for id, want := range map[string]int64{small: 1000, oil: 3934} {
		l, err := e.Store.Lot(bg, id)
		if err != nil || l.Available != want {
			t.Errorf("lot %s after refused requests: %d available (%v), want %d", id, l.Available, err, want)
		}
	}
	for _, id := range []string{trace.LotID(demo.Seed, "P1"), trace.LotID(demo.Bottle, "B1")} {
		expect(t, mill, "GET", "/api/v1/lots/"+id, nil, 404, trace.ENOTFOUND, "")
	}
}

// TestLargestQuantityHashesExactly commissions the largest accepted quantity
// and recomputes its event's hash from canonical JSON written out here by
// hand, independently of internal/jcs. The next two integers are one double
// and would hash alike, so they are refused.
func TestLargestQuantityHashesExactly(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	cc := e.as(demo.Collector)
	origin := &trace.Origin{Region: "420526101201", Village: "桃园村", HarvestDate: "2026-05-12"}
	for i, q := range []int64{9007199254740992, 9007199254740993} {
		expect(t, cc, "POST", "/api/v1/lots", trace.CommissionInput{GTIN: demo.Seed, Lot: fmt.Sprintf("Z%d", i), Quantity: q, Origin: origin}, 400, trace.EINVALID, "quantity")
	}
	var r trace.Result
	if err := cc.Do(bg, "POST", "/api/v1/lots", trace.CommissionInput{GTIN: demo.Seed, Lot: "MAX", Quantity: trace.MaxQuantity, Origin: origin}, &r); err != nil {
		t.Fatal(err)
	}
	var h struct{ Events []trace.Event }
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/lots/"+r.Lots[0].ID+"/events", nil, &h); err != nil {
		t.Fatal(err)
	}
	ev := h.Events[0]
	str := func(s string) string {
		if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' }) {
			t.Fatalf("%q needs escaping; this test writes strings as they are", s)
		}
		return `"` + s + `"`
	}
	// Members in UTF-16 order, no white space, the quantity as its digits.
	canon := `{"actor":` + str(ev.Actor) + `,"bizStep":"urn:epcglobal:cbv:bizstep:commissioning","lot":` + str(ev.Lot) +
		`,"payload":{"origin":{"harvestDate":"2026-05-12","region":"420526101201","village":"桃园村"}}` +
		`,"place":{"name":` + str(ev.Place.Name) + `,"region":` + str(ev.Place.Region) + `}` +
		`,"prevHash":"","quantity":9007199254740991,"seq":0,"time":` + str(trace.FormatTime(ev.Time)) + `,"type":"commission"}`
	sum := sha256.Sum256([]byte(canon))
	if got := hex.EncodeToString(sum[:]); got != ev.Hash || ev.Quantity != 9007199254740991 {
		t.Errorf("hash of %s\n= %s, the service says %s (quantity %d)", canon, got, ev.Hash, ev.Quantity)
	}
}

func TestYieldsFollowTheMaterial(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	mill := e.as(demo.Mill)
	expect(t, mill, "POST", "/api/v1/products", trace.Product{GTIN: plainGTIN, NameZH: "中间品", Unit: trace.UnitKG}, 201, "", "")
	expect(t, mill, "POST", "/api/v1/products", trace.Product{GTIN: roastedGTIN, NameZH: "炒籽", Unit: trace.UnitKG, Category: "rapeseed-roasted"}, 201, "", "")
	seed := atMill(t, e, "A1", 10_000)
	transform := func(in trace.Portion, outs ...trace.OutputInput) trace.TransformInput {
		return trace.TransformInput{Inputs: []trace.Portion{in}, Outputs: outs}
	}

	// Seed at 100 % into a product without a category, to press that at 80 %:
	// no yield rule can hold it, so it is no transform.
	expect(t, mill, "POST", "/api/v1/transforms", transform(trace.Portion{Lot: seed, Quantity: 10_000_000},
		trace.OutputInput{GTIN: plainGTIN, Lot: "X1", Quantity: 10_000_000}), 422, trace.EUNPROCESSABLE, "outputs[0].gtin")

	// Seed roasted at 100 %, then pressed at 48 % of the roasted mass: within
	// roasted seed's own range, but 48 % of the seed, above its 45 %.
	expect(t, mill, "POST", "/api/v1/transforms", transform(trace.Portion{Lot: seed, Quantity: 10_000_000},
		trace.OutputInput{GTIN: roastedGTIN, Lot: "R1", Quantity: 10_000_000}), 201, "", "")
	roasted := trace.LotID(roastedGTIN, "R1")
	expect(t, mill, "POST", "/api/v1/transforms", transform(trace.Portion{Lot: roasted, Quantity: 10_000_000},
		trace.OutputInput{GTIN: demo.Oil, Lot: "O1", Quantity: 5_245_902}), 422, trace.EUNPROCESSABLE, "outputs[0].quantity")
	// 40 % oil and 58 % meal is a press's honest work.
	expect(t, mill, "POST", "/api/v1/transforms", transform(trace.Portion{Lot: roasted, Quantity: 10_000_000},
		trace.OutputInput{GTIN: demo.Oil, Lot: "O1", Quantity: 4_371_585}, trace.OutputInput{GTIN: demo.Meal, Lot: "M1", Quantity: 5_800_000}), 201, "", "")
	oil, err := e.Store.Lot(bg, trace.LotID(demo.Oil, "O1"))
	if err != nil {
		t.Fatal(err)
	}
	meal, err := e.Store.Lot(bg, trace.LotID(demo.Meal, "M1"))
	if err != nil {
		t.Fatal(err)
	}
	// The outputs share the seed by mass: 40/98 and 58/98 of 10 t.
	if b := oil.Basis["rapeseed"] + meal.Basis["rapeseed"]; oil.Basis["rapeseed"] != 4_081_632 || b > 10_000_000 || b < 9_999_998 {
		t.Errorf("bases: oil %v, meal %v; want the 10 t of seed shared by mass", oil.Basis, meal.Basis)
	}

	// The meal's share of the seed was pressed already: no oil from it.
	expect(t, mill, "POST", "/api/v1/transforms", transform(trace.Portion{Lot: meal.ID, Quantity: 5_800_000},
		trace.OutputInput{GTIN: demo.Oil, Lot: "O2", Quantity: 1_000_000}), 422, trace.EUNPROCESSABLE, "outputs[0].gtin")

	// Pieces have no mass: neither made nor used by a transform.
	expect(t, mill, "POST", "/api/v1/transforms", transform(trace.Portion{Lot: oil.ID, Quantity: 1_000_000},
		trace.OutputInput{GTIN: demo.Bottle, Lot: "B1", Quantity: 1_000_000}), 422, trace.EUNPROCESSABLE, "outputs[0].gtin")
	expect(t, mill, "POST", "/api/v1/lots/"+oil.ID+"/pack", trace.PackInput{GTIN: demo.Bottle, Lot: "B1", Count: 10, UnitSize: 5000}, 201, "", "")
	expect(t, mill, "POST", "/api/v1/transforms", transform(trace.Portion{Lot: trace.LotID(demo.Bottle, "B1"), Quantity: 10},
		trace.OutputInput{GTIN: demo.Oil, Lot: "O3", Quantity: 50_000}), 422, trace.EUNPROCESSABLE, "inputs[0].lot")

	// Outputs within their own ranges still cannot outweigh the inputs.
	more := atMill(t, e, "B1", 1000)
	expect(t, mill, "POST", "/api/v1/transforms", transform(trace.Portion{Lot: more, Quantity: 1_000_000},
		trace.OutputInput{GTIN: demo.Oil, Lot: "O4", Quantity: 480_000}, trace.OutputInput{GTIN: demo.Meal, Lot: "M4", Quantity: 600_000}),
		422, trace.EUNPROCESSABLE, "outputs")

	for _, q := range auditLot(t, e, seed).Quantities {
		if !q.OK {
			t.Errorf("quantity check of %s: %s", q.Lot, q.Problem)
		}
	}
}

func TestLabelledLotIsSoldBySerial(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	oil := pressed(t, e, atMill(t, e, "A1", 1000), 1000)
	mill, shop := e.as(demo.Mill), e.as(demo.Shop)
	var packed trace.Result
	if err := mill.Do(bg, "POST", "/api/v1/lots/"+oil+"/pack", trace.PackInput{GTIN: demo.Bottle, Lot: "B1", Count: 16, UnitSize: 5000}, &packed); err != nil {
		t.Fatal(err)
	}
	bottles := trace.LotID(demo.Bottle, "B1")
	expect(t, mill, "POST", "/api/v1/lots/"+bottles+"/split", trace.SplitInput{Parts: []trace.OutputInput{{Lot: "B1-1", Quantity: 8}}}, 422, trace.EUNPROCESSABLE, "lot")
	expect(t, mill, "POST", "/api/v1/lots/"+bottles+"/ship", trace.ShipInput{To: demo.Shop}, 201, "", "")
	expect(t, shop, "POST", "/api/v1/lots/"+bottles+"/receive", trace.ReceiveInput{}, 201, "", "")

	// Selling one by quantity would leave 15 available and 16 active labels.
	expect(t, shop, "POST", "/api/v1/lots/"+bottles+"/sell", trace.SellInput{Quantity: 1}, 422, trace.EUNPROCESSABLE, "quantity")
	sold := packed.Units[0].Serial
	expect(t, shop, "POST", "/api/v1/lots/"+bottles+"/sell", trace.SellInput{Serials: []string{sold}, Quantity: 1}, 201, "", "")
	l, err := e.Store.Lot(bg, bottles)
	if err != nil || l.Available != 15 {
		t.Fatalf("bottle lot after one sale: %d available (%v), want 15", l.Available, err)
	}
	if q := quantityCheck(t, auditLot(t, e, bottles), bottles); !q.OK {
		t.Fatalf("quantity check after an honest sale: %s", q.Problem)
	}

	// Someone puts the sold bottle's label back on sale in the database.
	if _, err := e.Store.DB().Exec(`UPDATE units SET status = 'active', doc = json_set(doc, '$.status', 'active') WHERE serial = ?`, sold); err != nil {
		t.Fatal(err)
	}
	rep := auditLot(t, e, bottles)
	if q := quantityCheck(t, rep, bottles); q.OK || !strings.Contains(q.Problem, "16 labelled units are active but the lot shows 15 available") {
		t.Errorf("quantity check with a sold label active again: ok %v, %q", q.OK, q.Problem)
	}
	if !hasFinding(rep, "quantity_exceeded") || rep.Verdict != audit.Findings {
		t.Errorf("audit with a sold label active again: %s %+v", rep.Verdict, rep.Findings)
	}
}

// TestAuditRefusesToWrap edits a split's parts in the database so that their
// claims on the source lot add up to what it gave only after wrapping at 2^64.
func TestAuditRefusesToWrap(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	a := atMill(t, e, "A1", 1)
	expect(t, e.as(demo.Mill), "POST", "/api/v1/lots/"+a+"/split", trace.SplitInput{Parts: []trace.OutputInput{
		{Lot: "P1", Quantity: 1}, {Lot: "P2", Quantity: 1}, {Lot: "P3", Quantity: 498}}}, 201, "", "")
	if rep := auditLot(t, e, a); rep.Verdict != audit.Clean {
		t.Fatalf("audit before the edit: %+v", rep.Findings)
	}
	p1, p2, p3 := trace.LotID(demo.Seed, "P1"), trace.LotID(demo.Seed, "P2"), trace.LotID(demo.Seed, "P3")
	// (2^63-1) + (2^63-1) + 502 = 500 modulo 2^64, what the lot gave.
	for id, claim := range map[string]int64{p1: math.MaxInt64, p2: math.MaxInt64, p3: 502} {
		if _, err := e.Store.DB().Exec(`UPDATE lots SET doc = json_set(doc, '$.parents[0].quantity', ?) WHERE id = ?`, claim, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Store.DB().Exec(`UPDATE lots SET doc = json_set(doc, '$.quantity', ?, '$.available', ?) WHERE id = ?`, int64(math.MaxInt64), int64(math.MaxInt64), p1); err != nil {
		t.Fatal(err)
	}
	rep := auditLot(t, e, a)
	if q := quantityCheck(t, rep, a); q.OK || !strings.Contains(q.Problem, "maximum") {
		t.Errorf("quantity check of the split lot: ok %v, %q", q.OK, q.Problem)
	}
	if q := quantityCheck(t, rep, p1); q.OK || !strings.Contains(q.Problem, "maximum") {
		t.Errorf("quantity check of a part beyond the maximum: ok %v, %q", q.OK, q.Problem)
	}
	if !hasFinding(rep, "quantity_exceeded") || rep.Verdict != audit.Findings {
		t.Errorf("audit after the edit: %s %+v", rep.Verdict, rep.Findings)
	}
}
