package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// TestConfirmedCounterfeitStaysVisible: a regulator's confirmed counterfeit
// finding turns the serial not genuine with no region anywhere; a finding
// that covers the lot turns every unit of the lot and the lot itself.
func TestConfirmedCounterfeitStaysVisible(t *testing.T) {
	e := start(t)
	st := e.story(t)
	shelfSerial := st.ShelfURL[strings.LastIndex(st.ShelfURL, "/")+1 : strings.Index(st.ShelfURL, "?")]
	reg := e.as(demo.Regulator)
	confirm := func(serial, kind, scope string) string {
		t.Helper()
		var c trace.Complaint
		if err := e.as("").Do(bg, "POST", "/api/v1/complaints", trace.FileInput{Serial: serial, Lot: st.BottleLot, Kind: kind, Description: "同一序列号出现在多瓶油上"}, &c); err != nil {
			t.Fatal(err)
		}
		if err := reg.Do(bg, "POST", "/api/v1/complaints/"+c.ID+"/actions", trace.WorkInput{Action: "close", Resolution: "confirmed", Scope: scope}, &c); err != nil {
			t.Fatal(err)
		}
		if c.Scope != scope {
			t.Errorf("closed complaint has scope %q, want %q", c.Scope, scope)
		}
		return c.ID
	}
	id := confirm(shelfSerial, "counterfeit", "")
	a := scanWith(t, e.phone("", ""), st.ShelfURL, nil)
	if a.Verdict != "not_genuine" || !slices.Contains(a.codes(), "confirmed_counterfeit") || !strings.Contains(a.Reasons[0].EN, id) {
		t.Errorf("serial with a confirmed counterfeit finding scans %s %+v", a.Verdict, a.Reasons)
	}
	if a := scanWith(t, e.phone("", ""), st.SoldURL, nil); a.Verdict != "genuine" {
		t.Errorf("another unit of the lot scans %s %v before the finding covers the lot", a.Verdict, a.codes())
	}

	var unfounded trace.Complaint
	if err := e.as("").Do(bg, "POST", "/api/v1/complaints", trace.FileInput{Serial: st.Sold[1], Lot: st.BottleLot, Kind: "refill", Description: "瓶盖被拆过"}, &unfounded); err != nil {
		t.Fatal(err)
	}
	expect(t, reg, "POST", "/api/v1/complaints/"+unfounded.ID+"/actions", trace.WorkInput{Action: "close", Resolution: "unfounded", Scope: "lot"}, 400, "invalid", "scope")

	id = confirm(st.Sold[1], "refill", "lot")
	if a := scanWith(t, e.phone("", ""), st.SoldURL, nil); a.Verdict != "not_genuine" || !slices.Contains(a.codes(), "confirmed_counterfeit") {
		t.Errorf("unit of a lot with a lot-wide finding scans %s %v", a.Verdict, a.codes())
	}
	if a := scanWith(t, e.phone("", ""), e.URL+"/01/"+demo.Bottle+"/10/"+st.BottleLot[15:], nil); a.Verdict != "not_genuine" || !strings.Contains(a.Reasons[0].EN, id) {
		t.Errorf("lot scan after a lot-wide finding: %s %+v", a.Verdict, a.Reasons)
	}
	var entries struct {
		Entries []trace.ComplaintEntry `json:"trail"`
	}
	if err := reg.Do(bg, "GET", "/api/v1/complaints/"+id, nil, &entries); err != nil {
		t.Fatal(err)
	}
	if n := len(entries.Entries); n == 0 || !strings.Contains(string(entries.Entries[n-1].Payload), `"scope":"lot"`) {
		t.Errorf("the trail does not record the finding's scope: %+v", entries.Entries)
	}
}

// TestLaterHolderResultDoesNotHideRegulators: the regulator finds aflatoxin
// B1 at 50 µg/kg, then the holder records 1; the page shows both, the
// regulator's as the regulator's, and an accredited lab may test too.
func TestLaterHolderResultDoesNotHideRegulators(t *testing.T) {
	e := start(t)
	st := e.story(t)
	inspect := func(org string, v any) {
		t.Helper()
		if err := e.as(org).Do(bg, "POST", "/api/v1/lots/"+st.OilLot+"/inspect", trace.InspectInput{Results: map[string]any{"aflatoxinB1": v}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	inspect(demo.Regulator, 50)
	inspect(demo.Mill, 1)
	if err := e.as(demo.Admin).Do(bg, "POST", "/api/v1/orgs", trace.Org{ID: "hubei-lab", Name: "湖北省食品质量检测中心", Roles: []string{trace.RoleLab}, Region: "420100"}, nil); err != nil {
		t.Fatal(err)
	}
	var key struct{ Key string }
	if err := e.as(demo.Admin).Do(bg, "POST", "/api/v1/orgs/hubei-lab/keys", nil, &key); err != nil {
		t.Fatal(err)
	}
	e.Keys["hubei-lab"] = key.Key
	inspect("hubei-lab", 48)

	var p struct {
		Lot     trace.Lot
		Quality []struct {
			Key, ByName, Capacity string
			Value                 any
			Official              bool
		}
	}
	if err := e.as("").Do(bg, "GET", st.ShelfURL[len(e.URL):], nil, &p); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, q := range p.Quality {
		if q.Key == "aflatoxinB1" {
			got = append(got, q.Capacity+" "+q.ByName+" "+fmt.Sprint(q.Value))
		}
	}
	want := []string{"regulator 兴山县市场监督管理局 50", "lab 湖北省食品质量检测中心 48", "holder 古夫镇菜籽油坊 2.1", "holder 古夫镇菜籽油坊 1"}
	if !slices.Equal(got[:min(len(got), 2)], want[:2]) || len(got) != 4 || !slices.Contains(got, want[3]) {
		t.Errorf("aflatoxin B1 results = %q, want the official ones first, then every holder's: %q", got, want)
	}
	status, page := get(t, st.ShelfURL, "Accept", "text/html")
	if status != 200 || !strings.Contains(page, `data-capacity="regulator"`) || !showsRegulatorsFifty(page) {
		t.Errorf("the page does not show the regulator's 50 as the regulator's")
	}
}

// showsRegulatorsFifty reports whether one result item on the page holds
// the regulator's aflatoxin figure, its failing verdict and who recorded it.
func showsRegulatorsFifty(page string) bool {
	for _, item := range strings.Split(page, `<li class="result`)[1:] {
		item, _, _ = strings.Cut(item, "</li>")
		if strings.Contains(item, `data-capacity="regulator" data-key="aflatoxinB1" data-verdict="fail"`) &&
			strings.Contains(item, `<strong class="value">50</strong>`) && strings.Contains(item, "监管部门检测 · 兴山县市场监督管理局") {
			return true
		}
	}
	return false
}
