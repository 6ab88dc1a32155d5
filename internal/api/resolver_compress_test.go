package api_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gs1Compress compresses a Digital Link with GS1's own toolkit
// (GS1DigitalLinkToolkit.js from the npm package digital-link.js, run by
// node), on the same host; otherPairs compresses the label's k and s too.
func gs1Compress(t *testing.T, uri string, otherPairs bool) string {
	t.Helper()
	toolkit := fetched(t, "AGRITRACE_TEST_DLJS", "GS1DigitalLinkToolkit.js from digital-link.js")
	script := filepath.Join(t.TempDir(), "compress.js")
	js := `const T = require(process.argv[2]); const u = new URL(process.argv[3]);
console.log(JSON.stringify(new T().compressGS1DigitalLink(process.argv[3], false, u.origin, false, true, process.argv[4] === "true")));`
	if err := os.WriteFile(script, []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", script, toolkit, uri, map[bool]string{true: "true", false: "false"}[otherPairs]).CombinedOutput()
	if err != nil {
		t.Fatalf("GS1 toolkit: %v\n%s", err, out)
	}
	var c string
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatalf("GS1 toolkit said %s", out)
	}
	return c
}

// TestResolverDecompresses resolves labels compressed by GS1's toolkit: the
// uncompressed URI is in the Link header as owl:sameAs, and the redirect
// reaches the same verdict as the uncompressed label, signature and all.
func TestResolverDecompresses(t *testing.T) {
	e := start(t)
	st := e.story(t)
	b := shelfBottle(t, st)
	uncompressed := e.URL + b.Path()
	for _, otherPairs := range []bool{false, true} {
		compressed := gs1Compress(t, uncompressed+"?"+b.query, otherPairs)
		path, query, _ := strings.Cut(strings.TrimPrefix(compressed, e.URL), "?")
		if strings.Count(path, "/") != 1 || path == b.Path() {
			t.Fatalf("GS1's toolkit gave %s, not a compressed URI", compressed)
		}
		r := ask(t, "GET", compressed)
		if r.status != 307 || !strings.Contains(r.header.Get("Link"), "<"+uncompressed) || !strings.Contains(r.header.Get("Link"), `rel="owl:sameAs"`) {
			t.Fatalf("%s: %d, Link %q, want a redirect with %s as owl:sameAs", compressed, r.status, r.header.Get("Link"), uncompressed)
		}
		if !strings.HasPrefix(r.header.Get("Location"), e.URL+"/provenance"+b.Path()+"?") {
			t.Errorf("%s redirects to %s", compressed, r.header.Get("Location"))
		}
		if otherPairs == (query != "") {
			t.Errorf("compressing the label's k and s (%v) left the query %q", otherPairs, query)
		}
		if a := scanAs(t, e, "", compressed, ""); a.Verdict != "genuine" {
			t.Errorf("%s: verdict %s %v, want genuine as for %s", compressed, a.Verdict, a.codes(), st.ShelfURL)
		}
		if ls := ask(t, "GET", compressed, "Accept", "application/linkset+json"); ls.status != 200 || !strings.Contains(string(ls.body), `"anchor":"`+uncompressed+`"`) {
			t.Errorf("linkset of %s: %d %s", compressed, ls.status, ls.body)
		}
	}
	if r := ask(t, "GET", e.URL+"/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ"); r.status != 404 && r.status != 400 {
		t.Errorf("a compressed URI of an unknown GTIN: %d", r.status)
	}
}
