package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/agritrace/agritrace/internal/api"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The API's contract, checked on real traffic: every request the tests send
// through start's server and every answer it gives is validated against the
// OpenAPI document the service serves, by kin-openapi (an independent
// validator; its JSON Schema 2020-12 engine is santhosh-tekuri/jsonschema).

// contract is the loaded document and its router, shared by every test.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

var loadContract = sync.OnceValues(func() (*contract, error) {
	b, err := api.OpenAPIJSON()
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("load openapi.json: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.json is not a valid OpenAPI document: %w", err)
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route openapi.json: %w", err)
	}
	return &contract{doc: doc, router: r}, nil
})

// mustContract returns the document, failing t if it does not load.
func mustContract(t testing.TB) *contract {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// unchecked are the paths outside the API's contract: the people's console
// and its assets, which answer HTML forms rather than an API.
func unchecked(path string) bool {
	return path == "/console" || strings.HasPrefix(path, "/console/") || strings.HasPrefix(path, "/static/")
}

// checked wraps the service's handler so that every exchange is validated.
// A request the document calls invalid must not be answered 2xx: tests that
// send bad input on purpose get their 4xx and pass, while a request the
// server accepts but the document refuses (or the reverse, an answer that
// does not match) fails the test with the route, the status and the reason.
func checked(t testing.TB, c *contract, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if unchecked(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		reqBody, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		res := rec.Result()
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(rec.Body.Bytes())

		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		if msg := c.check(r, res.StatusCode, res.Header, rec.Body.Bytes()); msg != "" {
			t.Errorf("OpenAPI contract: %s %s answered %d: %s", r.Method, r.URL.RequestURI(), res.StatusCode, msg)
		}
	})
}

// check validates one exchange and says what does not match, or "".
func (c *contract) check(r *http.Request, status int, header http.Header, body []byte) string {
	route, params, err := c.router.FindRoute(r)
	if err != nil && digitalLink(r.URL.Path) && strings.HasSuffix(r.URL.Path, "/") {
		// The Digital Link syntax tolerates a trailing slash, which an
		// OpenAPI path cannot say: the path without it is the one described.
		trimmed := r.Clone(r.Context())
		trimmed.URL.Path, trimmed.URL.RawPath = strings.TrimSuffix(r.URL.Path, "/"), strings.TrimSuffix(r.URL.RawPath, "/")
		route, params, err = c.router.FindRoute(trimmed)
	}
	if err != nil {
		// An unknown path or method: the server must say so in its error
		// shape. Under /01/ every malformed Digital Link is a path no document
		// can list, and the resolver standard has it answered 400.
		refused := status == http.StatusNotFound || status == http.StatusMethodNotAllowed ||
			digitalLink(r.URL.Path) && status == http.StatusBadRequest
		if !refused {
			return fmt.Sprintf("not in the document (%v), yet answered", err)
		}
		return ""
	}
	ctx := context.Background()
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && status < 300 {
		return fmt.Sprintf("route %s %s: the document refuses the request, yet it was answered %d: %s", route.Method, route.Path, status, brief(err))
	}
	if header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return fmt.Sprintf("gzipped answer does not decompress: %v", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return fmt.Sprintf("gzipped answer does not decompress: %v", err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: opts}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Sprintf("route %s %s: the answer does not match the document: %s\nbody: %.800s", route.Method, route.Path, brief(err), body)
	}
	return ""
}

// digitalLink reports whether path is one of the resolver's Digital Links,
// which the catch-all route /01/*path serves.
func digitalLink(path string) bool { return strings.HasPrefix(path, "/01/") }

// schemaDump is the schema kin-openapi prints with each error: the document
// says it better, so messages keep the reason and the value.
var schemaDump = regexp.MustCompile(`(?s)\n\s*Schema:\n.*?\n\s*Value:\n`)

func brief(err error) string {
	return schemaDump.ReplaceAllString(err.Error(), "\nValue: ")
}
