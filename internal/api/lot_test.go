package api_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/agritrace/agritrace/internal/audit"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

var bg = context.Background()

// expect calls the API and checks the HTTP status, and for errors the code and field.
func expect(t *testing.T, c demo.Client, method, path string, body any, status int, code, field string) {
	t.Helper()
	err := c.Do(bg, method, path, body, nil)
	if status < 300 {
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return
	}
	var e *demo.APIError
	if !errors.As(err, &e) {
		t.Fatalf("%s %s: err = %v, want HTTP %d", method, path, err, status)
	}
	if e.Status != status || e.Code != code || e.Field != field {
		t.Fatalf("%s %s: got %d %s field %q (%s), want %d %s field %q", method, path, e.Status, e.Code, e.Field, e.Message, status, code, field)
	}
}

func setupProducts(t *testing.T, e *env) {
	t.Helper()
	for _, p := range demo.Products() {
		expect(t, e.as(p.Owner), "POST", "/api/v1/products", p, 201, "", "")
	}
}

func commissionSeed(t *testing.T, e *env, number string, kg int64) string {
	t.Helper()
	var r trace.Result
	err := e.as(demo.Collector).Do(bg, "POST", "/api/v1/lots", trace.CommissionInput{
		GTIN: demo.Seed, Lot: number, Quantity: kg * 1000,
		Origin: &trace.Origin{Region: "420526101201", Village: "桃园村", HarvestDate: "2026-05-12"},
	}, &r)
	if err != nil {
		t.Fatal(err)
	}
	return r.Lots[0].ID
}

// atMill commissions a seed lot and moves it to the mill.
func atMill(t *testing.T, e *env, number string, kg int64) string {
	t.Helper()
	id := commissionSeed(t, e, number, kg)
	expect(t, e.as(demo.Collector), "POST", "/api/v1/lots/"+id+"/ship", trace.ShipInput{To: demo.Mill}, 201, "", "")
	expect(t, e.as(demo.Mill), "POST", "/api/v1/lots/"+id+"/receive", trace.ReceiveInput{}, 201, "", "")
	return id
}

func events(t *testing.T, e *env, lot string) []trace.Event {
	t.Helper()
	evs, err := e.Store.Events(bg, lot)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestAuthAndRoles(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	seed := commissionSeed(t, e, "A1", 100)
	origin := &trace.Origin{Region: "420526", Village: "桃园村"}
	tests := []struct {
		name         string
		c            demo.Client
		method, path string
		body         any
		status       int
		code, field  string
	}{
		{"no key", e.as(""), "GET", "/api/v1/lots", nil, 401, trace.EUNAUTHORIZED, ""},
		{"unknown key", demo.Client{Base: e.URL, Key: "atk_nope"}, "GET", "/api/v1/lots", nil, 401, trace.EUNAUTHORIZED, ""},
		{"shop cannot commission", e.as(demo.Shop), "POST", "/api/v1/lots", trace.CommissionInput{GTIN: demo.Seed, Lot: "X", Quantity: 1, Origin: origin}, 403, trace.EFORBIDDEN, ""},
		{"only custodian ships", e.as(demo.Mill), "POST", "/api/v1/lots/" + seed + "/ship", trace.ShipInput{To: demo.Shop}, 403, trace.EFORBIDDEN, "lot"},
		{"only consignee receives", e.as(demo.Shop), "POST", "/api/v1/lots/" + seed + "/receive", trace.ReceiveInput{}, 403, trace.EFORBIDDEN, "lot"},
		{"collector cannot transform", e.as(demo.Collector), "POST", "/api/v1/transforms", trace.TransformInput{Inputs: []trace.Portion{{Lot: seed, Quantity: 1}}, Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "O", Quantity: 1}}}, 403, trace.EFORBIDDEN, ""},
		{"shop cannot recall", e.as(demo.Shop), "POST", "/api/v1/lots/" + seed + "/recall", trace.RecallInput{Reason: "x"}, 403, trace.EFORBIDDEN, "lot"},
		{"non-admin cannot create orgs", e.as(demo.Mill), "POST", "/api/v1/orgs", trace.Org{ID: "x1", Name: "X", Roles: []string{"retailer"}, Region: "420526"}, 403, trace.EFORBIDDEN, ""},
		{"admin creates org", e.as(demo.Admin), "POST", "/api/v1/orgs", trace.Org{ID: "new-shop", Name: "新店", Roles: []string{"retailer"}, Region: "420526"}, 201, "", ""},
		{"admin issues key", e.as(demo.Admin), "POST", "/api/v1/orgs/new-shop/keys", nil, 201, "", ""},
		{"regulator inspects anything", e.as(demo.Regulator), "POST", "/api/v1/lots/" + seed + "/inspect", trace.InspectInput{Results: map[string]any{"moisture": 7.9}}, 201, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { expect(t, tt.c, tt.method, tt.path, tt.body, tt.status, tt.code, tt.field) })
	}
}

