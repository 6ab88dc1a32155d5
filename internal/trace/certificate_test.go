package trace_test

import (
	"testing"

	"github.com/agritrace/agritrace/internal/trace"
)

func TestMaskPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"0717-2581234", "071*****1234"},
		{"07172581234", "071****1234"},
		{"1234567", "*******"},
		{"", ""},
	} {
		if got := trace.MaskPhone(tc.in); got != tc.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBasisNames(t *testing.T) {
	for _, b := range trace.Bases {
		if trace.BasisName(b, "zh") == b || trace.BasisName(b, "en") == "" {
			t.Errorf("basis %s has no name", b)
		}
	}
	if got := trace.BasisName("unknown", "zh"); got != "unknown" {
		t.Errorf("an unknown basis reads %q", got)
	}
}
