package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// TestSampleRequest: a regulator's request for samples is a step of the
// complaint's hash-chained trail, with what was asked for, and puts the
// complaint under investigation; an empty or overlong request is refused and
// records nothing; only regulators may ask.
func TestSampleRequest(t *testing.T) {
	e := start(t)
	st := e.story(t)
	var filed trace.Complaint
	if err := e.as("").Do(bg, "POST", "/api/v1/complaints", trace.FileInput{Serial: st.Sold[0], Kind: "quality", Description: "油有哈喇味"}, &filed); err != nil {
		t.Fatal(err)
	}
	reg, path := e.as(demo.Regulator), "/api/v1/complaints/"+filed.ID
	expect(t, reg, "POST", path+"/actions", trace.WorkInput{Action: "sample", Samples: "  "}, 400, trace.EINVALID, "samples")
	expect(t, reg, "POST", path+"/actions", trace.WorkInput{Action: "sample", Samples: strings.Repeat("样", trace.MaxDescription+1)}, 400, trace.EINVALID, "samples")
	expect(t, e.as(demo.Shop), "POST", path+"/actions", trace.WorkInput{Action: "sample", Samples: "2 瓶"}, 403, trace.EFORBIDDEN, "")
	expect(t, reg, "POST", path+"/actions", trace.WorkInput{Action: "sample", Samples: "同批次 2 瓶，超市货架", Note: "送县检测所"}, 200, "", "")

	var got struct {
		Complaint trace.Complaint
		Trail     []trace.ComplaintEntry
	}
	if err := reg.Do(bg, "GET", path, nil, &got); err != nil {
		t.Fatal(err)
	}
	if got.Complaint.Status != trace.ComplaintInvestigating || len(got.Trail) != 2 {
		t.Fatalf("complaint %s with %d trail entries, want investigating with 2", got.Complaint.Status, len(got.Trail))
	}
	step := got.Trail[1]
	var payload map[string]string
	if err := json.Unmarshal(step.Payload, &payload); err != nil {
		t.Fatal(err)
	}
	if step.Action != "sample" || step.Actor != demo.Regulator || payload["samples"] != "同批次 2 瓶，超市货架" || payload["note"] != "送县检测所" {
		t.Errorf("sample step = %s by %s, payload %v", step.Action, step.Actor, payload)
	}
	if h, _ := step.ComputeHash(); h != step.Hash || step.PrevHash != got.Trail[0].Hash {
		t.Errorf("sample step is not chained: hash %s prev %s", step.Hash, step.PrevHash)
	}
}
