package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/store/sqlite"
)

// BenchmarkTakeHit is TakeHit on the embedded store, to compare with the
// MongoDB store's (see the mongo package's BenchmarkTakeHit).
func BenchmarkTakeHit(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "agritrace.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	at := time.Now()
	for i := range 100 {
		if _, err := s.TakeHit(ctx, fmt.Sprintf("reports/address/198.51.100.%d", i), at, 5, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		if _, err := s.TakeHit(ctx, fmt.Sprintf("reports/address/10.0.%d.%d", i/250, i%250), at, 5, time.Hour); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
