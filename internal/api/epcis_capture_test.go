package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/epcis"
	"github.com/agritrace/agritrace/internal/trace"
)

// Capture documents here are written for rapeseed after the shape of GS1's
// EPCIS 2.0 examples: a document with a @context, a schemaVersion and a
// creationDate, and events with eventID, eventTime, eventTimeZoneOffset, CBV
// words, Digital Link class URIs and UN/ECE units.

type doc map[string]any

func captureDoc(events ...map[string]any) doc {
	list := make([]any, len(events))
	for i, e := range events {
		list[i] = e
	}
	return doc{
		"@context":      []any{"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", map[string]any{"agritrace": epcis.Namespace}},
		"type":          "EPCISDocument",
		"schemaVersion": "2.0",
		"creationDate":  "2026-06-01T08:00:00.000+08:00",
		"epcisBody":     map[string]any{"eventList": list},
	}
}

// objectEvent is an ObjectEvent about qty of a lot, in uom.
func objectEvent(id, action, bizStep, disposition, lot string, qty float64, uom string, extra map[string]any) map[string]any {
	ev := map[string]any{
		"type": "ObjectEvent", "eventTime": "2026-06-01T09:30:00.000+08:00", "eventTimeZoneOffset": "+08:00",
		"action": action, "bizStep": bizStep,
		"quantityList": []any{map[string]any{"epcClass": epcis.ClassURI(lot), "quantity": qty, "uom": uom}},
	}
	if id != "" {
		ev["eventID"] = id
	}
	if disposition != "" {
		ev["disposition"] = disposition
	}
	for k, v := range extra {
		ev[k] = v
	}
	return ev
}

func qty(lot string, q float64, uom string) map[string]any {
	return map[string]any{"epcClass": epcis.ClassURI(lot), "quantity": q, "uom": uom}
}

// capture posts d as org and returns the capture job it answers with, after
// checking the document against GS1's schema and the 202 and Location.
func capture(t *testing.T, e *env, org string, d doc, header ...string) captureJobView {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	mustValidate(t, "the capture document", b)
	status, h, body := epcisCall(t, e, org, "POST", "/epcis/capture", b, header...)
	if status != http.StatusAccepted || h.Get("Location") == "" {
		t.Fatalf("POST /epcis/capture = %d %s", status, body)
	}
	status, _, body = epcisCall(t, e, org, "GET", h.Get("Location"), nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s = %d %s", h.Get("Location"), status, body)
	}
	var j captureJobView
	if err := json.Unmarshal(body, &j); err != nil {
		t.Fatal(err)
	}
	if j.Running || j.FinishedAt == "" || j.CaptureID == "" {
		t.Errorf("capture job = %s", body)
	}
	return j
}

type captureJobView struct {
	CaptureID             string `json:"captureID"`
	FinishedAt            string `json:"finishedAt"`
	Running               bool   `json:"running"`
	Success               bool   `json:"success"`
	CaptureErrorBehaviour string `json:"captureErrorBehaviour"`
	Errors                []struct {
		Type     string `json:"type"`
		Title    string `json:"title"`
		Status   int    `json:"status"`
		Instance string `json:"instance"`
	} `json:"errors"`
}

// statuses is each refused event's index and status, as "i:status".
func (j captureJobView) statuses() []string {
	var out []string
	for _, e := range j.Errors {
		out = append(out, strings.TrimPrefix(e.Instance, "#/epcisBody/eventList/")+":"+fmt.Sprint(e.Status))
	}
	return out
}

