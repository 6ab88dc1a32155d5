package label_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/agritrace/agritrace/internal/label"
)

// TestRotateSaved: a running service's rotation signs with the new key at
// once, labels signed before and after verify, and the file holds the new
// key as active, so a restart signs and verifies the same.
func TestRotateSaved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	kr, err := label.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	oldKey, oldSig := kr.Sign("06901234567892", "L1", "SERIALOLD001")
	fresh, err := kr.RotateSaved(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	newKey, newSig := kr.Sign("06901234567892", "L1", "SERIALNEW001")
	if newKey != fresh.ID || newKey == oldKey {
		t.Fatalf("after rotating to %s the label is signed with %s (before: %s)", fresh.ID, newKey, oldKey)
	}
	reloaded, err := label.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, ring := range map[string]*label.Keyring{"running": kr, "reloaded": reloaded} {
		if !ring.Verify(oldKey, "06901234567892", "L1", "SERIALOLD001", oldSig) || !ring.Verify(newKey, "06901234567892", "L1", "SERIALNEW001", newSig) {
			t.Errorf("%s keyring: a label signed before or after rotation does not verify", name)
		}
		if ring.Active != fresh.ID {
			t.Errorf("%s keyring signs with %s, want %s", name, ring.Active, fresh.ID)
		}
	}
}

// TestRotateSavedUnwritable: when the new key cannot be written, the old key
// keeps signing, so no label carries a key a restart would lose.
func TestRotateSavedUnwritable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	kr, err := label.LoadOrCreate(filepath.Join(dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	before := kr.Active
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.RotateSaved(context.Background()); err == nil {
		t.Fatal("rotation into a missing directory succeeded")
	}
	if key, _ := kr.Sign("06901234567892", "L1", "SERIAL000001"); key != before || len(kr.Public().Keys) != 1 {
		t.Errorf("after a failed rotation the label is signed with %s (want %s), %d keys", key, before, len(kr.Public().Keys))
	}
	if _, err := label.NewKeyring().RotateSaved(context.Background()); err == nil {
		t.Error("a keyring without a file rotated")
	}
}
