package mongo_test

import (
	"testing"

	"github.com/agritrace/agritrace/internal/store/storetest"
)

// BenchmarkTakeHit: see storetest.BenchTakeHit.
func BenchmarkTakeHit(b *testing.B) { storetest.BenchTakeHit(b, openStore(b)) }
