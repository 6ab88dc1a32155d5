package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/digitallink"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// resolved is one resolver answer, read without following redirects.
type resolved struct {
	status int
	header http.Header
	body   []byte
}

// ask sends one request to the resolver and does not follow a redirect.
func ask(t *testing.T, method, rawURL string, header ...string) resolved {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resolved{resp.StatusCode, resp.Header, b}
}

// bottle is the demo shelf bottle's identifiers and label query.
type bottle struct {
	digitallink.URI
	query, lotID string
}

func shelfBottle(t *testing.T, st demo.Story) bottle {
	t.Helper()
	u, err := url.Parse(st.ShelfURL)
	if err != nil {
		t.Fatal(err)
	}
	dl, err := digitallink.Parse(u.EscapedPath())
	if err != nil {
		t.Fatal(err)
	}
	return bottle{dl, u.RawQuery, trace.LotID(dl.GTIN, dl.Lot)}
}

func TestResolverRedirects(t *testing.T) {
	e := start(t)
	st := e.story(t)
	b := shelfBottle(t, st)
	unit, lot, gtin := b.Path(), digitallink.URI{GTIN: b.GTIN, Lot: b.Lot}.Path(), "/01/"+b.GTIN
	page := e.URL + "/provenance"
	tests := []struct {
		name, method, path string
		header             []string
		status             int
		location           string
	}{
		{"unit", "GET", unit + "?" + b.query, nil, 307, page + unit + "?" + b.query},
		{"unit, trailing slash", "GET", unit + "/?" + b.query, nil, 307, page + unit + "?" + b.query},
		{"unit asked for JSON", "GET", unit + "?" + b.query, []string{"Accept", "application/json"}, 307, page + unit + "?" + b.query},
		{"unit, HEAD", "HEAD", unit + "?" + b.query, nil, 307, page + unit + "?" + b.query},
		{"lot", "GET", lot, nil, 307, page + lot},
		{"gtin", "GET", gtin, nil, 307, page + gtin},
		{"gtin-13 is padded", "GET", "/01/" + strings.TrimPrefix(b.GTIN, "0"), nil, 307, page + gtin},
		{"serial alone finds its lot", "GET", gtin + "/21/" + url.PathEscape(b.Serial) + "?" + b.query, nil, 307, page + unit + "?" + b.query},
		{"query string passed on", "GET", lot + "?foo=bar", nil, 307, page + lot + "?foo=bar"},
		{"unknown serial walks up to its own page", "GET", lot + "/21/NEVER-ISSUED", nil, 307, page + lot + "/21/NEVER-ISSUED"},
		{"unknown lot walks up to its own page", "GET", gtin + "/10/KL8G", nil, 307, page + gtin + "/10/KL8G"},
		{"linkType pip", "GET", unit + "?linkType=gs1:pip&" + b.query, nil, 307, page + unit + "?" + b.query},
		{"linkType as a URI", "GET", lot + "?linkType=" + url.QueryEscape("https://ref.gs1.org/voc/recallStatus"), nil, 307, e.URL + "/recall-status/" + url.PathEscape(b.lotID)},
		{"linkType walks up from the unit to its lot", "GET", unit + "?linkType=gs1:traceability", nil, 307, e.URL + "/epcis/lots/" + url.PathEscape(b.lotID) + "/events"},
		{"linkType verificationService of a lot", "GET", lot + "?linkType=gs1:verificationService", nil, 307, e.URL + "/api/v1/lots/" + url.PathEscape(b.lotID) + "/verify"},
		{"no certificate, no certificationInfo", "GET", lot + "?linkType=gs1:certificationInfo", nil, 404, ""},
		{"linkType the item has not", "GET", unit + "?linkType=gs1:recipeInfo", nil, 404, ""},
		{"unknown GTIN", "GET", "/01/09506000134352", nil, 404, ""},
		{"bad check digit", "GET", "/01/" + b.GTIN[:13] + string('0'+(b.GTIN[13]-'0'+1)%10), nil, 400, ""},
		{"short GTIN", "GET", "/01/1234567", nil, 400, ""},
		{"letters in the GTIN", "GET", "/01/0690123456789A", nil, 400, ""},
		{"unknown segment", "GET", unit + "/foo", nil, 400, ""},
		{"misordered qualifiers", "GET", gtin + "/21/" + url.PathEscape(b.Serial) + "/10/" + url.PathEscape(b.Lot), nil, 400, ""},
		{"lot outside character set 82", "GET", gtin + "/10/%E6%B2%B9", nil, 400, ""},
		{"bad GTIN, HEAD", "HEAD", "/01/1234567", nil, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ask(t, tt.method, e.URL+tt.path, tt.header...)
			if r.status != tt.status {
				t.Fatalf("%s %s = %d, want %d: %s", tt.method, tt.path, r.status, tt.status, r.body)
			}
			if got := r.header.Get("Location"); got != tt.location {
				t.Errorf("Location = %q, want %q", got, tt.location)
			}
			if r.header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("no CORS header: %v", r.header)
			}
			if tt.status < 400 && !strings.Contains(r.header.Get("Link"), `rel="linkset"`) {
				t.Errorf("Link header %q has no link to the linkset", r.header.Get("Link"))
			}
			if tt.status >= 400 && tt.method == "GET" && !strings.Contains(string(r.body), `"message"`) {
				t.Errorf("error without a message: %s", r.body)
			}
		})
	}
	opt := ask(t, "OPTIONS", e.URL+unit)
	if opt.status != 204 || !strings.Contains(opt.header.Get("Access-Control-Allow-Methods"), "HEAD") || opt.header.Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("OPTIONS = %d %v", opt.status, opt.header)
	}
}

