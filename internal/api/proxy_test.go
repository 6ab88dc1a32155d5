package api_test

import (
	"testing"

	"github.com/agritrace/agritrace/internal/api"
)

// TestForwardedForOnlyFromTrustedProxies places a scan by the address in
// X-Forwarded-For only when the peer that sent it is a configured proxy:
// anyone else could name any address, to dodge a per-address limit or to
// plant a scan in another province.
func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	tests := []struct {
		name           string
		proxies        []string // the tests' peer is 127.0.0.1
		source, placed string
	}{
		{"from the configured proxy", []string{"127.0.0.1"}, "ip", "110000"},
		{"from a proxy network", []string{"127.0.0.0/8"}, "ip", "110000"},
		{"no proxy configured", nil, "none", ""},
		{"from a client that is not the proxy", []string{"10.0.0.1"}, "none", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t, withIPs(t), func(o *options) {
				o.server = func(s *api.Server) { s.TrustedProxies = tt.proxies }
			})
			st := e.story(t)
			a := scanWith(t, e.phone("", beijingIP), st.ShelfURL, nil)
			if a.Place.Source != tt.source || a.Place.Region != tt.placed {
				t.Errorf("X-Forwarded-For: %s placed the scan at %+v, want %q by %q", beijingIP, a.Place, tt.placed, tt.source)
			}
		})
	}
}
