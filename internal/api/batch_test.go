package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/audit"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

func seedBody(number string, kg int64) trace.CommissionInput {
	return trace.CommissionInput{
		GTIN: demo.Seed, Lot: number, Quantity: kg * 1000,
		Origin: &trace.Origin{Region: "420526101201", Village: "桃园村", HarvestDate: "2026-05-12"},
	}
}

func sendBatch(t *testing.T, e *env, org string, events ...demo.BatchEvent) demo.BatchAnswer {
	t.Helper()
	a, err := e.as(org).Batch(bg, events)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Results) != len(events) || a.Accepted+a.Rejected != len(events) {
		t.Fatalf("%d events answered with %d results, %d accepted, %d rejected", len(events), len(a.Results), a.Accepted, a.Rejected)
	}
	return a
}

// refusedAt checks that the event at i was refused with status, code and field,
// and every other event accepted.
func refusedAt(t *testing.T, a demo.BatchAnswer, status int, code, field string, at ...int) {
	t.Helper()
	for i, r := range a.Results {
		want := 201
		for _, j := range at {
			if i == j {
				want = status
			}
		}
		if r.Index != i || r.Status != want {
			t.Errorf("event %d: index %d status %d, want %d (%+v)", i, r.Index, r.Status, want, r.Error)
			continue
		}
		if want != 201 && (r.Error == nil || r.Error.Code != code || r.Error.Field != field || r.Error.Message == "") {
			t.Errorf("event %d: error %+v, want code %s field %s", i, r.Error, code, field)
		}
		if want == 201 && (r.Error != nil || len(r.Result) == 0) {
			t.Errorf("event %d: accepted without a result: %+v", i, r)
		}
	}
}

// TestBatchSeason: the collection center's day in one batch, the mill's in
// another: commission, inspect, ship; receive, transform, inspect, pack. Each
// event sees what the ones before it left; the hashes recompute by the
// README's recipe, every event is anchored, and the audit is clean.
func TestBatchSeason(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	a, b := trace.LotID(demo.Seed, "BA"), trace.LotID(demo.Seed, "BB")
	sendBatch(t, e, demo.Collector,
		demo.BatchEvent{Op: "commission", Body: seedBody("BA", 6000)},
		demo.BatchEvent{Op: "inspect", Lot: a, Body: trace.InspectInput{Results: map[string]any{"moisture": 7.2, "oilContent": 41.8}}},
		demo.BatchEvent{Op: "commission", Body: seedBody("BB", 4000)},
		demo.BatchEvent{Op: "inspect", Lot: b, Body: trace.InspectInput{Results: map[string]any{"moisture": 7.6}}},
		demo.BatchEvent{Op: "ship", Lot: a, Body: trace.ShipInput{To: demo.Mill}},
		demo.BatchEvent{Op: "ship", Lot: b, Body: trace.ShipInput{To: demo.Mill}},
	)
	oil, meal, bottles := trace.LotID(demo.Oil, "BOIL"), trace.LotID(demo.Meal, "BMEAL"), trace.LotID(demo.Bottle, "BBOT")
	ans := sendBatch(t, e, demo.Mill,
		demo.BatchEvent{Op: "receive", Lot: a, Body: trace.ReceiveInput{}},
		demo.BatchEvent{Op: "receive", Lot: b},
		demo.BatchEvent{Op: "transform", Body: trace.TransformInput{
			Inputs:  []trace.Portion{{Lot: a, Quantity: 6_000_000}, {Lot: b, Quantity: 4_000_000}},
			Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "BOIL", Quantity: 3_930_000}, {GTIN: demo.Meal, Lot: "BMEAL", Quantity: 6_200_000}},
		}},
		demo.BatchEvent{Op: "inspect", Lot: oil, Body: trace.InspectInput{Results: map[string]any{"acidValue": 1.1}}},
		demo.BatchEvent{Op: "pack", Lot: oil, Body: trace.PackInput{GTIN: demo.Bottle, Lot: "BBOT", Count: 20, UnitSize: 5000}},
	)
	refusedAt(t, ans, 0, "", "")
	var packed trace.Result
	if err := json.Unmarshal(ans.Results[4].Result, &packed); err != nil || len(packed.Units) != 20 {
		t.Fatalf("pack result: %v, %d units", err, len(packed.Units))
	}
	for lot, n := range map[string]int{a: 5, b: 5, oil: 3, meal: 1, bottles: 1} {
		if got := len(events(t, e, lot)); got != n {
			t.Errorf("lot %s has %d events, want %d", lot, got, n)
		}
	}
	if l, err := e.Store.Lot(bg, oil); err != nil || l.Available != 3_930_000-100_000 || l.Seq != 2 {
		t.Errorf("oil lot after the batch: %+v, %v", l, err)
	}
	if l, _ := e.Store.Lot(bg, a); l.Status != trace.LotConsumed || l.Custodian != demo.Mill {
		t.Errorf("seed lot after the batch: status %s, custodian %s", l.Status, l.Custodian)
	}
	lots := []string{a, b, oil, meal, bottles}
	for _, lot := range lots {
		waitVerified(t, e, lot)
		recomputeHashes(t, e, lot)
	}
	if rep := lotAudit(t, e, demo.Regulator, bottles); rep.Verdict != audit.Clean {
		t.Errorf("audit of the batch's bottles: %s, %+v", rep.Verdict, rep.Findings)
	}
}

