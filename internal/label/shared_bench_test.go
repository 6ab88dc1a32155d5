package label_test

import (
	"path/filepath"
	"testing"

	"github.com/agritrace/agritrace/internal/label"
)

// BenchmarkVerifyShared: a ring kept in the store verifies from memory,
// at the cost of a ring kept in a file.
func BenchmarkVerifyShared(b *testing.B) {
	file, err := label.LoadOrCreate(filepath.Join(b.TempDir(), "label-keys.json"))
	if err != nil {
		b.Fatal(err)
	}
	secret, _ := secretFile(b)
	shared, err := label.OpenShared(bg, label.Shared{Store: ringStore(b), Secret: secret})
	if err != nil {
		b.Fatal(err)
	}
	for name, kr := range map[string]*label.Keyring{"file": file, "shared": shared} {
		id, sig := kr.Sign("06901234567892", "L1", "SERIAL000001")
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if !kr.Verify(id, "06901234567892", "L1", "SERIAL000001", sig) {
					b.Fatal("does not verify")
				}
			}
		})
	}
}

// BenchmarkRefresh is what each instance pays every -label-refresh: one
// read of the newest version, and opening it only when it is new.
func BenchmarkRefresh(b *testing.B) {
	secret, _ := secretFile(b)
	st := ringStore(b)
	kr, err := label.OpenShared(bg, label.Shared{Store: st, Secret: secret})
	if err != nil {
		b.Fatal(err)
	}
	other, err := label.OpenShared(bg, label.Shared{Store: st, Secret: secret})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			if err := kr.Refresh(bg); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Another instance writes a new version (of the same keys, so that the
	// ring measured does not grow): the refresh reads, opens and installs it.
	b.Run("changed", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if err := other.Update(bg, func(*label.Keyring) error { return nil }); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := kr.Refresh(bg); err != nil {
				b.Fatal(err)
			}
		}
	})
}