func TestIssuedKeyWorks(t *testing.T) {
	e := start(t)
	var k struct{ Key string }
	if err := e.as(demo.Admin).Do(bg, "POST", "/api/v1/orgs/"+demo.Shop+"/keys", nil, &k); err != nil {
		t.Fatal(err)
	}
	var orgs struct{ Orgs []trace.Org }
	if err := (demo.Client{Base: e.URL, Key: k.Key}).Do(bg, "GET", "/api/v1/orgs", nil, &orgs); err != nil || len(orgs.Orgs) != len(demo.Cast()) {
		t.Fatalf("orgs with new key: %v, %d", err, len(orgs.Orgs))
	}
}

func TestInputErrors(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	seed := atMill(t, e, "A1", 1000)
	mill, cc := e.as(demo.Mill), e.as(demo.Collector)
	origin := &trace.Origin{Region: "420526", Village: "桃园村"}
	tests := []struct {
		name         string
		c            demo.Client
		method, path string
		body         any
		status       int
		code, field  string
	}{
		{"bad check digit", mill, "POST", "/api/v1/products", trace.Product{GTIN: "06901234500111", NameZH: "x", Unit: "kg"}, 400, trace.EINVALID, "gtin"},
		{"bad unit", mill, "POST", "/api/v1/products", trace.Product{GTIN: "06901234500400", NameZH: "x", Unit: "ton"}, 400, trace.EINVALID, "unit"},
		{"duplicate product", mill, "POST", "/api/v1/products", demo.Products()[1], 409, trace.ECONFLICT, ""},
		{"unknown field", cc, "POST", "/api/v1/lots", map[string]any{"gtin": demo.Seed, "lot": "Z", "quantity": 1, "qty": 2}, 400, trace.EINVALID, ""},
		{"not JSON", cc, "POST", "/api/v1/lots", "just a string", 400, trace.EINVALID, ""},
		{"zero quantity", cc, "POST", "/api/v1/lots", trace.CommissionInput{GTIN: demo.Seed, Lot: "Z", Origin: origin}, 400, trace.EINVALID, "quantity"},
		{"no origin", cc, "POST", "/api/v1/lots", trace.CommissionInput{GTIN: demo.Seed, Lot: "Z", Quantity: 5}, 400, trace.EINVALID, "origin"},
		{"bad region", cc, "POST", "/api/v1/lots", trace.CommissionInput{GTIN: demo.Seed, Lot: "Z", Quantity: 5, Origin: &trace.Origin{Region: "42", Village: "v"}}, 400, trace.EINVALID, "origin.region"},
		{"bad lot number", cc, "POST", "/api/v1/lots", trace.CommissionInput{GTIN: demo.Seed, Lot: "a/b", Quantity: 5, Origin: origin}, 400, trace.EINVALID, "lot"},
		{"unregistered product", cc, "POST", "/api/v1/lots", trace.CommissionInput{GTIN: "06901234500400", Lot: "Z", Quantity: 5, Origin: origin}, 422, trace.EUNPROCESSABLE, "gtin"},
		{"duplicate lot", cc, "POST", "/api/v1/lots", trace.CommissionInput{GTIN: demo.Seed, Lot: "A1", Quantity: 5, Origin: origin}, 409, trace.ECONFLICT, ""},
		{"unknown lot", mill, "GET", "/api/v1/lots/nope", nil, 404, trace.ENOTFOUND, ""},
		{"ship unknown lot", mill, "POST", "/api/v1/lots/nope/ship", trace.ShipInput{To: demo.DC}, 404, trace.ENOTFOUND, "lot"},
		{"ship to unknown org", mill, "POST", "/api/v1/lots/" + seed + "/ship", trace.ShipInput{To: "ghost"}, 422, trace.EUNPROCESSABLE, "to"},
		{"ship without destination", mill, "POST", "/api/v1/lots/" + seed + "/ship", trace.ShipInput{}, 400, trace.EINVALID, "to"},
		{"transform more than the lot holds", mill, "POST", "/api/v1/transforms", trace.TransformInput{Inputs: []trace.Portion{{Lot: seed, Quantity: 2_000_000}}, Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "O1", Quantity: 1}}}, 422, trace.EUNPROCESSABLE, "inputs[0].quantity"},
		{"outputs outweigh inputs", mill, "POST", "/api/v1/transforms", trace.TransformInput{Inputs: []trace.Portion{{Lot: seed, Quantity: 1_000_000}}, Outputs: []trace.OutputInput{{GTIN: demo.Meal, Lot: "M1", Quantity: 1_000_001}}}, 422, trace.EUNPROCESSABLE, "outputs"},
		{"split beyond the lot", mill, "POST", "/api/v1/lots/" + seed + "/split", trace.SplitInput{Parts: []trace.OutputInput{{Lot: "P1", Quantity: 600_000}, {Lot: "P2", Quantity: 600_000}}}, 422, trace.EUNPROCESSABLE, "parts"},
		{"pack bulk into bulk", mill, "POST", "/api/v1/lots/" + seed + "/pack", trace.PackInput{GTIN: demo.Oil, Lot: "X", Count: 1, UnitSize: 1}, 422, trace.EUNPROCESSABLE, "gtin"},
		{"wrong method", mill, "DELETE", "/api/v1/lots", nil, 405, "method_not_allowed", ""},
		{"no such endpoint", mill, "GET", "/api/v1/nothing", nil, 404, trace.ENOTFOUND, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { expect(t, tt.c, tt.method, tt.path, tt.body, tt.status, tt.code, tt.field) })
	}
	if n := len(events(t, e, seed)); n != 3 {
		t.Errorf("refused requests changed the lot: %d events, want 3", n)
	}
}

