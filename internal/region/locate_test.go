package region_test

import (
	"math"
	"testing"

	"github.com/agritrace/agritrace/internal/region"
)

func TestCode(t *testing.T) {
	tests := []struct{ province, city, want string }{
		{"湖北省", "宜昌市", "420500"},
		{"湖北省", "襄阳", "420600"},
		{"湖北省", "恩施", "422800"},
		{"湖北省", "", "420000"},
		{"北京", "北京市", "110000"},
		{"广西", "南宁市", "450000"},
		{"内蒙古", "包头市", "150000"},
		{"", "", ""},
		{"Atlantis", "", ""},
	}
	for _, tt := range tests {
		if got := region.Code(tt.province, tt.city); got != tt.want {
			t.Errorf("Code(%q, %q) = %q, want %q", tt.province, tt.city, got, tt.want)
		}
	}
}

func TestNearest(t *testing.T) {
	tests := []struct {
		name     string
		lat, lon float64
		want     string
	}{
		{"Yichang city", 30.70, 111.29, "420500"},
		{"Jingzhou city", 30.33, 112.24, "421000"},
		{"Wuhan", 30.59, 114.31, "420100"},
		{"Beijing", 39.90, 116.40, "110000"},
		{"Chengdu", 30.66, 104.07, "510000"},
		{"Urumqi", 43.83, 87.62, "650000"},
		{"the Atlantic", 0, -30, ""},
		{"Sydney", -33.87, 151.21, ""},
		{"not a latitude", 91, 100, ""},
		{"NaN", math.NaN(), 100, ""},
	}
	for _, tt := range tests {
		if got := region.Nearest(tt.lat, tt.lon); got != tt.want {
			t.Errorf("%s: Nearest(%v, %v) = %q, want %q", tt.name, tt.lat, tt.lon, got, tt.want)
		}
	}
}
