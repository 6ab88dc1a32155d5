package api_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/api"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/trace"
)

// What scans keep on the strength of the queue's write counts (scan.WriteCounter).

// TestKeptFindingsYieldToACloseHere: a label whose absence of findings is
// kept for an hour turns not genuine on the very next scan after a regulator
// confirms a counterfeit through this service, on the serial and then on its
// whole lot.
func TestKeptFindingsYieldToACloseHere(t *testing.T) {
	e := start(t, keptFor(time.Hour))
	st := e.story(t)
	reg := e.as(demo.Regulator)
	for _, url := range []string{st.BottleURLs[0], st.BottleURLs[1]} {
		if v := scanOf(t, e, url); v.Verdict != scan.Genuine {
			t.Fatalf("before any finding %s scans %s", url, v.Verdict)
		}
	}
	confirm := func(serial, scope string) {
		t.Helper()
		var c trace.Complaint
		if err := e.as("").Do(bg, "POST", "/api/v1/complaints", trace.FileInput{Serial: serial, Lot: st.BottleLot, Kind: "counterfeit", Description: "瓶子是假的"}, &c); err != nil {
			t.Fatal(err)
		}
		if err := reg.Do(bg, "POST", "/api/v1/complaints/"+c.ID+"/actions", trace.WorkInput{Action: "close", Resolution: "confirmed", Scope: scope}, nil); err != nil {
			t.Fatal(err)
		}
	}
	confirm(serialOf(st.BottleURLs[0]), "")
	if v := scanOf(t, e, st.BottleURLs[0]); v.Verdict != scan.NotGenuine || !slices.ContainsFunc(v.Reasons, isFinding) {
		t.Errorf("right after the serial's finding: %s %+v", v.Verdict, v.Reasons)
	}
	if v := scanOf(t, e, st.BottleURLs[1]); v.Verdict != scan.Genuine {
		t.Errorf("another bottle scans %s before the finding covers the lot", v.Verdict)
	}
	confirm(serialOf(st.BottleURLs[0]), trace.ScopeLot)
	if v := scanOf(t, e, st.BottleURLs[1]); v.Verdict != scan.NotGenuine || !slices.ContainsFunc(v.Reasons, isFinding) {
		t.Errorf("right after the lot-wide finding: %s %+v", v.Verdict, v.Reasons)
	}
}

// TestKeptFindingsBoundCloseElsewhere: a complaint closed by another process
// on the same database is not seen by this one's count of complaint writes,
// so a kept absence of findings hides it for at most the TTL.
func TestKeptFindingsBoundCloseElsewhere(t *testing.T) {
	var srv *api.Server
	e := start(t, func(o *options) {
		o.server = func(s *api.Server) {
			s.Judge.Cache = scan.NewCache(scan.CacheOptions{TTL: 300 * time.Millisecond})
			srv = s
		}
	})
	st := e.story(t)
	if v := scanOf(t, e, st.BottleURLs[0]); v.Verdict != scan.Genuine {
		t.Fatalf("before any finding: %s", v.Verdict)
	}
	var c trace.Complaint
	if err := e.as("").Do(bg, "POST", "/api/v1/complaints", trace.FileInput{Serial: serialOf(st.BottleURLs[0]), Lot: st.BottleLot, Kind: "refill", Description: "瓶盖被拆过"}, &c); err != nil {
		t.Fatal(err)
	}
	// The complaint's filing moved the count; a scan keeps the absence anew.
	if v := scanOf(t, e, st.BottleURLs[0]); v.Verdict != scan.Genuine {
		t.Fatalf("with the complaint open: %s", v.Verdict)
	}
	regulator, err := e.Store.Org(bg, demo.Regulator)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := trace.NewService(e.Store, srv.Keys)
	if _, err := elsewhere.Work(bg, regulator, c.ID, trace.WorkInput{Action: "close", Resolution: "confirmed"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if v := scanOf(t, e, st.BottleURLs[0]); v.Verdict != scan.NotGenuine || !slices.ContainsFunc(v.Reasons, isFinding) {
		t.Errorf("a TTL after a close elsewhere: %s %+v", v.Verdict, v.Reasons)
	}
}

func isFinding(r scan.Reason) bool { return r.Code == scan.ConfirmedCounterfeit }

// serialOf reads the serial out of a label's URL (…/21/<serial>?…).
func serialOf(url string) string {
	return url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
}

// TestKeptProvenanceBoundsWriteElsewhere: an inspection upstream recorded by
// another process on the same database moves no count here, so a scan may
// skip the walk and show the kept history, for at most the TTL.
func TestKeptProvenanceBoundsWriteElsewhere(t *testing.T) {
	var srv *api.Server
	e := start(t, func(o *options) {
		o.server = func(s *api.Server) {
			s.Judge.Cache = scan.NewCache(scan.CacheOptions{TTL: 300 * time.Millisecond})
			srv = s
		}
	})
	st := e.story(t)
	bottle := st.BottleURLs[0]
	first := scanOf(t, e, bottle)
	regulator, err := e.Store.Org(bg, demo.Regulator)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := trace.NewService(e.Store, srv.Keys)
	if _, err := elsewhere.Inspect(bg, regulator, st.OilLot, trace.InspectInput{Results: map[string]any{"acidValue": 0.9}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if v := scanOf(t, e, bottle); steps(v) != steps(first)+1 {
		t.Errorf("a TTL after an inspection elsewhere: %d steps, want %d", steps(v), steps(first)+1)
	}
}
