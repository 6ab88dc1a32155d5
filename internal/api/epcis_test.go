package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/epcis"
	"github.com/agritrace/agritrace/internal/eventhash"
	"github.com/agritrace/agritrace/internal/trace"
)

// epcisCall makes one request to the EPCIS interface as org and returns the
// answer's status, headers and body.
func epcisCall(t *testing.T, e *env, org, method, path string, body []byte, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if org != "" {
		req.Header.Set("Authorization", "Bearer "+e.Keys[org])
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// queryDoc is the part of an EPCISQueryDocument the tests read.
type queryDoc struct {
	Type      string `json:"type"`
	EPCISBody struct {
		QueryResults struct {
			QueryName   string `json:"queryName"`
			ResultsBody struct {
				EventList []map[string]any `json:"eventList"`
			} `json:"resultsBody"`
		} `json:"queryResults"`
	} `json:"epcisBody"`
}

var nextLink = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// epcisEvents follows a query's pages to the end as org, validating every
// page against GS1's schema, and returns all the events.
func epcisEvents(t *testing.T, e *env, org, path string) []map[string]any {
	t.Helper()
	var all []map[string]any
	for pages := 0; path != ""; pages++ {
		if pages > 100 {
			t.Fatalf("more than 100 pages from %s", path)
		}
		status, h, b := epcisCall(t, e, org, "GET", path, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s as %s = %d %s", path, org, status, b)
		}
		if h.Get("GS1-EPCIS-Version") == "" {
			t.Errorf("GET %s: no GS1-EPCIS-Version header", path)
		}
		mustValidate(t, "GET "+path, b)
		var d queryDoc
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		if d.Type != "EPCISQueryDocument" || d.EPCISBody.QueryResults.QueryName != "SimpleEventQuery" {
			t.Fatalf("GET %s: not a SimpleEventQuery result: %s", path, b)
		}
		all = append(all, d.EPCISBody.QueryResults.ResultsBody.EventList...)
		path = ""
		if m := nextLink.FindStringSubmatch(h.Get("Link")); m != nil {
			path = m[1]
		}
	}
	return all
}

// eventsOf keeps the events of one AgriTrace type.
func eventsOf(evs []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, ev := range evs {
		if ev["agritrace:type"] == typ {
			out = append(out, ev)
		}
	}
	return out
}

// richStory is the demo story and then a split and a merge of the meal and a
// recall of the oil (and so of its bottles): every event type AgriTrace has.
func richStory(t *testing.T, e *env) demo.Story {
	t.Helper()
	st := e.story(t)
	ctx := context.Background()
	mill := e.as(demo.Mill)
	if err := mill.Do(ctx, "POST", "/api/v1/lots/"+st.MealLot+"/split", map[string]any{
		"parts": []map[string]any{{"lot": "MS1", "quantity": 1_000_000}, {"lot": "MS2", "quantity": 2_000_000}},
	}, nil); err != nil {
		t.Fatal(err)
	}
	if err := mill.Do(ctx, "POST", "/api/v1/merges", map[string]any{
		"inputs": []string{trace.LotID(demo.Meal, "MS1"), trace.LotID(demo.Meal, "MS2")}, "lot": "MM1",
	}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.as(demo.Regulator).Do(ctx, "POST", "/api/v1/lots/"+st.OilLot+"/recall", trace.RecallInput{Reason: "苯并[a]芘超标 benzo[a]pyrene above GB 2762"}, nil); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestEPCISEventsExport: every AgriTrace event type comes out as the EPCIS
// event the README's mapping table says, in documents GS1's schema accepts,
// with quantities in UN/ECE units and both hashes.
func TestEPCISEventsExport(t *testing.T) {
	e := start(t)
	st := richStory(t, e)
	all := epcisEvents(t, e, demo.Admin, "/epcis/events?perPage=7")
	seedClass := epcis.ClassURI(st.SeedLots[0])
	tests := []struct {
		typ, eventType, action, bizStep, disposition string
	}{
		{trace.EventCommission, "ObjectEvent", "ADD", "commissioning", "active"},
		{trace.EventInspect, "ObjectEvent", "OBSERVE", "inspecting", ""},
		{trace.EventShip, "ObjectEvent", "OBSERVE", "shipping", "in_transit"},
		{trace.EventReceive, "ObjectEvent", "OBSERVE", "receiving", "in_progress"},
		{trace.EventTransform, "TransformationEvent", "", "commissioning", "active"},
		{trace.EventSplit, "TransformationEvent", "", "repackaging", "active"},
		{trace.EventMerge, "TransformationEvent", "", "repackaging", "active"},
		{trace.EventPack, "ObjectEvent", "", "packing", ""},
		{trace.EventSell, "ObjectEvent", "OBSERVE", "retail_selling", "retail_sold"},
		{trace.EventRecall, "ObjectEvent", "OBSERVE", "holding", "recalled"},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			evs := eventsOf(all, tt.typ)
			if len(evs) == 0 {
				t.Fatalf("no %s event among %d", tt.typ, len(all))
			}
			for _, ev := range evs {
				if ev["type"] != tt.eventType || ev["bizStep"] != tt.bizStep ||
					(tt.action != "" && ev["action"] != tt.action) || (tt.disposition != "" && ev["disposition"] != tt.disposition) {
					t.Errorf("%s = %v", tt.typ, ev)
				}
				id, _ := ev["eventID"].(string)
				if !strings.HasPrefix(id, "ni:///sha-256;") || !strings.HasSuffix(id, "?ver=CBV2.0") {
					t.Errorf("eventID = %q, want a GS1 event hash ID", id)
				}
				if h, _ := ev["agritrace:hash"].(string); len(h) != 64 {
					t.Errorf("agritrace:hash = %q", h)
				}
				// Anyone can recompute the ID from the event as published,
				// under the document's @context.
				b, _ := json.Marshal(ev)
				ctxt, _ := json.Marshal(epcis.Context())
				if again, err := eventhash.IDWithContext(b, ctxt); err != nil || again != id {
					t.Errorf("the published event hashes to %s (%v), its eventID is %s", again, err, id)
				}
			}
		})
	}

	// The first seed lot: commissioned 6,000 kg, with its origin; half of
	// it and more went into the oil and meal.
	com := eventsOf(epcisEvents(t, e, demo.Admin, "/epcis/lots/"+st.SeedLots[0]+"/events"), trace.EventCommission)[0]
	if q := com["quantityList"].([]any)[0].(map[string]any); q["epcClass"] != seedClass || q["quantity"] != 6000.0 || q["uom"] != "KGM" {
		t.Errorf("commission quantityList = %v", q)
	}
	if o := com["agritrace:origin"].(map[string]any); o["agritrace:village"] != "桃园村" {
		t.Errorf("agritrace:origin = %v", o)
	}
	for _, ev := range eventsOf(all, trace.EventTransform) {
		if ev["agritrace:lot"] != st.OilLot {
			continue
		}
		in := ev["inputQuantityList"].([]any)
		out := ev["outputQuantityList"].([]any)[0].(map[string]any)
		if len(in) != 2 || in[0].(map[string]any)["epcClass"] != seedClass || in[0].(map[string]any)["quantity"] != 6000.0 ||
			out["quantity"] != 3930.0 || out["uom"] != "LTR" {
			t.Errorf("oil's transformation = %v", ev)
		}
	}
	for _, ev := range eventsOf(all, trace.EventSell) {
		want := []any{}
		for _, s := range st.Sold {
			want = append(want, epcis.InstanceURI(demo.Bottle, s))
		}
		if got, _ := ev["epcList"].([]any); !slices.Equal(got, want) {
			t.Errorf("sale epcList = %v, want %v", got, want)
		}
	}
	for _, ev := range eventsOf(all, trace.EventShip) {
		if src := ev["sourceList"].([]any); len(src) != 2 || ev["destinationList"] == nil || ev["bizLocation"] != nil {
			t.Errorf("shipping = %v", ev)
		}
	}
	for _, ev := range eventsOf(all, trace.EventRecall) {
		if !strings.Contains(ev["agritrace:reason"].(string), "GB 2762") || ev["agritrace:advice"] == "" {
			t.Errorf("recall = %v", ev)
		}
	}
}

// TestEPCISQuery: the query parameters select what the standard says they
// do, pages chain by Link rel="next", and errors have the standard's shape.
func TestEPCISQuery(t *testing.T) {
	e := start(t)
	st := richStory(t, e)
	all := epcisEvents(t, e, demo.Admin, "/epcis/events?perPage=5")
	onePage := epcisEvents(t, e, demo.Admin, "/epcis/events")
	if len(all) != len(onePage) || len(all) < 20 {
		t.Fatalf("%d events in pages of 5, %d in one page", len(all), len(onePage))
	}
	for i := range all {
		if all[i]["eventID"] != onePage[i]["eventID"] {
			t.Fatalf("event %d differs between pagings", i)
		}
	}
	var sold string
	for _, s := range st.Sold {
		sold = epcis.InstanceURI(demo.Bottle, s)
	}
	mid := all[len(all)/2]["eventTime"].(string)
	rp := all[0]["readPoint"].(map[string]any)["id"].(string)
	count := func(f func(map[string]any) bool) int {
		n := 0
		for _, ev := range all {
			if f(ev) {
				n++
			}
		}
		return n
	}
	names := func(ev map[string]any, class string, lists ...string) bool {
		for _, l := range lists {
			for _, x := range ev[l].([]any) {
				if x.(map[string]any)["epcClass"] == class {
					return true
				}
			}
		}
		return false
	}
	// Times compare as times: RFC 3339 text with fractions of varying
	// length does not sort.
	at := func(ev map[string]any) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, ev["eventTime"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	has := func(ev map[string]any, k string) bool { _, ok := ev[k]; return ok }
	seed := epcis.ClassURI(st.SeedLots[0])
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"eventType", "eventType=TransformationEvent", count(func(ev map[string]any) bool { return ev["type"] == "TransformationEvent" })},
		{"two eventTypes", "eventType=TransformationEvent,ObjectEvent", len(all)},
		{"EQ_bizStep", "EQ_bizStep=shipping", count(func(ev map[string]any) bool { return ev["bizStep"] == "shipping" })},
		{"EQ_bizStep as URN", "EQ_bizStep=urn:epcglobal:cbv:bizstep:receiving", count(func(ev map[string]any) bool { return ev["bizStep"] == "receiving" })},
		{"MATCH_epc", "MATCH_epc=" + url.QueryEscape(sold), 1},
		{"MATCH_anyEPC as URN", "MATCH_anyEPC=" + url.QueryEscape("urn:epc:id:sgtin:6901234.050059."+st.Sold[len(st.Sold)-1]), 1},
		{"MATCH_epcClass", "MATCH_epcClass=" + url.QueryEscape(seed), count(func(ev map[string]any) bool {
			return has(ev, "quantityList") && names(ev, seed, "quantityList")
		})},
		{"MATCH_anyEPCClass", "MATCH_anyEPCClass=" + url.QueryEscape(seed), count(func(ev map[string]any) bool {
			return (has(ev, "quantityList") && names(ev, seed, "quantityList")) || (has(ev, "inputQuantityList") && names(ev, seed, "inputQuantityList", "outputQuantityList"))
		})},
		{"GE_eventTime", "GE_eventTime=" + url.QueryEscape(mid), count(func(ev map[string]any) bool { return !at(ev).Before(at(all[len(all)/2])) })},
		{"LT_eventTime", "LT_eventTime=" + url.QueryEscape(mid) + "&perPage=3", count(func(ev map[string]any) bool { return at(ev).Before(at(all[len(all)/2])) })},
		{"GE_recordTime and LT_eventTime", "GE_recordTime=" + url.QueryEscape(mid) + "&LT_eventTime=" + url.QueryEscape(mid), 0},
		{"EQ_bizLocation", "EQ_bizLocation=" + url.QueryEscape(rp), count(func(ev map[string]any) bool {
			l, _ := ev["bizLocation"].(map[string]any)
			return l != nil && l["id"] == rp
		})},
		{"nothing", "EQ_bizStep=destroying", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := epcisEvents(t, e, demo.Admin, "/epcis/events?"+tt.query)
			if len(got) != tt.want {
				t.Errorf("%d events, want %d", len(got), tt.want)
			}
		})
	}
	t.Run("per EPC", func(t *testing.T) {
		if got := epcisEvents(t, e, demo.Admin, "/epcis/epcs/"+url.PathEscape(sold)+"/events"); len(got) != 1 || got[0]["bizStep"] != "retail_selling" {
			t.Errorf("events of %s = %v", sold, got)
		}
	})

	errs := []struct {
		name, org, path string
		status          int
		typ             string
	}{
		{"unknown parameter", demo.Admin, "/epcis/events?EQ_colour=red", 400, "epcisException:QueryParameterException"},
		{"bad time", demo.Admin, "/epcis/events?GE_eventTime=yesterday", 400, "epcisException:QueryParameterException"},
		{"bad perPage", demo.Admin, "/epcis/events?perPage=0", 400, "epcisException:QueryParameterException"},
		{"bad token", demo.Admin, "/epcis/events?nextPageToken=xyz", 400, "epcisException:QueryParameterException"},
		{"no such lot", demo.Admin, "/epcis/lots/06901234500011.NOPE/events", 404, "epcisException:NoSuchResourceException"},
		{"not an EPC", demo.Admin, "/epcis/epcs/" + url.PathEscape("urn:x:y") + "/events", 404, "epcisException:NoSuchResourceException"},
		{"a lot it may not read", demo.Collector, "/epcis/lots/" + st.OilLot + "/events", 403, "epcisException:SecurityException"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			status, h, b := epcisCall(t, e, tt.org, "GET", tt.path, nil)
			var p struct {
				Type   string `json:"type"`
				Status int    `json:"status"`
				Title  string `json:"title"`
			}
			if err := json.Unmarshal(b, &p); err != nil || status != tt.status || p.Type != tt.typ || p.Status != tt.status || p.Title == "" ||
				!strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
				t.Errorf("GET %s = %d %s (%s)", tt.path, status, b, h.Get("Content-Type"))
			}
		})
	}
	if status, _, _ := epcisCall(t, e, "", "GET", "/epcis/events", nil); status != http.StatusUnauthorized {
		t.Errorf("without a key: %d", status)
	}
}

