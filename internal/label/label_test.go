package label_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
)

func TestSignVerifyAndReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	kr, err := label.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	serial := kr.NewSerial()
	if len(serial) != label.SerialLength || strings.ContainsAny(serial, "ILOU") {
		t.Errorf("serial %q", serial)
	}
	kid, sig := kr.Sign("06901234500592", "B1", serial)
	again, err := label.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                    string
		kid, gtin, lot, ser, sg string
		want                    bool
	}{
		{"genuine", kid, "06901234500592", "B1", serial, sig, true},
		{"other serial", kid, "06901234500592", "B1", serial[1:] + "0", sig, false},
		{"other lot", kid, "06901234500592", "B2", serial, sig, false},
		{"unknown key", "deadbeef", "06901234500592", "B1", serial, sig, false},
		{"garbage signature", kid, "06901234500592", "B1", serial, "!!", false},
	}
	for _, tt := range tests {
		if got := again.Verify(tt.kid, tt.gtin, tt.lot, tt.ser, tt.sg); got != tt.want {
			t.Errorf("%s: Verify = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestRotate rotates a saved keyring: new labels are signed with the new key,
// labels signed before still verify after a reload, and both keys are
// published with the new one active.
func TestRotate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	kr, err := label.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	oldKID, oldSig := kr.Sign("06901234500592", "B1", "PEDES0ASXCSF")
	fresh := kr.Rotate()
	if err := kr.Save(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("saved keyring: %v, %v; want mode 0600", fi.Mode(), err)
	}
	again, err := label.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	newKID, newSig := again.Sign("06901234500592", "B2", "QX3V9K2M7TRA")
	if newKID != fresh.ID || newKID == oldKID {
		t.Errorf("after rotation labels are signed with %s, want the new key %s (old %s)", newKID, fresh.ID, oldKID)
	}
	if !again.Verify(oldKID, "06901234500592", "B1", "PEDES0ASXCSF", oldSig) || !again.Verify(newKID, "06901234500592", "B2", "QX3V9K2M7TRA", newSig) {
		t.Error("a label signed before or after the rotation no longer verifies")
	}
	active := map[string]bool{}
	for _, k := range again.Public().Keys {
		active[k.ID] = k.Active
	}
	if len(active) != 2 || active[oldKID] || !active[newKID] {
		t.Errorf("published keys = %v, want %s retired and %s active", active, oldKID, newKID)
	}
	if left, _ := filepath.Glob(path + ".*"); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestDigitalLinkRoundTrip(t *testing.T) {
	u := trace.Unit{GTIN: "06901234500592", LotNumber: "B1", Serial: "ABC123", KeyID: "k1", Signature: "c2ln"}
	raw := label.DigitalLink("https://trace.example.cn/", u)
	if raw != "https://trace.example.cn/01/06901234500592/10/B1/21/ABC123?k=k1&s=c2ln" {
		t.Fatalf("DigitalLink = %s", raw)
	}
	l, err := label.ParseLink(raw)
	if err != nil || l != (label.Link{GTIN: u.GTIN, Lot: "B1", Serial: "ABC123", KeyID: "k1", Signature: "c2ln"}) {
		t.Fatalf("ParseLink = %+v, %v", l, err)
	}
	for _, bad := range []string{"https://x/01/1/10/2", "https://x/02/1/10/2/21/3", "::"} {
		if _, err := label.ParseLink(bad); err == nil {
			t.Errorf("ParseLink(%q) succeeded", bad)
		}
	}
}