// linksetSchema compiles the RFC 9264 linkset schema written for these tests
// (testdata/rfc9264-linkset.schema.json; GS1's own schema is not on a
// registry CI can reach) with an independent validator.
func linksetSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/rfc9264-linkset.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("rfc9264-linkset.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("rfc9264-linkset.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type linkTarget struct {
	Href, Title, Type string
	Hreflang          []string
}

func TestResolverLinksets(t *testing.T) {
	e := start(t)
	st := e.story(t)
	b := shelfBottle(t, st)
	schema := linksetSchema(t)
	unit, lot, gtin := b.Path(), digitallink.URI{GTIN: b.GTIN, Lot: b.Lot}.Path(), "/01/"+b.GTIN
	const voc = "https://gs1.org/voc/"
	tests := []struct {
		name, path string
		header     []string
		anchors    []string
		// links are the link types each anchor must have, in anchor order.
		links [][]string
	}{
		{"unit by linkType=linkset", unit + "?linkType=linkset", nil, []string{unit, lot, gtin},
			[][]string{{"pip", "verificationService"}, {"pip", "traceability", "recallStatus", "verificationService"}, {"pip"}}},
		{"unit by Accept", unit, []string{"Accept", "application/linkset+json"}, []string{unit, lot, gtin}, nil},
		{"lot by linkType=all", lot + "?linkType=all", nil, []string{lot, gtin}, nil},
		{"gtin", gtin + "?linkType=linkset", nil, []string{gtin}, [][]string{{"pip"}}},
		{"serial alone lists its lot too", gtin + "/21/" + url.PathEscape(b.Serial) + "?linkType=linkset", nil,
			[]string{gtin + "/21/" + url.PathEscape(b.Serial), lot, gtin}, nil},
		{"unknown serial has its page and the levels above", lot + "/21/NEVER-ISSUED?linkType=linkset", nil,
			[]string{lot + "/21/NEVER-ISSUED", lot, gtin}, [][]string{{"pip"}, {"pip", "traceability"}, {"pip"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ask(t, "GET", e.URL+tt.path, tt.header...)
			if r.status != 200 || r.header.Get("Content-Type") != "application/linkset+json" {
				t.Fatalf("linkset answer %d %q: %s", r.status, r.header.Get("Content-Type"), r.body)
			}
			if !strings.Contains(r.header.Get("Link"), `rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`) {
				t.Errorf("no JSON-LD context in Link %q", r.header.Get("Link"))
			}
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(r.body)))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(inst); err != nil {
				t.Fatalf("linkset does not validate: %v\n%s", err, r.body)
			}
			var ls struct{ Linkset []map[string]json.RawMessage }
			if err := json.Unmarshal(r.body, &ls); err != nil {
				t.Fatal(err)
			}
			if len(ls.Linkset) != len(tt.anchors) {
				t.Fatalf("%d anchors, want %v:\n%s", len(ls.Linkset), tt.anchors, r.body)
			}
			for i, ctx := range ls.Linkset {
				var anchor string
				_ = json.Unmarshal(ctx["anchor"], &anchor)
				if anchor != e.URL+tt.anchors[i] {
					t.Errorf("anchor %d = %s, want %s", i, anchor, e.URL+tt.anchors[i])
				}
				var def []map[string]string
				if err := json.Unmarshal(ctx[voc+"defaultLink"], &def); err != nil || len(def) != 1 || len(def[0]) != 2 || def[0]["title"] == "" {
					t.Errorf("anchor %s: default link %s, want one with only href and title", anchor, ctx[voc+"defaultLink"])
				}
				if tt.links == nil {
					continue
				}
				for _, lt := range tt.links[i] {
					var targets []linkTarget
					if err := json.Unmarshal(ctx[voc+lt], &targets); err != nil || len(targets) == 0 || targets[0].Type == "" {
						t.Errorf("anchor %s lacks gs1:%s: %s", anchor, lt, ctx[voc+lt])
					}
				}
			}
		})
	}
}