// registerProducts registers the demo's products, as the story does first.
func registerProducts(t *testing.T, e *env) {
	t.Helper()
	for _, p := range demo.Products() {
		if err := e.as(p.Owner).Do(context.Background(), "POST", "/api/v1/products", p, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func party(e *env, org string) string { return e.URL + "/epcis/orgs/" + org }

func parties(e *env, kind, org string) []any {
	return []any{
		map[string]any{"type": "owning_party", kind: party(e, org)},
		map[string]any{"type": "possessing_party", kind: party(e, org)},
	}
}

// seedDoc is the collection center's day: it buys a lot of rapeseed, tests
// it, and ships it to the mill.
func seedDoc(e *env, lot string) doc {
	return captureDoc(
		objectEvent("urn:uuid:"+lot+"-1", "ADD", "commissioning", "active", lot, 6000, "KGM", map[string]any{
			"bizLocation": map[string]any{"id": e.URL + "/epcis/places/420526/" + "兴山县农产品集配中心"},
			"agritrace:origin": map[string]any{"agritrace:region": "420526101201", "agritrace:village": "桃园村",
				"agritrace:harvestDate": "2026-05-12"},
		}),
		objectEvent("urn:uuid:"+lot+"-2", "OBSERVE", "inspecting", "", lot, 6000, "KGM", map[string]any{
			"agritrace:results": []any{
				map[string]any{"agritrace:name": "moisture", "agritrace:value": 7.2},
				map[string]any{"agritrace:name": "oilContent", "agritrace:value": 41.8},
			},
		}),
		objectEvent("urn:uuid:"+lot+"-3", "OBSERVE", "shipping", "in_transit", lot, 6000, "KGM", map[string]any{
			"sourceList": parties(e, "source", demo.Collector), "destinationList": parties(e, "destination", demo.Mill),
		}),
	)
}

// TestEPCISCaptureRoundTrip: events captured from EPCIS documents are
// recorded through the domain's writes, and read back as the same events.
func TestEPCISCaptureRoundTrip(t *testing.T) {
	e := start(t)
	registerProducts(t, e)
	seed := trace.LotID(demo.Seed, "CAP1")
	oil, meal, bottles := trace.LotID(demo.Oil, "CAPOIL1"), trace.LotID(demo.Meal, "CAPMEAL1"), trace.LotID(demo.Bottle, "CAPB1")
	collector := seedDoc(e, seed)
	transform := map[string]any{
		"type": "TransformationEvent", "eventTime": "2026-06-02T10:00:00.000+08:00", "eventTimeZoneOffset": "+08:00",
		"eventID": "urn:uuid:press-1", "bizStep": "commissioning", "disposition": "active",
		"inputQuantityList":  []any{qty(seed, 6000, "KGM")},
		"outputQuantityList": []any{qty(oil, 2358, "LTR"), qty(meal, 3720, "KGM")},
	}
	pack := objectEvent("urn:uuid:fill-1", "ADD", "packing", "active", bottles, 100, "H87", map[string]any{
		"agritrace:from": epcis.ClassURI(oil), "agritrace:unitSize": 5000,
	})
	ship := objectEvent("urn:uuid:ship-b1", "OBSERVE", "shipping", "in_transit", bottles, 100, "H87", map[string]any{
		"sourceList": parties(e, "source", demo.Mill), "destinationList": parties(e, "destination", demo.Shop),
	})
	receive := func(lot string, q float64, uom, from, to string) map[string]any {
		return objectEvent("", "OBSERVE", "receiving", "in_progress", lot, q, uom, map[string]any{
			"sourceList": parties(e, "source", from), "destinationList": parties(e, "destination", to),
		})
	}
	part1, part2, merged := trace.LotID(demo.Meal, "CAPMP1"), trace.LotID(demo.Meal, "CAPMP2"), trace.LotID(demo.Meal, "CAPMM1")
	repack := func(in, out []any) map[string]any {
		return map[string]any{"type": "TransformationEvent", "eventTime": "2026-06-02T11:00:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"bizStep": "repackaging", "disposition": "active", "inputQuantityList": in, "outputQuantityList": out}
	}
	split := repack([]any{qty(meal, 3000, "KGM")}, []any{qty(part1, 1000, "KGM"), qty(part2, 2000, "KGM")})
	merge := repack([]any{map[string]any{"epcClass": epcis.ClassURI(part1)}, map[string]any{"epcClass": epcis.ClassURI(part2)}},
		[]any{map[string]any{"epcClass": epcis.ClassURI(merged)}})
	mill := captureDoc(receive(seed, 6000, "KGM", demo.Collector, demo.Mill), transform, pack, ship, split, merge)
	for _, c := range []struct {
		org string
		d   doc
	}{{demo.Collector, collector}, {demo.Mill, mill}, {demo.Shop, captureDoc(receive(bottles, 100, "H87", demo.Mill, demo.Shop))}} {
		if j := capture(t, e, c.org, c.d); !j.Success || len(j.Errors) != 0 || j.CaptureErrorBehaviour != "rollback" {
			t.Fatalf("capture by %s: %+v", c.org, j)
		}
	}
	var units struct {
		Units []trace.Unit `json:"units"`
	}
	if err := e.as(demo.Shop).Do(context.Background(), "GET", "/api/v1/lots/"+bottles+"/units", nil, &units); err != nil || len(units.Units) != 100 {
		t.Fatalf("units of the filled lot: %d, %v", len(units.Units), err)
	}
	sell := objectEvent("urn:uuid:sale-1", "OBSERVE", "retail_selling", "retail_sold", bottles, 0, "", nil)
	delete(sell, "quantityList")
	sell["epcList"] = []any{epcis.InstanceURI(demo.Bottle, units.Units[0].Serial), epcis.InstanceURI(demo.Bottle, units.Units[1].Serial)}
	if j := capture(t, e, demo.Shop, captureDoc(sell)); !j.Success {
		t.Fatalf("sale: %+v", j)
	}

	// Read back, each captured event beside the event it became.
	read := func(lot string) []map[string]any { return epcisEvents(t, e, demo.Admin, "/epcis/lots/"+lot+"/events") }
	same := func(what string, captured, stored map[string]any, keys ...string) {
		t.Helper()
		for _, k := range keys {
			if _, ok := captured[k]; !ok {
				continue
			}
			if !jsonEqual(t, captured[k], stored[k]) {
				t.Errorf("%s: %s captured %v, reads back %v", what, k, captured[k], stored[k])
			}
		}
	}
	keys := []string{"type", "action", "bizStep", "disposition", "quantityList", "epcList", "destinationList", "sourceList", "agritrace:origin", "agritrace:results", "agritrace:from", "agritrace:unitSize"}
	seedEvents := read(seed)
	if len(seedEvents) != 5 {
		t.Fatalf("seed lot has %d events, want commission, inspect, ship, receive, transform", len(seedEvents))
	}
	for i, ev := range collector["epcisBody"].(map[string]any)["eventList"].([]any) {
		same(fmt.Sprintf("seed event %d", i), ev.(map[string]any), seedEvents[i], keys...)
	}
	same("receipt", mill["epcisBody"].(map[string]any)["eventList"].([]any)[0].(map[string]any), seedEvents[3], keys...)
	// One transformation of one input into two outputs reads back as the
	// input's event and one event per output, all naming what went in and
	// what came out.
	if in := seedEvents[4]; in["type"] != "TransformationEvent" || !jsonEqual(t, in["inputQuantityList"], transform["inputQuantityList"]) {
		t.Errorf("seed's transformation = %v", in)
	}
	for i, lot := range []string{oil, meal} {
		out := read(lot)[0]
		if !jsonEqual(t, out["inputQuantityList"], transform["inputQuantityList"]) ||
			!jsonEqual(t, out["outputQuantityList"], []any{transform["outputQuantityList"].([]any)[i]}) || out["bizStep"] != "commissioning" {
			t.Errorf("output %s = %v", lot, out)
		}
	}
	// A repackaging of one lot is a split, of several a merge.
	if p := read(part1); len(p) != 2 || !jsonEqual(t, p[0]["outputQuantityList"], []any{qty(part1, 1000, "KGM")}) || p[0]["bizStep"] != "repackaging" {
		t.Errorf("split part = %v", p)
	}
	if m := read(merged); len(m) != 1 || !jsonEqual(t, m[0]["outputQuantityList"], []any{qty(merged, 3000, "KGM")}) {
		t.Errorf("merged lot = %v", m)
	}
	bottleEvents := read(bottles)
	if len(bottleEvents) != 4 {
		t.Fatalf("bottle lot has %d events, want pack, ship, receive, sell", len(bottleEvents))
	}
	same("fill", pack, bottleEvents[0], keys...)
	same("shipment", ship, bottleEvents[1], keys...)
	same("sale", sell, bottleEvents[3], keys...)
}

// jsonEqual compares two values as JSON.
func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	norm := func(v any) any {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var out any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// TestEPCISCaptureDuplicates: an event captured again, by its eventID or,
// without one, by its GS1 event hash ID, is answered 409 and recorded once;
// an error declaration repeating an eventID is not a duplicate.
func TestEPCISCaptureDuplicates(t *testing.T) {
	e := start(t)
	registerProducts(t, e)
	seed := trace.LotID(demo.Seed, "DUP1")
	d := seedDoc(e, seed)
	if j := capture(t, e, demo.Collector, d); !j.Success {
		t.Fatalf("first capture: %+v", j)
	}
	count := func(lot string) int {
		var got struct {
			Events []trace.Event `json:"events"`
		}
		if err := e.as(demo.Admin).Do(context.Background(), "GET", "/api/v1/lots/"+lot+"/events", nil, &got); err != nil {
			t.Fatal(err)
		}
		return len(got.Events)
	}
	j := capture(t, e, demo.Collector, d, "GS1-Capture-Error-Behaviour", "proceed")
	if j.Success || !reflect.DeepEqual(j.statuses(), []string{"0:409", "1:409", "2:409"}) || count(seed) != 3 {
		t.Errorf("the same document again: %v, %d events", j.statuses(), count(seed))
	}

	// Without eventIDs the hash ID finds the repeat, within one document too.
	other := trace.LotID(demo.Seed, "DUP2")
	insp := objectEvent("", "OBSERVE", "inspecting", "", other, 500, "KGM", map[string]any{
		"agritrace:results": []any{map[string]any{"agritrace:name": "moisture", "agritrace:value": 7.9}},
	})
	com := objectEvent("", "ADD", "commissioning", "active", other, 500, "KGM", map[string]any{
		"agritrace:origin": map[string]any{"agritrace:region": "420526101205", "agritrace:village": "响滩村"},
	})
	j = capture(t, e, demo.Collector, captureDoc(com, insp, insp), "GS1-Capture-Error-Behaviour", "proceed")
	if !reflect.DeepEqual(j.statuses(), []string{"2:409"}) || count(other) != 2 {
		t.Errorf("an event repeated in one document: %v, %d events", j.statuses(), count(other))
	}
	j = capture(t, e, demo.Collector, captureDoc(insp), "GS1-Capture-Error-Behaviour", "proceed")
	if !reflect.DeepEqual(j.statuses(), []string{"0:409"}) || count(other) != 2 {
		t.Errorf("an event without eventID captured again: %v, %d events", j.statuses(), count(other))
	}

	// AgriTrace's own events, as a query answers them, are recorded already.
	exported := epcisEvents(t, e, demo.Collector, "/epcis/lots/"+other+"/events")
	j = capture(t, e, demo.Collector, captureDoc(exported...), "GS1-Capture-Error-Behaviour", "proceed")
	if !reflect.DeepEqual(j.statuses(), []string{"0:409", "1:409"}) || count(other) != 2 {
		t.Errorf("exported events captured back: %v, %d events", j.statuses(), count(other))
	}

	// An error declaration carries the eventID of the event it declares in
	// error: that is not a repeat.
	decl := objectEvent("urn:uuid:"+seed+"-2", "OBSERVE", "inspecting", "", seed, 6000, "KGM", map[string]any{
		"errorDeclaration": map[string]any{"declarationTime": "2026-06-03T08:00:00.000+08:00", "reason": "incorrect_data"},
	})
	j = capture(t, e, demo.Collector, captureDoc(decl))
	if len(j.Errors) != 1 || j.Errors[0].Status == http.StatusConflict || count(seed) != 3 {
		t.Errorf("error declaration: %+v", j)
	}
}

// TestEPCISCapturePerEvent: each event is judged by the rules of its REST
// endpoint and refused alone; with rollback nothing of the document is
// written, with proceed the rest is.
func TestEPCISCapturePerEvent(t *testing.T) {
	e := start(t)
	st := e.story(t)
	events := func(lot string) []map[string]any {
		good := objectEvent("", "ADD", "commissioning", "active", lot, 800, "KGM", map[string]any{
			"agritrace:origin": map[string]any{"agritrace:region": "420526101201", "agritrace:village": "桃园村"},
		})
		// The mill holds the oil, not the collection center.
		notHeld := objectEvent("", "OBSERVE", "shipping", "in_transit", st.OilLot, 1, "LTR", map[string]any{
			"destinationList": parties(e, "destination", demo.Shop),
		})
		fraction := objectEvent("", "ADD", "commissioning", "active", trace.LotID(demo.Seed, "X"+lot[15:]), 0.0005, "KGM", map[string]any{
			"agritrace:origin": map[string]any{"agritrace:region": "420526101201", "agritrace:village": "桃园村"},
		})
		agg := map[string]any{"type": "AggregationEvent", "eventTime": "2026-06-01T09:30:00.000+08:00", "eventTimeZoneOffset": "+08:00",
			"action": "ADD", "parentID": "urn:epc:id:sscc:0690123400000000011", "childEPCs": []any{epcis.InstanceURI(demo.Bottle, "S1")}}
		noOrigin := objectEvent("", "ADD", "commissioning", "active", trace.LotID(demo.Seed, "Y"+lot[15:]), 10, "KGM", nil)
		return []map[string]any{good, notHeld, fraction, agg, noOrigin}
	}
	want := []string{"1:403", "2:422", "3:422", "4:400"}
	lot := trace.LotID(demo.Seed, "PE1")
	j := capture(t, e, demo.Collector, captureDoc(events(lot)...))
	if j.Success || !reflect.DeepEqual(j.statuses(), want) {
		t.Errorf("rollback: %v, want %v", j.statuses(), want)
	}
	var l trace.Lot
	if err := e.as(demo.Admin).Do(context.Background(), "GET", "/api/v1/lots/"+lot, nil, &l); err == nil {
		t.Errorf("rollback recorded lot %s", lot)
	}
	lot = trace.LotID(demo.Seed, "PE2")
	j = capture(t, e, demo.Collector, captureDoc(events(lot)...), "GS1-Capture-Error-Behaviour", "proceed")
	if j.Success || !reflect.DeepEqual(j.statuses(), want) || j.CaptureErrorBehaviour != "proceed" {
		t.Errorf("proceed: %v, want %v", j.statuses(), want)
	}
	if err := e.as(demo.Admin).Do(context.Background(), "GET", "/api/v1/lots/"+lot, nil, &l); err != nil || l.Quantity != 800_000 {
		t.Errorf("proceed did not record lot %s: %+v %v", lot, l, err)
	}
	for _, x := range j.Errors {
		if x.Type == "" || x.Title == "" {
			t.Errorf("error without type or title: %+v", x)
		}
	}
	// The job is its capturer's.
	if status, _, _ := epcisCall(t, e, demo.Shop, "GET", "/epcis/capture/"+j.CaptureID, nil); status != http.StatusNotFound {
		t.Errorf("another organization's capture job: %d", status)
	}
}