func TestTransformIsAllOrNothing(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	a := atMill(t, e, "A1", 6000)
	b := atMill(t, e, "B1", 4000)
	mill := e.as(demo.Mill)
	// The meal lot number is taken already, so the transform must leave no trace.
	expect(t, mill, "POST", "/api/v1/transforms", trace.TransformInput{
		Inputs: []trace.Portion{{Lot: a, Quantity: 100_000}}, Outputs: []trace.OutputInput{{GTIN: demo.Meal, Lot: "M1", Quantity: 60_000}},
	}, 201, "", "")
	expect(t, mill, "POST", "/api/v1/transforms", trace.TransformInput{
		Inputs:  []trace.Portion{{Lot: a, Quantity: 5_900_000}, {Lot: b, Quantity: 4_000_000}},
		Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "O1", Quantity: 3_900_000}, {GTIN: demo.Meal, Lot: "M1", Quantity: 6_000_000}},
	}, 409, trace.ECONFLICT, "")
	for _, id := range []string{a, b} {
		l, err := e.Store.Lot(bg, id)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{a: 5_900_000, b: 4_000_000}[id]
		if l.Available != want {
			t.Errorf("lot %s has %d g available after a refused transform, want %d", id, l.Available, want)
		}
	}
	expect(t, mill, "GET", "/api/v1/lots/"+trace.LotID(demo.Oil, "O1"), nil, 404, trace.ENOTFOUND, "")
	if n := len(events(t, e, b)); n != 3 {
		t.Errorf("lot b has %d events, want 3", n)
	}

	var r trace.Result
	err := mill.Do(bg, "POST", "/api/v1/transforms", trace.TransformInput{
		Inputs:  []trace.Portion{{Lot: a, Quantity: 5_900_000}, {Lot: b, Quantity: 4_000_000}},
		Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "O1", Quantity: 3_900_000}, {GTIN: demo.Meal, Lot: "M2", Quantity: 6_000_000}},
	}, &r)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Lots) != 4 || len(r.Events) != 4 {
		t.Fatalf("transform recorded %d lots and %d events, want 4 and 4", len(r.Lots), len(r.Events))
	}
	la, _ := e.Store.Lot(bg, a)
	if la.Status != trace.LotConsumed || la.Available != 0 {
		t.Errorf("fully used input: status %s, available %d", la.Status, la.Available)
	}
	expect(t, mill, "POST", "/api/v1/lots/"+a+"/ship", trace.ShipInput{To: demo.DC}, 422, trace.EUNPROCESSABLE, "lot")
}

