package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// BenchTakeHit is the cost a shared complaint limit adds to an accepted
// complaint on s: one TakeHit of a new client (limit 5) beside the hits of
// 100 others within the window. Each store runs it on itself, so the two
// compare.
func BenchTakeHit(b *testing.B, s trace.Store) {
	ctx := context.Background()
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