// TestBatchRefusals: a refused event changes nothing and says why as its REST
// endpoint would; the events around it, and those that depend on it, go on or
// are refused on their own merits.
func TestBatchRefusals(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	ok := trace.LotID(demo.Seed, "R1")
	ans := sendBatch(t, e, demo.Collector,
		demo.BatchEvent{Op: "commission", Body: seedBody("R1", 100)},
		demo.BatchEvent{Op: "inspect", Lot: ok, Body: trace.InspectInput{}},
		demo.BatchEvent{Op: "ship", Lot: ok, Body: trace.ShipInput{To: demo.Mill}},
	)
	refusedAt(t, ans, 400, trace.EINVALID, "results", 1)
	if evs := events(t, e, ok); len(evs) != 2 || evs[1].Type != trace.EventShip || evs[1].Seq != 1 {
		t.Errorf("events after a refused inspect: %+v", evs)
	}

	// The commission is refused, so everything on its lot finds no lot.
	bad := trace.LotID(demo.Seed, "R2")
	ans = sendBatch(t, e, demo.Collector,
		demo.BatchEvent{Op: "commission", Body: seedBody("R2", 0)},
		demo.BatchEvent{Op: "inspect", Lot: bad, Body: trace.InspectInput{Results: map[string]any{"moisture": 7.0}}},
		demo.BatchEvent{Op: "ship", Lot: bad, Body: trace.ShipInput{To: demo.Mill}},
		demo.BatchEvent{Op: "commission", Body: seedBody("R3", 50)},
	)
	if ans.Results[0].Status != 400 || ans.Results[0].Error.Field != "quantity" {
		t.Errorf("commission of nothing: %+v", ans.Results[0])
	}
	for i, r := range ans.Results[1:3] {
		if r.Status != 404 || r.Error.Code != trace.ENOTFOUND || r.Error.Field != "lot" {
			t.Errorf("event %d on the refused lot: %+v", i+1, r.Error)
		}
	}
	if ans.Results[3].Status != 201 || ans.Accepted != 1 {
		t.Errorf("the independent commission: %+v", ans.Results[3])
	}
	if _, err := e.Store.Lot(bg, bad); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Errorf("refused lot stored: %v", err)
	}

	// A lot number used earlier in the same batch, an unknown op, a body
	// with a misspelt field, and a lot op without its lot.
	ans = sendBatch(t, e, demo.Collector,
		demo.BatchEvent{Op: "commission", Body: seedBody("R4", 50)},
		demo.BatchEvent{Op: "commission", Body: seedBody("R4", 60)},
		demo.BatchEvent{Op: "scan", Body: map[string]any{}},
		demo.BatchEvent{Op: "inspect", Lot: trace.LotID(demo.Seed, "R4"), Body: map[string]any{"result": map[string]any{"moisture": 7}}},
		demo.BatchEvent{Op: "ship", Body: trace.ShipInput{To: demo.Mill}},
	)
	if ans.Results[0].Status != 201 || ans.Results[1].Status != 409 || ans.Results[1].Error.Code != trace.ECONFLICT || ans.Accepted != 1 {
		t.Errorf("a lot number used twice: %+v", ans.Results[:2])
	}
	for i, field := range map[int]string{2: "op", 3: "", 4: "lot"} {
		if r := ans.Results[i]; r.Status != 400 || r.Error.Code != trace.EINVALID || r.Error.Field != field {
			t.Errorf("event %d: %+v", i, r.Error)
		}
	}
	if l, _ := e.Store.Lot(bg, trace.LotID(demo.Seed, "R4")); l.Quantity != 50_000 {
		t.Errorf("a reused lot number replaced the lot: %+v", l)
	}
}