func TestSplitMergeSellRecall(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	a := atMill(t, e, "A1", 1000)
	mill := e.as(demo.Mill)
	expect(t, mill, "POST", "/api/v1/lots/"+a+"/split", trace.SplitInput{Parts: []trace.OutputInput{{Lot: "P1", Quantity: 300_000}, {Lot: "P2", Quantity: 200_000}}}, 201, "", "")
	p1, p2 := trace.LotID(demo.Seed, "P1"), trace.LotID(demo.Seed, "P2")
	expect(t, mill, "POST", "/api/v1/merges", trace.MergeInput{Inputs: []string{p1, p2}, Lot: "M1"}, 201, "", "")
	merged, err := e.Store.Lot(bg, trace.LotID(demo.Seed, "M1"))
	if err != nil || merged.Quantity != 500_000 || merged.Origin == nil || merged.Origin.Village != "桃园村" {
		t.Fatalf("merged lot = %+v, %v", merged, err)
	}
	var oil trace.Result
	if err := mill.Do(bg, "POST", "/api/v1/transforms", trace.TransformInput{
		Inputs: []trace.Portion{{Lot: merged.ID, Quantity: 500_000}}, Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "O1", Quantity: 190_000}},
	}, &oil); err != nil {
		t.Fatal(err)
	}
	oilID := trace.LotID(demo.Oil, "O1")
	expect(t, mill, "POST", "/api/v1/lots/"+oilID+"/pack", trace.PackInput{GTIN: demo.Bottle, Lot: "B1", Count: 39, UnitSize: 5000}, 422, trace.EUNPROCESSABLE, "count")
	var packed trace.Result
	if err := mill.Do(bg, "POST", "/api/v1/lots/"+oilID+"/pack", trace.PackInput{GTIN: demo.Bottle, Lot: "B1", Count: 38, UnitSize: 5000}, &packed); err != nil {
		t.Fatal(err)
	}
	if len(packed.Units) != 38 {
		t.Fatalf("pack issued %d units, want 38", len(packed.Units))
	}
	bottles := trace.LotID(demo.Bottle, "B1")
	expect(t, mill, "POST", "/api/v1/lots/"+bottles+"/ship", trace.ShipInput{To: demo.Shop}, 201, "", "")
	expect(t, e.as(demo.Shop), "POST", "/api/v1/lots/"+bottles+"/receive", trace.ReceiveInput{}, 201, "", "")
	sold := []string{packed.Units[0].Serial, packed.Units[1].Serial}
	expect(t, e.as(demo.Shop), "POST", "/api/v1/lots/"+bottles+"/sell", trace.SellInput{Serials: sold}, 201, "", "")
	expect(t, e.as(demo.Shop), "POST", "/api/v1/lots/"+bottles+"/sell", trace.SellInput{Serials: sold[:1]}, 422, trace.EUNPROCESSABLE, "serials")
	expect(t, e.as(demo.Shop), "POST", "/api/v1/lots/"+bottles+"/sell", trace.SellInput{Serials: []string{"NOSUCHSERIAL"}}, 422, trace.EUNPROCESSABLE, "serials")
	expect(t, e.as(demo.Shop), "POST", "/api/v1/lots/"+bottles+"/sell", trace.SellInput{Quantity: 37}, 422, trace.EUNPROCESSABLE, "quantity")
	u, _ := e.Store.Unit(bg, sold[0])
	if u.Status != trace.UnitSold || u.SoldBy != demo.Shop {
		t.Errorf("sold unit = %+v", u)
	}

	// Recalling the seed lot reaches the bottles through split, merge, transform and pack.
	var recalled trace.Result
	if err := e.as(demo.Regulator).Do(bg, "POST", "/api/v1/lots/"+a+"/recall", trace.RecallInput{Reason: "aflatoxin above limit"}, &recalled); err != nil {
		t.Fatal(err)
	}
	if len(recalled.Lots) != 6 {
		t.Errorf("recall flagged %d lots, want 6 (seed, 2 parts, merge, oil, bottles)", len(recalled.Lots))
	}
	var list struct{ Recalls []trace.Lot }
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/recalls", nil, &list); err != nil || len(list.Recalls) != 6 {
		t.Errorf("recall list: %d lots, %v", len(list.Recalls), err)
	}
	expect(t, e.as(demo.Shop), "POST", "/api/v1/lots/"+bottles+"/sell", trace.SellInput{Serials: []string{packed.Units[5].Serial}}, 422, trace.EUNPROCESSABLE, "lot")

	// Every split, merge, transform, pack and sale above adds up.
	var rep audit.Report
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/audits/lots/"+a, nil, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Quantities) != 6 {
		t.Errorf("audit checked %d lots, want 6", len(rep.Quantities))
	}
	for _, q := range rep.Quantities {
		if !q.OK {
			t.Errorf("quantity check of %s: %s", q.Lot, q.Problem)
		}
	}
}

