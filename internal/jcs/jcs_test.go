package jcs_test

import (
	"testing"

	"github.com/agritrace/agritrace/internal/jcs"
)

func TestCanonicalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"sorts members", `{"b":1,"a":2}`, `{"a":2,"b":1}`},
		{"nested and white space", "{ \"z\": [1, {\"y\":true,\"x\":null}] ,\"a\":\"s\" }", `{"a":"s","z":[1,{"x":null,"y":true}]}`},
		{"integers", `[0,-0,1,-1,9007199254740991]`, `[0,0,1,-1,9007199254740991]`},
		{"fractions", `[1.5,0.1,1e-7,123e-2]`, `[1.5,0.1,1e-7,1.23]`},
		{"large", `[1e21,1e20,123456789012345680000]`, `[1e+21,100000000000000000000,123456789012345680000]`},
		{"rfc 8785 sample numbers", `[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001]`, `[333333333.3333333,1e+30,4.5,0.002,1e-27]`},
		{"escapes", `"\u20ac\t\"\u0007/"`, "\"€\\t\\\"\\u0007/\""},
		{"utf16 order", `{"\ud83d\ude00":1,"\ufb01":2}`, "{\"😀\":1,\"ﬁ\":2}"},
		{"chinese kept as utf-8", `{"名称":"菜籽油"}`, `{"名称":"菜籽油"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jcs.Canonicalize([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestCanonicalizeRejects(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a":1} {}`, `[1,]`} {
		if _, err := jcs.Canonicalize([]byte(in)); err == nil {
			t.Errorf("Canonicalize(%q) succeeded", in)
		}
	}
}