// TestBatchLimits: an empty batch and one over trace.MaxBatch events are
// refused whole, with nothing written.
func TestBatchLimits(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	ev := `{"op":"commission","body":{"gtin":"` + demo.Seed + `","lot":"L%d","quantity":1000,"origin":{"region":"420526","village":"桃园村"}}}`
	var many []string
	for i := range trace.MaxBatch + 1 {
		many = append(many, fmt.Sprintf(ev, i))
	}
	for name, body := range map[string]string{
		"empty": `{"events":[]}`,
		"over":  `{"events":[` + strings.Join(many, ",") + `]}`,
	} {
		status, answer := post(t, e, demo.Collector, "/api/v1/batch", "", body)
		if status != 400 || !strings.Contains(answer, `"field":"events"`) {
			t.Errorf("%s batch: %d %s", name, status, answer)
		}
	}
	if _, err := e.Store.Lot(bg, trace.LotID(demo.Seed, "L0")); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Errorf("a refused batch wrote: %v", err)
	}
	if status, _ := post(t, e, "", "/api/v1/batch", "", `{"events":[]}`); status != http.StatusUnauthorized {
		t.Errorf("anonymous batch: %d", status)
	}
}

// TestBatchReplay: a batch sent again with its Idempotency-Key is answered as
// the first time, and recorded once.
func TestBatchReplay(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	body, _ := json.Marshal(map[string]any{"events": []demo.BatchEvent{
		{Op: "commission", Body: seedBody("K1", 100)},
		{Op: "inspect", Lot: trace.LotID(demo.Seed, "K1"), Body: trace.InspectInput{Results: map[string]any{"moisture": 7.1}}},
		{Op: "inspect", Lot: trace.LotID(demo.Seed, "K1"), Body: trace.InspectInput{}},
	}})
	s1, a1 := post(t, e, demo.Collector, "/api/v1/batch", "batch-k1", string(body))
	s2, a2 := post(t, e, demo.Collector, "/api/v1/batch", "batch-k1", string(body))
	if s1 != 200 || s2 != 200 || a1 != a2 {
		t.Errorf("replay: %d %s\nthen %d %s", s1, a1, s2, a2)
	}
	if n := len(events(t, e, trace.LotID(demo.Seed, "K1"))); n != 2 {
		t.Errorf("%d events after a replayed batch, want 2", n)
	}
	if s, _ := post(t, e, demo.Collector, "/api/v1/batch", "batch-k1", `{"events":[]}`); s != http.StatusConflict {
		t.Errorf("key reused for another batch: %d", s)
	}
}

// racing is the store with a concurrent writer that gets in just before each
// of the first races multi-event commits: fault injection for the batch's
// lost races.
type racing struct {
	trace.Store
	races     int
	interfere func()
}

func (r *racing) Commit(ctx context.Context, c trace.Change) error {
	if r.races > 0 && len(c.Events) > 1 {
		r.races--
		r.interfere()
	}
	return r.Store.Commit(ctx, c)
}