func TestTraceGraph(t *testing.T) {
	e := start(t)
	st := e.story(t)
	var g trace.Graph
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/lots/"+st.SeedLots[1]+"/trace", nil, &g); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, n := range g.Nodes {
		ids[n.ID] = true
	}
	for _, want := range []string{st.SeedLots[1], st.OilLot, st.MealLot, st.BottleLot} {
		if !ids[want] {
			t.Errorf("downstream trace of seed lot lacks %s", want)
		}
	}
	var up trace.Graph
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/lots/"+st.BottleLot+"/trace", nil, &up); err != nil {
		t.Fatal(err)
	}
	edges := map[string]int64{}
	for _, ed := range up.Edges {
		edges[ed.From+">"+ed.To] = ed.Quantity
	}
	if edges[st.SeedLots[0]+">"+st.OilLot] != 6_000_000 || edges[st.SeedLots[1]+">"+st.OilLot] != 4_000_000 || edges[st.OilLot+">"+st.BottleLot] != 1_000_000 {
		t.Errorf("upstream edges of the bottles = %v", edges)
	}
	if len(up.Origins()) != 2 {
		t.Errorf("origins = %d, want the two seed lots", len(up.Origins()))
	}
}

func TestHealth(t *testing.T) {
	e := start(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(e.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s = %d", path, resp.StatusCode)
		}
	}
	e.Store.Close()
	resp, err := http.Get(e.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the store closed = %d, want 503", resp.StatusCode)
	}
}

func asAPIError(err error, target **demo.APIError) bool { return errors.As(err, target) }

// TestConcurrentWritesKeepTheChain has several scanners record inspections of
// one lot at once: every write is acknowledged once, and the chain has no gap
// or fork.
func TestConcurrentWritesKeepTheChain(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	lot := commissionSeed(t, e, "A1", 100)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				in := trace.InspectInput{Results: map[string]any{"moisture": float64(w*10 + i)}}
				errs <- e.as(demo.Regulator).Do(bg, "POST", "/api/v1/lots/"+lot+"/inspect", in, nil)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(events(t, e, lot)); n != 41 {
		t.Fatalf("%d events, want 41", n)
	}
	waitVerified(t, e, lot)
}
