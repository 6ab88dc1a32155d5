package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// post sends a raw JSON body as org ("" for anonymous) with an Idempotency-Key
// ("" for none) and returns the status and the answer's bytes.
func post(t *testing.T, e *env, org, path, key, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if org != "" {
		req.Header.Set("Authorization", "Bearer "+e.Keys[org])
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
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
	return resp.StatusCode, string(b)
}

func countEvents(t *testing.T, e *env, lot, typ string) int {
	t.Helper()
	n := 0
	for _, ev := range events(t, e, lot) {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func TestIdempotentRetries(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	lot := commissionSeed(t, e, "IDEM1", 1000)
	inspect := "/api/v1/lots/" + lot + "/inspect"

	// A repeated inspect is recorded once and answered identically.
	body := `{"results":{"moisture":7.2}}`
	s1, a1 := post(t, e, demo.Collector, inspect, "inspect-1", body)
	s2, a2 := post(t, e, demo.Collector, inspect, "inspect-1", body)
	if s1 != 201 || s2 != 201 || a1 != a2 {
		t.Fatalf("first %d %s\nretry %d %s", s1, a1, s2, a2)
	}
	if n := countEvents(t, e, lot, trace.EventInspect); n != 1 {
		t.Fatalf("%d inspect events, want 1", n)
	}

	// The same key with a different body is a 409 that says so.
	s3, a3 := post(t, e, demo.Collector, inspect, "inspect-1", `{"results":{"moisture":9.9}}`)
	if s3 != 409 || !strings.Contains(a3, "already used for a different request") {
		t.Fatalf("reused key: %d %s", s3, a3)
	}
	// Keys are the organization's own: another organization's same key is
	// a new request (here refused, since it does not hold the lot).
	if s, a := post(t, e, demo.Mill, inspect, "inspect-1", body); s != 403 {
		t.Fatalf("another org's key: %d %s", s, a)
	}

	// A retried receive gets the original 201, not a 403 for a lot that
	// is no longer in transit.
	expect(t, e.as(demo.Collector), "POST", "/api/v1/lots/"+lot+"/ship", trace.ShipInput{To: demo.Mill}, 201, "", "")
	r1, b1 := post(t, e, demo.Mill, "/api/v1/lots/"+lot+"/receive", "receive-1", `{}`)
	r2, b2 := post(t, e, demo.Mill, "/api/v1/lots/"+lot+"/receive", "receive-1", `{}`)
	if r1 != 201 || r2 != 201 || b1 != b2 {
		t.Fatalf("receive %d, retried %d %s", r1, r2, b2)
	}
	if r, _ := post(t, e, demo.Mill, "/api/v1/lots/"+lot+"/receive", "", `{}`); r == 201 {
		t.Fatal("a receive without the key was accepted twice")
	}

	// Malformed keys are refused before anything happens.
	for _, k := range []string{strings.Repeat("k", 129), "has space", "中文"} {
		if s, a := post(t, e, demo.Mill, inspect, k, body); s != 400 || !strings.Contains(a, "Idempotency-Key") {
			t.Errorf("key %q: %d %s", k, s, a)
		}
	}
}

// TestConcurrentDuplicatesRecordOnce sends one inspect eight times at once
// with the same key: one event, and every sender gets the same answer.
func TestConcurrentDuplicatesRecordOnce(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	lot := commissionSeed(t, e, "IDEM2", 1000)
	var wg sync.WaitGroup
	answers := make([]string, 8)
	for i := range answers {
		wg.Go(func() {
			s, a := post(t, e, demo.Collector, "/api/v1/lots/"+lot+"/inspect", "same", `{"results":{"grade":"二等"}}`)
			answers[i] = fmt.Sprint(s, " ", a)
		})
	}
	wg.Wait()
	if n := countEvents(t, e, lot, trace.EventInspect); n != 1 {
		t.Fatalf("%d inspect events, want 1", n)
	}
	for _, a := range answers {
		if a != answers[0] || !strings.HasPrefix(a, "201 ") {
			t.Fatalf("answers differ:\n%s", strings.Join(answers, "\n"))
		}
	}
}

// TestIdempotentComplaintsAndCatalogue covers the POSTs that are not lot
// writes: an anonymous report, a regulator's action and a product.
func TestIdempotentComplaintsAndCatalogue(t *testing.T) {
	e := start(t)
	report := `{"lot":"x","kind":"other","description":"瓶子漏油"}`
	s1, a1 := post(t, e, "", "/api/v1/complaints", "report-1", report)
	s2, a2 := post(t, e, "", "/api/v1/complaints", "report-1", report)
	if s1 != 201 || a1 != a2 {
		t.Fatalf("report %d %s, retried %d %s", s1, a1, s2, a2)
	}
	var filed struct{ ID string }
	if err := json.Unmarshal([]byte(a1), &filed); err != nil {
		t.Fatal(err)
	}
	var list struct{ Complaints []trace.Complaint }
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/complaints", nil, &list); err != nil || len(list.Complaints) != 1 {
		t.Fatalf("%d complaints, %v; want 1", len(list.Complaints), err)
	}
	note := `{"action":"note","note":"已联系店主"}`
	path := "/api/v1/complaints/" + filed.ID + "/actions"
	n1, b1 := post(t, e, demo.Regulator, path, "note-1", note)
	n2, b2 := post(t, e, demo.Regulator, path, "note-1", note)
	if n1 != 200 || n2 != 200 || b1 != b2 {
		t.Fatalf("note %d, retried %d %s", n1, n2, b2)
	}
	trail, err := e.Store.ComplaintEntries(bg, filed.ID)
	if err != nil || len(trail) != 2 {
		t.Fatalf("trail of %d entries, %v; want 2", len(trail), err)
	}
	// A product of the mill's own prefix that the story has not registered.
	p, _ := json.Marshal(trace.Product{GTIN: gtinOf("0690123450097"), NameZH: "兴山压榨菜籽油 1L", Unit: trace.UnitPiece, Category: "bottled-rapeseed-oil"})
	c1, _ := post(t, e, demo.Mill, "/api/v1/products", "product-1", string(p))
	c2, _ := post(t, e, demo.Mill, "/api/v1/products", "product-1", string(p))
	if c1 != 201 || c2 != 201 {
		t.Fatalf("product %d, retried %d; want 201 twice", c1, c2)
	}
}

// TestBodiesMustBeIJSON: what would be hashed as something else is refused.
func TestBodiesMustBeIJSON(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	lot := commissionSeed(t, e, "IJSON", 1000)
	for _, tt := range []struct{ path, body, want string }{
		{"/api/v1/lots", `{"gtin":"` + demo.Seed + `","lot":"BIG","quantity":1000,"attributes":{"batch":9007199254740993}}`,
			"number 9007199254740993 cannot be represented exactly"},
		{"/api/v1/lots/" + lot + "/inspect", `{"results":{"moisture":7.2,"moisture":9.9}}`, `duplicate member name \"moisture\"`},
		{"/api/v1/lots/" + lot + "/inspect", `{"results":{"note":"\ud800"}}`, "lone high surrogate"},
	} {
		s, a := post(t, e, demo.Collector, tt.path, "", tt.body)
		if s != 400 || !strings.Contains(a, "not I-JSON") || !strings.Contains(a, tt.want) {
			t.Errorf("%s %s: %d %s", tt.path, tt.body, s, a)
		}
	}
	// 7.2 is held by no double exactly, but its canonical form is 7.2.
	if s, a := post(t, e, demo.Collector, "/api/v1/lots/"+lot+"/inspect", "", `{"results":{"moisture":7.2}}`); s != 201 {
		t.Errorf("moisture 7.2: %d %s", s, a)
	}
	if n := countEvents(t, e, lot, trace.EventInspect); n != 1 {
		t.Errorf("%d inspect events, want 1", n)
	}
}