// TestBatchLosesRaces: a batch whose commit loses a race to a concurrent
// write on its lot runs again over the new state; one that keeps losing is
// answered 409 with nothing of it written.
func TestBatchLosesRaces(t *testing.T) {
	r := &racing{}
	e := start(t, func(o *options) {
		o.service = func(s *trace.Service) { r.Store = s.Store; s.Store = r }
	})
	setupProducts(t, e)
	lot := commissionSeed(t, e, "RACE", 100)
	r.interfere = func() {
		expect(t, e.as(demo.Collector), "POST", "/api/v1/lots/"+lot+"/inspect", trace.InspectInput{Results: map[string]any{"moisture": 7.0}}, 201, "", "")
	}
	inspect := demo.BatchEvent{Op: "inspect", Lot: lot, Body: trace.InspectInput{Results: map[string]any{"moisture": 7.3}}}

	r.races = 1
	ans := sendBatch(t, e, demo.Collector, inspect, inspect)
	var second trace.Result
	if err := json.Unmarshal(ans.Results[1].Result, &second); err != nil || second.Events[0].Seq != 3 {
		t.Errorf("after one lost race the batch's last event is %+v, %v; want seq 3", second.Events, err)
	}
	if n := len(events(t, e, lot)); n != 4 {
		t.Errorf("%d events, want 4", n)
	}

	r.races = 100
	_, err := e.as(demo.Collector).Batch(bg, []demo.BatchEvent{inspect, inspect})
	if ae := new(demo.APIError); !errors.As(err, &ae) || ae.Status != http.StatusConflict {
		t.Errorf("a batch that always loses: %v", err)
	}
	// The batch backs off and runs again until its back-off budget is spent,
	// each run losing to one concurrent inspect.
	lost := 100 - r.races
	if n := len(events(t, e, lot)); lost < 2 || n != 4+lost {
		t.Errorf("%d events after %d lost races, want the %d concurrent ones added and none of the batch's", n, lost, lost)
	}
}

// TestBatchSeesItsOwnLots: the rules that look beyond one lot see what the
// batch made before: splitting bottles packed in the batch is refused as for
// labelled units, and a recall reaches the bottles packed from the oil.
func TestBatchSeesItsOwnLots(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	seed := atMill(t, e, "SEE", 10_000)
	oil, bottles := trace.LotID(demo.Oil, "SEEOIL"), trace.LotID(demo.Bottle, "SEEBOT")
	ans := sendBatch(t, e, demo.Mill,
		demo.BatchEvent{Op: "transform", Body: trace.TransformInput{
			Inputs:  []trace.Portion{{Lot: seed, Quantity: 10_000_000}},
			Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "SEEOIL", Quantity: 3_930_000}},
		}},
		demo.BatchEvent{Op: "pack", Lot: oil, Body: trace.PackInput{GTIN: demo.Bottle, Lot: "SEEBOT", Count: 10, UnitSize: 5000}},
		demo.BatchEvent{Op: "split", Lot: bottles, Body: trace.SplitInput{Parts: []trace.OutputInput{{GTIN: demo.Bottle, Lot: "SEEBOT2", Quantity: 5}}}},
		demo.BatchEvent{Op: "recall", Lot: oil, Body: trace.RecallInput{Reason: "aflatoxin B1 above GB 2761"}},
		demo.BatchEvent{Op: "pack", Lot: oil, Body: trace.PackInput{GTIN: demo.Bottle, Lot: "SEEBOT3", Count: 10, UnitSize: 5000}},
	)
	if r := ans.Results[2]; r.Status != 422 || !strings.Contains(r.Error.Message, "has labelled units") {
		t.Errorf("split of bottles packed in the batch: %+v", r)
	}
	if r := ans.Results[4]; r.Status != 422 || r.Error.Code != trace.EUNPROCESSABLE {
		t.Errorf("pack from oil recalled in the batch: %+v", r)
	}
	if ans.Accepted != 3 {
		t.Errorf("%d accepted, want 3", ans.Accepted)
	}
	for _, lot := range []string{oil, bottles} {
		if l, err := e.Store.Lot(bg, lot); err != nil || l.Status != trace.LotRecalled {
			t.Errorf("lot %s after the recall: %s, %v", lot, l.Status, err)
		}
	}
}
