package digitallink_test

import (
	"net/url"
	"testing"

	"github.com/agritrace/agritrace/internal/digitallink"
)

// path writes u as an uncompressed Digital Link path, each value
// percent-encoded as a path segment.
func path(u digitallink.URI) string {
	p := "/01/" + u.GTIN
	for _, q := range []struct{ ai, v string }{{"22", u.CPV}, {"10", u.Lot}, {"21", u.Serial}} {
		if q.v != "" {
			p += "/" + q.ai + "/" + url.PathEscape(q.v)
		}
	}
	return p
}

// roundTrip checks that u, written out again, parses back to itself.
func roundTrip(t *testing.T, from string, u digitallink.URI) {
	t.Helper()
	p := path(u)
	back, err := digitallink.Parse(p)
	if err != nil {
		t.Fatalf("%q parses to %+v, whose path %q is refused: %v", from, u, p, err)
	}
	if back != u {
		t.Fatalf("%q parses to %+v, whose path %q parses to %+v", from, u, p, back)
	}
}

// FuzzParse: a path Parse accepts names a URI whose own path parses to the
// same URI.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"/01/06901234500592/10/B1129ab/21/7Q3K9M2X4B6Z",
		"/01/6901234500592/10/A%2FB/21/1",
		"/01/12345670/22/2A/10/ABC%2F123/21/%21x",
		"/01/09506000134352/ARHKVAdpQg",
		"/01/06901234500592/",
		"/01/06901234500592/21/1/10/2",
		"/01/0690123450059/10/%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := digitallink.Parse(s)
		if err != nil {
			return
		}
		roundTrip(t, s, u)
	})
}

// FuzzExpand: a compressed segment Expand accepts names a URI whose
// uncompressed path parses to the same URI, and the partly compressed form
// /01/{gtin}/{segment} parses to it too.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"ARHKVAdpQg", "AQnYUc1gVf_Q", "ARG_-A", "", "A", "=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, _, err := digitallink.Expand(s)
		if err != nil {
			return
		}
		roundTrip(t, s, u)
	})
}
