package mongo_test

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkTakeHit is the cost a shared complaint limit adds to an accepted
// complaint: one TakeHit of a new client (limit 5) beside the hits of 100
// others within the window.
func BenchmarkTakeHit(b *testing.B) {
	s := openStore(b)
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
