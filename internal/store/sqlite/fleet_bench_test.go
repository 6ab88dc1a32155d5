package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/store/storetest"
)

// BenchmarkTakeHit: see storetest.BenchTakeHit.
func BenchmarkTakeHit(b *testing.B) {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "agritrace.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	storetest.BenchTakeHit(b, s)
}
