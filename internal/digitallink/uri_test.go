package digitallink_test

import (
	"errors"
	"testing"

	"github.com/agritrace/agritrace/internal/digitallink"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, path string
		want       digitallink.URI
	}{
		{"gtin", "/01/06901234567892", digitallink.URI{GTIN: "06901234567892"}},
		{"trailing slash", "/01/06901234567892/", digitallink.URI{GTIN: "06901234567892"}},
		{"gtin-13 padded", "/01/6901234567892", digitallink.URI{GTIN: "06901234567892"}},
		{"gtin-12 padded", "/01/614141000036", digitallink.URI{GTIN: "00614141000036"}},
		{"gtin-8 padded", "/01/96385074", digitallink.URI{GTIN: "00000096385074"}},
		{"lot", "/01/06901234567892/10/XS2026-01", digitallink.URI{GTIN: "06901234567892", Lot: "XS2026-01"}},
		{"unit", "/01/06901234567892/10/L1/21/ABC", digitallink.URI{GTIN: "06901234567892", Lot: "L1", Serial: "ABC"}},
		{"serial alone", "/01/06901234567892/21/ABC", digitallink.URI{GTIN: "06901234567892", Serial: "ABC"}},
		{"variant, lot, serial", "/01/06901234567892/22/V1/10/L1/21/S1", digitallink.URI{GTIN: "06901234567892", CPV: "V1", Lot: "L1", Serial: "S1"}},
		{"percent-encoded slash in a lot", "/01/06901234567892/10/A%2FB", digitallink.URI{GTIN: "06901234567892", Lot: "A/B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := digitallink.Parse(tt.path)
			if err != nil || got != tt.want {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", tt.path, got, err, tt.want)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tt := range []struct{ name, path string }{
		{"bad check digit", "/01/06901234567893"},
		{"not digits", "/01/0690123456789X"},
		{"short GTIN", "/01/1234567"},
		{"eleven digits", "/01/12345678901"},
		{"unknown segment", "/01/06901234567892/foo"},
		{"unknown qualifier", "/01/06901234567892/99/x"},
		{"qualifiers out of order", "/01/06901234567892/21/S/10/L"},
		{"repeated qualifier", "/01/06901234567892/10/A/10/B"},
		{"qualifier without value", "/01/06901234567892/10/L/21"},
		{"lot too long", "/01/06901234567892/10/ABCDEFGHIJKLMNOPQRSTU"},
		{"lot outside character set 82", "/01/06901234567892/10/A%20B"},
		{"chinese in serial", "/01/06901234567892/21/%E6%B2%B9"},
		{"empty segment", "/01/06901234567892//10/L"},
		{"not a GTIN path", "/02/06901234567892"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, err := digitallink.Parse(tt.path)
			var se *digitallink.SyntaxError
			if !errors.As(err, &se) || se.Msg == "" {
				t.Fatalf("Parse(%q) = %+v, %v; want a syntax error", tt.path, u, err)
			}
		})
	}
}

func TestLevelsAndPath(t *testing.T) {
	u := digitallink.URI{GTIN: "06901234567892", Lot: "A/B", Serial: "S1"}
	var paths []string
	for _, l := range u.Levels() {
		paths = append(paths, l.Path())
	}
	want := []string{"/01/06901234567892/10/A%2FB/21/S1", "/01/06901234567892/10/A%2FB", "/01/06901234567892"}
	if len(paths) != len(want) {
		t.Fatalf("levels %v, want %v", paths, want)
	}
	for i := range want {
		if paths[i] != want[i] {
			t.Errorf("level %d = %s, want %s", i, paths[i], want[i])
		}
	}
}