// TestResolverRecordsOneScanPerScan follows the resolver's redirects with a
// real HTTP client, as a phone does, and counts the scans recorded: one per
// page opened, none for HEAD, OPTIONS or the linkset.
func TestResolverRecordsOneScanPerScan(t *testing.T) {
	e := start(t)
	st := e.story(t)
	b := shelfBottle(t, st)
	label := e.URL + b.Path() + "?" + b.query
	count := func() int {
		t.Helper()
		var scans struct{ Scans []trace.Scan }
		if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/scans", nil, &scans); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, sc := range scans.Scans {
			if sc.Serial == b.Serial {
				n++
			}
		}
		return n
	}
	before := count()
	ask(t, "HEAD", label)
	ask(t, "OPTIONS", label)
	ask(t, "GET", label+"&linkType=linkset")
	ask(t, "GET", label, "Accept", "application/linkset+json")
	ask(t, "GET", label)
	if n := count(); n != before {
		t.Fatalf("resolver requests that open no page recorded %d scans", n-before)
	}
	for i, accept := range []string{"text/html", "application/json"} {
		req, _ := http.NewRequest("GET", label, nil)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.Path, "/provenance/") {
			t.Fatalf("following %s as %s ended at %s with %d: %.200s", label, accept, resp.Request.URL, resp.StatusCode, body)
		}
		if n := count(); n != before+i+1 {
			t.Errorf("after %d scans through the resolver, %d recorded", i+1, n-before)
		}
	}
}

func TestRecallStatusResource(t *testing.T) {
	e := start(t)
	st := e.story(t)
	b := shelfBottle(t, st)
	var rs struct {
		Lot            string
		Recalled       bool
		Time           string
		Reason, Advice string
		By, Origin     string
	}
	if err := e.as("").Do(bg, "GET", "/recall-status/"+url.PathEscape(b.lotID), nil, &rs); err != nil || rs.Recalled || rs.Lot != b.lotID {
		t.Fatalf("recall status before any recall: %+v, %v", rs, err)
	}
	expect(t, e.as(demo.Regulator), "POST", "/api/v1/lots/"+st.SeedLots[1]+"/recall", trace.RecallInput{Reason: "黄曲霉毒素B1超标"}, 201, "", "")
	if err := e.as("").Do(bg, "GET", "/recall-status/"+url.PathEscape(b.lotID), nil, &rs); err != nil {
		t.Fatal(err)
	}
	if !rs.Recalled || rs.Reason != "黄曲霉毒素B1超标" || rs.Advice == "" || rs.Time == "" || rs.By != demo.Regulator || rs.Origin != st.SeedLots[1] {
		t.Errorf("recall status after the seed lot's recall: %+v", rs)
	}
	expect(t, e.as(""), "GET", "/recall-status/"+url.PathEscape(b.GTIN+".NOPE"), nil, 404, trace.ENOTFOUND, "")
}

func TestResolverDescriptionFile(t *testing.T) {
	e := start(t)
	r := ask(t, "GET", e.URL+"/.well-known/gs1resolver", "Accept", "application/json")
	var d struct {
		Name, ResolverRoot    string
		SupportedPrimaryKeys  []string
		SupportedLinkType     []struct{ Namespace, Prefix string }
		JSONLDContextLocation string `json:"jsonLdContextLocation"`
	}
	if err := json.Unmarshal(r.body, &d); err != nil || r.status != 200 {
		t.Fatalf("description file %d: %s", r.status, r.body)
	}
	if d.ResolverRoot != e.URL || len(d.SupportedPrimaryKeys) != 1 || d.SupportedPrimaryKeys[0] != "01" ||
		len(d.SupportedLinkType) != 1 || d.SupportedLinkType[0].Prefix != "gs1:" || d.JSONLDContextLocation == "" || d.Name == "" {
		t.Errorf("description file: %s", r.body)
	}
}
