package api_test

import (
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// verdicts maps seq to verdict, reason and whether it follows a gap.
func verdicts(checks []map[string]any) map[int]map[string]any {
	out := map[int]map[string]any{}
	for _, c := range checks {
		out[int(c["seq"].(float64))] = c
	}
	return out
}

// TestDeletedEventIsNamed deletes an event from the middle of a lot's chain:
// the verifier names exactly that seq as missing and judges the later events
// on their own, instead of calling them mismatched and the last one missing.
func TestDeletedEventIsNamed(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	lot := commissionSeed(t, e, "GAP1", 1000)
	for _, v := range []float64{7.1, 7.2, 7.3} {
		expect(t, e.as(demo.Collector), "POST", "/api/v1/lots/"+lot+"/inspect", trace.InspectInput{Results: map[string]any{"moisture": v}}, 201, "", "")
	}
	waitVerified(t, e, lot)
	if _, err := e.Store.DB().Exec(`DELETE FROM events WHERE lot = ? AND seq = 2`, lot); err != nil {
		t.Fatal(err)
	}
	v, checks := verdict(t, e, lot)
	got := verdicts(checks)
	if v != "missing" || len(checks) != 4 {
		t.Fatalf("verdict %s with %d checks, want missing with 4: %v", v, len(checks), checks)
	}
	if got[2]["verdict"] != "missing" || got[2]["reason"] != "record 2 is on the ledger but not in the store: it was deleted" || got[2]["ledgerHash"] == "" {
		t.Errorf("seq 2: %v", got[2])
	}
	if got[3]["verdict"] != "verified" || got[3]["afterGap"] != true {
		t.Errorf("seq 3, right after the gap: %v", got[3])
	}
	for _, seq := range []int{0, 1} {
		if got[seq]["verdict"] != "verified" || got[seq]["afterGap"] != nil {
			t.Errorf("seq %d: %v", seq, got[seq])
		}
	}
}

// TestDeletedComplaintEntryIsNamed does the same to a complaint's trail.
func TestDeletedComplaintEntryIsNamed(t *testing.T) {
	e := start(t)
	reg := e.as(demo.Regulator)
	var filed struct{ ID string }
	if err := reg.Do(bg, "POST", "/api/v1/complaints", trace.FileInput{Lot: "x", Kind: "other", Description: "漏油"}, &filed); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/complaints/" + filed.ID
	for _, w := range []trace.WorkInput{{Action: "assign", Assignee: "张科长"}, {Action: "note", Note: "一"}, {Action: "note", Note: "二"}} {
		expect(t, reg, "POST", path+"/actions", w, 200, "", "")
	}
	var got struct {
		Verification struct {
			Verdict string
			Events  []map[string]any
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for got.Verification.Verdict != "verified" {
		if time.Now().After(deadline) {
			t.Fatalf("complaint still %s", got.Verification.Verdict)
		}
		time.Sleep(50 * time.Millisecond)
		if err := reg.Do(bg, "GET", path, nil, &got); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Store.DB().Exec(`DELETE FROM complaint_entries WHERE complaint = ? AND seq = 1`, filed.ID); err != nil {
		t.Fatal(err)
	}
	got.Verification.Events = nil
	if err := reg.Do(bg, "GET", path, nil, &got); err != nil {
		t.Fatal(err)
	}
	checks := verdicts(got.Verification.Events)
	if got.Verification.Verdict != "missing" || len(checks) != 4 || checks[1]["verdict"] != "missing" ||
		checks[2]["verdict"] != "verified" || checks[2]["afterGap"] != true || checks[3]["verdict"] != "verified" {
		t.Fatalf("after deleting entry 1: %s %v", got.Verification.Verdict, got.Verification.Events)
	}
}
