package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/agritrace/agritrace/internal/jcs"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// decodeRequest runs the request decoder of every JSON write on body, into
// a commission: the input with nested objects, free attributes and numbers.
func decodeRequest(body []byte) (trace.CommissionInput, error) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("POST", "/api/v1/lots", bytes.NewReader(body))
	c.Request.Header.Set("Content-Type", "application/json")
	var in trace.CommissionInput
	err := bind(c, &in)
	return in, err
}

// FuzzDecode: a body the decoder accepts is I-JSON (one value, no duplicate
// names, nothing after it) and decodes to a value that, encoded again,
// decodes to itself; a body it refuses is the client's error (400), never
// the server's.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"gtin":"06901235000113","lot":"RS1","quantity":6000000,"origin":{"region":"420526101201","village":"桃园村"},"attributes":{"moisture":7.2,"grade":"二等"}}`,
		`{"gtin":"x","gtin":"y"}`,
		`{"lot":"A"}{"junk":1} garbage`,
		`{"quantity":1e400}`,
		`{"quantity":9007199254740993}`,
		`{"attributes":{"a":[1,2,{"b":null}]}}`,
		`{"nope":1}`,
		`null`,
		"{\"lot\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	gin.SetMode(gin.TestMode)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeRequest(body)
		if err != nil {
			if code := trace.ErrorCode(err); code != trace.EINVALID {
				t.Fatalf("%q refused as %s, want %s: %v", body, code, trace.EINVALID, err)
			}
			return
		}
		if err := jcs.Check(body); err != nil {
			t.Fatalf("accepted %q, which is not I-JSON: %v", body, err)
		}
		again, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("accepted %q as %+v, which does not encode: %v", body, in, err)
		}
		back, err := decodeRequest(again)
		if err != nil {
			t.Fatalf("accepted %q as %+v, whose encoding %q is refused: %v", body, in, again, err)
		}
		if !reflect.DeepEqual(back, in) {
			t.Fatalf("accepted %q as %+v, whose encoding %q decodes to %+v", body, in, again, back)
		}
	})
}
