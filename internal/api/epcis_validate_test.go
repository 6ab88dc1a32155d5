package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// TestEPCISCaptureValidation: a document GS1's schema refuses is refused
// whole with 400 and the standard's problem shape, before any event runs.
func TestEPCISCaptureValidation(t *testing.T) {
	e := start(t)
	registerProducts(t, e)
	valid := func() doc { return seedDoc(e, trace.LotID(demo.Seed, "V1")) }
	first := func(d doc) map[string]any {
		return d["epcisBody"].(map[string]any)["eventList"].([]any)[0].(map[string]any)
	}
	tests := []struct {
		name   string
		break_ func(d doc)
	}{
		{"no @context", func(d doc) { delete(d, "@context") }},
		{"no schemaVersion", func(d doc) { delete(d, "schemaVersion") }},
		{"no event time zone", func(d doc) { delete(first(d), "eventTimeZoneOffset") }},
		{"event time not a time", func(d doc) { first(d)["eventTime"] = "yesterday" }},
		{"unknown action", func(d doc) { first(d)["action"] = "MOVE" }},
		{"CBV step as URN", func(d doc) { first(d)["bizStep"] = "urn:epcglobal:cbv:bizstep:commissioning" }},
		{"field outside the standard", func(d doc) { first(d)["colour"] = "yellow" }},
		{"quantity element with more", func(d doc) { first(d)["quantityList"].([]any)[0].(map[string]any)["grade"] = "2" }},
		{"bad uom", func(d doc) { first(d)["quantityList"].([]any)[0].(map[string]any)["uom"] = "kg" }},
		{"ObjectEvent without objects", func(d doc) { delete(first(d), "quantityList") }},
		{"wrong document type", func(d doc) { d["type"] = "EPCISQueryDocument" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := valid()
			tt.break_(d)
			b, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			if schemaErr(t, b) == nil {
				t.Fatalf("GS1's schema accepts the document, so the test is wrong")
			}
			status, _, body := epcisCall(t, e, demo.Collector, "POST", "/epcis/capture", b)
			var p struct {
				Type string `json:"type"`
			}
			if json.Unmarshal(body, &p); status != http.StatusBadRequest || p.Type != "epcisException:ValidationException" {
				t.Errorf("POST = %d %s", status, body)
			}
		})
	}
	if status, _, body := epcisCall(t, e, demo.Collector, "POST", "/epcis/capture", []byte(`{"type":"EPCISDocument",`)); status != http.StatusBadRequest {
		t.Errorf("not JSON: %d %s", status, body)
	}
	// More events than one commit takes.
	many := make([]map[string]any, trace.MaxBatch+1)
	for i := range many {
		many[i] = first(valid())
	}
	b, _ := json.Marshal(captureDoc(many...))
	if status, _, body := epcisCall(t, e, demo.Collector, "POST", "/epcis/capture", b); status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(string(body), "CaptureLimitExceededException") {
		t.Errorf("%d events: %d %s", len(many), status, body)
	}
	if status, _, _ := epcisCall(t, e, "", "POST", "/epcis/capture", []byte(`{}`)); status != http.StatusUnauthorized {
		t.Errorf("without a key: %d", status)
	}
}
