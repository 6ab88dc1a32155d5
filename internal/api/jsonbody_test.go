package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/api"
	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// send posts body with the given Content-Type as org ("" for anonymous) and
// returns the status and the answer's error.
func send(t *testing.T, e *env, org, path, contentType, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest("POST", e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if org != "" {
		req.Header.Set("Authorization", "Bearer "+e.Keys[org])
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
	var ans struct {
		Error struct{ Code, Field string }
		Type  string
	}
	_ = json.Unmarshal(b, &ans)
	return resp.StatusCode, ans.Error.Code + ans.Type, ans.Error.Field
}

// TestJSONBodies: every JSON-taking route reads its body through one decoder
// that wants the JSON media type, exact field names, unique names and
// nothing after the value.
func TestJSONBodies(t *testing.T) {
	// Every complaint here comes from one address: the limit is not what
	// is tested.
	e := start(t, func(o *options) {
		o.server = func(s *api.Server) { s.Limits.Complaints = config.Rate{N: 100, Per: time.Hour} }
	})
	complaint := `{"kind":"counterfeit","description":"the cap is wrong","serial":"A1B2C3D4E5F6"}`
	product := func(name string) string {
		return `{"` + name + `":"` + demo.Seed + `","nameZh":"油菜籽","unit":"kg"}`
	}
	for _, tc := range []struct {
		name, org, path, contentType, body string
		status                             int
		code, field                        string
	}{
		{"complaint as text/plain", "", "/api/v1/complaints", "text/plain", complaint, 415, trace.EUNSUPPORTED, ""},
		{"complaint as a form", "", "/api/v1/complaints", "application/x-www-form-urlencoded", "kind=counterfeit&description=x&serial=A", 415, trace.EUNSUPPORTED, ""},
		{"complaint with no type", "", "/api/v1/complaints", "", complaint, 415, trace.EUNSUPPORTED, ""},
		{"complaint in Latin-1", "", "/api/v1/complaints", "application/json; charset=iso-8859-1", complaint, 415, trace.EUNSUPPORTED, ""},
		{"complaint with data after it", "", "/api/v1/complaints", "application/json", complaint + `{"junk":1} garbage`, 400, trace.EINVALID, ""},
		{"complaint with a name twice", "", "/api/v1/complaints", "application/json", `{"kind":"counterfeit","kind":"other","description":"x","serial":"A"}`, 400, trace.EINVALID, ""},
		{"complaint with a name in capitals", "", "/api/v1/complaints", "application/json", `{"Kind":"counterfeit","description":"x","serial":"A"}`, 400, trace.EINVALID, "Kind"},
		{"complaint evidence with a name in capitals", "", "/api/v1/complaints", "application/json", `{"kind":"counterfeit","description":"x","serial":"A","evidence":[{"ContentType":"image/png","data":"AA=="}]}`, 400, trace.EINVALID, "evidence[0].ContentType"},
		{"product with GTIN for gtin", demo.Collector, "/api/v1/products", "application/json", product("GTIN"), 400, trace.EINVALID, "GTIN"},
		{"product as a form", demo.Collector, "/api/v1/products", "multipart/form-data; boundary=x", "--x--", 415, trace.EUNSUPPORTED, ""},
		{"batch as text/plain", demo.Collector, "/api/v1/batch", "text/plain", `{"events":[]}`, 415, trace.EUNSUPPORTED, ""},
		{"batch with a name in capitals", demo.Collector, "/api/v1/batch", "application/json", `{"Events":[]}`, 400, trace.EINVALID, "Events"},
		{"EPCIS capture as text/plain", demo.Collector, "/epcis/capture", "text/plain", `{}`, 415, "epcisException:ValidationException", ""},
		{"EPCIS capture with data after it", demo.Collector, "/epcis/capture", "application/ld+json", `{} x`, 400, "epcisException:ValidationException", ""},
		{"complaint as sent by the scan page", "", "/api/v1/complaints", "application/json", complaint, 201, "", ""},
		{"product spelt right", demo.Collector, "/api/v1/products", "application/json; charset=utf-8", product("gtin"), 201, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, code, field := send(t, e, tc.org, tc.path, tc.contentType, tc.body)
			if status != tc.status || code != tc.code || field != tc.field {
				t.Errorf("answered %d %q field %q, want %d %q field %q", status, code, field, tc.status, tc.code, tc.field)
			}
		})
	}

	// An event of a batch is decoded the same way: a name in capitals is an
	// unknown field of that event alone.
	ans := sendBatch(t, e, demo.Collector, demo.BatchEvent{Op: "commission", Body: map[string]any{"Lot": "R9"}})
	if r := ans.Results[0]; r.Status != 400 || r.Error.Code != trace.EINVALID || r.Error.Field != "Lot" {
		t.Errorf("batch event with a name in capitals: %+v", r)
	}
}
