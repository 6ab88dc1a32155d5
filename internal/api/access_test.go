package api_test

import (
	"errors"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// enrol registers an organization through the admin API and returns a
// client holding its new key.
func enrol(t *testing.T, e *env, o trace.Org) demo.Client {
	t.Helper()
	if err := e.as(demo.Admin).Do(bg, "POST", "/api/v1/orgs", o, nil); err != nil {
		t.Fatalf("create org %s: %v", o.ID, err)
	}
	var k struct{ Key string }
	if err := e.as(demo.Admin).Do(bg, "POST", "/api/v1/orgs/"+o.ID+"/keys", nil, &k); err != nil {
		t.Fatalf("key for %s: %v", o.ID, err)
	}
	return demo.Client{Base: e.URL, Key: k.Key}
}

// listed returns the ids of the lots c may list.
func listed(t *testing.T, c demo.Client) map[string]bool {
	t.Helper()
	var r struct{ Lots []trace.Lot }
	if err := c.Do(bg, "GET", "/api/v1/lots", nil, &r); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, l := range r.Lots {
		ids[l.ID] = true
	}
	return ids
}

// TestReadsFollowNeed reads the demo season as each party would: a rival
// mill sees nothing of it, holders see what they held and its provenance,
// signed labels go only to the custodian, the producer and regulators, and
// a regulator sees its own county, not another's.
func TestReadsFollowNeed(t *testing.T) {
	e := start(t)
	st := e.story(t)
	rival := enrol(t, e, trace.Org{ID: "rival-mill", Name: "另一家油坊", Roles: []string{trace.RoleProcessor}, Region: "420527"})
	faraway := enrol(t, e, trace.Org{ID: "dongcheng-amr", Name: "东城区市场监管局", Roles: []string{trace.RoleRegulator}, Region: "110101"})
	serial := st.Sold[0]
	var units struct{ Units []trace.Unit }
	if err := e.as(demo.Shop).Do(bg, "GET", "/api/v1/lots/"+st.BottleLot+"/units", nil, &units); err != nil || len(units.Units) != 200 {
		t.Fatalf("shop reads its own units: %v, %d", err, len(units.Units))
	}
	shelf := units.Units[len(units.Units)-1].Serial

	tests := []struct {
		name   string
		c      demo.Client
		path   string
		status int
	}{
		{"rival cannot read the bottle lot", rival, "/api/v1/lots/" + st.BottleLot, 403},
		{"rival cannot read its events", rival, "/api/v1/lots/" + st.BottleLot + "/events", 403},
		{"rival cannot trace it", rival, "/api/v1/lots/" + st.BottleLot + "/trace", 403},
		{"rival cannot download signed labels", rival, "/api/v1/lots/" + st.BottleLot + "/units", 403},
		{"rival cannot read a unit", rival, "/api/v1/units/" + shelf, 403},
		{"rival cannot print a label", rival, "/api/v1/units/" + shelf + "/label.png", 403},
		{"rival cannot read the seed", rival, "/api/v1/lots/" + st.SeedLots[0], 403},
		{"shop reads its lot", e.as(demo.Shop), "/api/v1/lots/" + st.BottleLot, 200},
		{"shop reads upstream oil", e.as(demo.Shop), "/api/v1/lots/" + st.OilLot + "/events", 200},
		{"shop reads upstream seed", e.as(demo.Shop), "/api/v1/lots/" + st.SeedLots[1], 200},
		{"shop cannot read the meal, which its bottles were not made of", e.as(demo.Shop), "/api/v1/lots/" + st.MealLot, 403},
		{"distribution center read what it held", e.as(demo.DC), "/api/v1/lots/" + st.BottleLot, 200},
		{"distribution center no longer gets labels", e.as(demo.DC), "/api/v1/lots/" + st.BottleLot + "/units", 403},
		{"distribution center cannot print a label", e.as(demo.DC), "/api/v1/units/" + shelf + "/label.svg", 403},
		{"the mill that packed it reads its labels", e.as(demo.Mill), "/api/v1/lots/" + st.BottleLot + "/units", 200},
		{"the mill prints a label", e.as(demo.Mill), "/api/v1/units/" + shelf + "/label.png", 200},
		{"collector cannot read the oil made from its seed", e.as(demo.Collector), "/api/v1/lots/" + st.OilLot, 403},
		{"county regulator reads the bottles", e.as(demo.Regulator), "/api/v1/lots/" + st.BottleLot + "/units", 200},
		{"another county's regulator cannot", faraway, "/api/v1/lots/" + st.BottleLot, 403},
		{"another county's regulator cannot audit it", faraway, "/api/v1/audits/lots/" + st.BottleLot, 403},
		{"another county's regulator cannot audit a serial of it", faraway, "/api/v1/audits/serials/" + serial, 403},
		{"county regulator audits", e.as(demo.Regulator), "/api/v1/audits/serials/" + serial, 200},
		{"shop cannot read scans", e.as(demo.Shop), "/api/v1/scans", 403},
		{"shop cannot read alerts", e.as(demo.Shop), "/api/v1/alerts", 403},
		{"shop cannot read complaints", e.as(demo.Shop), "/api/v1/complaints", 403},
		{"shop cannot audit", e.as(demo.Shop), "/api/v1/audits/lots/" + st.BottleLot, 403},
		{"admin reads anything", e.as(demo.Admin), "/api/v1/lots/" + st.MealLot, 200},
		{"labels need a key", demo.Client{Base: e.URL}, "/api/v1/units/" + shelf + "/label.png", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Do(bg, "GET", tt.path, nil, nil)
			var apiErr *demo.APIError
			switch {
			case tt.status == 200 && err != nil:
				t.Fatalf("GET %s: %v", tt.path, err)
			case tt.status != 200 && (!errors.As(err, &apiErr) || apiErr.Status != tt.status):
				t.Fatalf("GET %s: %v, want HTTP %d", tt.path, err, tt.status)
			}
		})
	}

	t.Run("lists hold only what each may list", func(t *testing.T) {
		if got := listed(t, rival); len(got) != 0 {
			t.Errorf("rival lists %v", got)
		}
		if got := listed(t, faraway); len(got) != 0 {
			t.Errorf("another county's regulator lists %v", got)
		}
		shop := listed(t, e.as(demo.Shop))
		if len(shop) != 1 || !shop[st.BottleLot] {
			t.Errorf("shop lists %v, want only %s", shop, st.BottleLot)
		}
		dc := listed(t, e.as(demo.DC))
		if !dc[st.BottleLot] {
			t.Errorf("distribution center does not list the lot it held: %v", dc)
		}
		county := listed(t, e.as(demo.Regulator))
		for _, id := range append(st.SeedLots, st.OilLot, st.MealLot, st.BottleLot) {
			if !county[id] {
				t.Errorf("county regulator does not list %s", id)
			}
		}
	})

	t.Run("a trace leaves out what the reader may not see", func(t *testing.T) {
		var g trace.Graph
		if err := e.as(demo.Collector).Do(bg, "GET", "/api/v1/lots/"+st.SeedLots[0]+"/trace", nil, &g); err != nil {
			t.Fatal(err)
		}
		for _, n := range g.Nodes {
			if n.ID != st.SeedLots[0] {
				t.Errorf("collector's trace shows %s", n.ID)
			}
		}
		if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/lots/"+st.SeedLots[0]+"/trace", nil, &g); err != nil {
			t.Fatal(err)
		}
		if len(g.Nodes) != 4 || len(g.Edges) < 3 {
			t.Errorf("regulator's trace of the seed: %d nodes, %d edges; want seed, oil, meal and bottles", len(g.Nodes), len(g.Edges))
		}
	})
}