// TestEPCISQueryFollowsReadRules: an organization's query returns the events
// of the lots access.go lets it read, and nothing else.
func TestEPCISQueryFollowsReadRules(t *testing.T) {
	e := start(t)
	st := richStory(t, e)
	lotsOf := func(t *testing.T, org string) []string {
		var lots []string
		for _, ev := range epcisEvents(t, e, org, "/epcis/events?perPage=13") {
			lots = append(lots, ev["agritrace:lot"].(string))
		}
		slices.Sort(lots)
		return slices.Compact(lots)
	}
	tests := []struct {
		org        string
		sees, hide []string
	}{
		// The shop reads the bottles it sold and, upstream, the oil and seed.
		{demo.Shop, []string{st.BottleLot, st.OilLot, st.SeedLots[0], st.SeedLots[1]}, []string{st.MealLot}},
		// The collection center reads its seed, not what was made from it.
		{demo.Collector, []string{st.SeedLots[0], st.SeedLots[1]}, []string{st.OilLot, st.MealLot, st.BottleLot}},
		// The county regulator reads everything handled in the county.
		{demo.Regulator, []string{st.SeedLots[0], st.OilLot, st.MealLot, st.BottleLot}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.org, func(t *testing.T) {
			got := lotsOf(t, tt.org)
			for _, l := range tt.sees {
				if !slices.Contains(got, l) {
					t.Errorf("%s does not see lot %s: %v", tt.org, l, got)
				}
			}
			for _, l := range tt.hide {
				if slices.Contains(got, l) {
					t.Errorf("%s sees lot %s", tt.org, l)
				}
			}
			for _, l := range got {
				var lot trace.Lot
				if err := e.as(tt.org).Do(context.Background(), "GET", "/api/v1/lots/"+l, nil, &lot); err != nil {
					t.Errorf("%s sees events of lot %s that GET /api/v1/lots refuses it: %v", tt.org, l, err)
				}
			}
		})
	}
}
