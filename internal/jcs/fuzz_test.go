package jcs_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/agritrace/agritrace/internal/jcs"
)

// FuzzCanonicalize: whatever Canonicalize accepts, its output is canonical
// already (canonicalizing it again changes nothing), is JSON that
// encoding/json reads, and denotes the same value as the input.
func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{
		`{"b":1,"a":[true,false,null,"x"]}`,
		`[0,-0,1e21,1e-7,123e-2,9007199254740992,333333333.3333333]`,
		`{"\u20ac":"€","\ud83d\ude00":1,"\ufb01":"\u0007\t\"/"}`,
		`{"名称":"菜籽油","quantity":3930000,"attributes":{"moisture":7.2}}`,
		`{"a":1,"a":2}`,
		`{} junk`,
		`"\ud800"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := jcs.Canonicalize(in)
		if err != nil {
			return
		}
		again, err := jcs.Canonicalize(out)
		if err != nil {
			t.Fatalf("canonical form %q of %q is refused: %v", out, in, err)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q gives %q, which gives %q", in, out, again)
		}
		var was, is any
		if err := json.Unmarshal(in, &was); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", in, err)
		}
		if err := json.Unmarshal(out, &is); err != nil {
			t.Fatalf("canonical form %q is not JSON: %v", out, err)
		}
		if !reflect.DeepEqual(was, is) {
			t.Fatalf("%q canonicalizes to %q, another value: %#v vs %#v", in, out, was, is)
		}
	})
}
