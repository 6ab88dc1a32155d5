package trace_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// TestKnownHashes pins the hash recipe: these values were recomputed outside
// Go (Python's hashlib over the canonical text below), so a change to the
// chain code that alters any existing hash fails here.
func TestKnownHashes(t *testing.T) {
	e := trace.Event{
		Lot: "06901234567892.L2025-001", Seq: 1, Type: "inspect", BizStep: trace.BizSteps["inspect"], Actor: "center-a",
		Place: trace.Place{Name: "石桥村收购点", Region: "510623"}, Time: time.Date(2025, 6, 1, 8, 30, 0, 120e6, time.UTC),
		Quantity: 1000000, Payload: json.RawMessage(`{"results":{"moisture":7.2,"aflatoxinB1":3}}`),
		PrevHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	}
	canon, err := e.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	wantCanon := `{"actor":"center-a","bizStep":"urn:epcglobal:cbv:bizstep:inspecting","lot":"06901234567892.L2025-001",` +
		`"payload":{"results":{"aflatoxinB1":3,"moisture":7.2}},"place":{"name":"石桥村收购点","region":"510623"},` +
		`"prevHash":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","quantity":1000000,"seq":1,` +
		`"time":"2025-06-01T08:30:00.12Z","type":"inspect"}`
	if string(canon) != wantCanon {
		t.Fatalf("canonical form\n got %s\nwant %s", canon, wantCanon)
	}
	if h, err := e.ComputeHash(); err != nil || h != "2958094898d2270c07012b01a85995089eb683f5c67e2baa5c1f3cd6dc79d94d" {
		t.Fatalf("event hash %s, %v", h, err)
	}
	c := trace.ComplaintEntry{
		Complaint: "C20250601ABCD", Seq: 0, Action: "filed", Actor: "consumer",
		Time: time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC), Payload: json.RawMessage(`{"kind":"counterfeit","serial":"S1"}`),
	}
	if h, err := c.ComputeHash(); err != nil || h != "95f03f32a7e64517f1f7f30689bec83dda8a2b49b3e48e06a878618b08b5adb8" {
		t.Fatalf("complaint entry hash %s, %v", h, err)
	}

	// A record made by a person in the console names them inside the hash;
	// the values were computed the same way, with "person" in the text.
	e.Person = "xingshan-cc.clerk"
	if h, err := e.ComputeHash(); err != nil || h != "a2267e56fcbb4df6234cb049e6b1672011b2c53e45cd751304056290b41cfc69" {
		t.Fatalf("event hash with a person %s, %v", h, err)
	}
	c.Person = "amr.inspector"
	if h, err := c.ComputeHash(); err != nil || h != "5a760f31e25a9d268bedd282c369c656a5ddd1200d18af40dd0068422e5591e0" {
		t.Fatalf("complaint entry hash with a person %s, %v", h, err)
	}
}
