package standard_test

import (
	"testing"

	"github.com/agritrace/agritrace/internal/standard"
)

func TestSeedGrade(t *testing.T) {
	for _, tc := range []struct {
		oil  any
		want int
	}{
		{45.0, 1}, {42.0, 1}, {41.9, 2}, {40.0, 2}, {38.5, 3}, {36.0, 4}, {34.0, 5}, {33.9, 0}, {"high", 0},
	} {
		if got := standard.SeedGrade(tc.oil); got != tc.want {
			t.Errorf("SeedGrade(%v) = %d, want %d", tc.oil, got, tc.want)
		}
	}
}
