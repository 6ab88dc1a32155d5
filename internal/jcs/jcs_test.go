package jcs_test

import (
	"math"
	"strconv"
	"strings"
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
		// RFC 8785 section 3.2.2's example, but for 333333333.33333329, which
		// no double holds: it is refused (see TestRefusesWhatIJSONForbids).
		{"rfc 8785 section 3.2.2", "{\n  \"numbers\": [333333333.3333333, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n  \"literals\": [null, true, false]\n}",
			`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`},
		{"rfc 8785 section 3.2.3 sorting", `{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`,
			"{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\",\"\U0001F600\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}"},
		{"exact values kept", `[7.2,9007199254740992,-0.0,0e99999,4.50]`, `[7.2,9007199254740992,0,0,4.5]`},
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
	for _, in := range []string{``, `{`, `{"a":1} {}`, `[1,]`, `01`, `[1.]`, `"a` + "\x01" + `"`, `{"a" 1}`, `nul`} {
		if _, err := jcs.Canonicalize([]byte(in)); err == nil {
			t.Errorf("Canonicalize(%q) succeeded", in)
		}
	}
}

// TestRefusesWhatIJSONForbids: RFC 7493 input is hashed as sent or not at all.
func TestRefusesWhatIJSONForbids(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"duplicate member", `{"a":1,"b":2,"a":3}`, `duplicate member name "a"`},
		{"duplicate member nested", `[{"x":{"k":1,"k":1}}]`, `duplicate member name "k"`},
		{"duplicate by escape", `{"a":1,"\u0061":2}`, `duplicate member name "a"`},
		{"lone high surrogate", `"\ud800"`, `lone high surrogate`},
		{"high surrogate then letter", `"\ud83dx"`, `lone high surrogate`},
		{"lone low surrogate", `"\ude00"`, `lone low surrogate`},
		{"invalid utf-8", "\"\xff\"", `invalid UTF-8`},
		{"encoded surrogate", "\"\xed\xa0\x80\"", `invalid UTF-8`},
		{"integer beyond 2^53", `9007199254740993`, `it would become 9007199254740992`},
		{"more digits than a double", `333333333.33333329`, `it would become 333333333.3333333`},
		{"too large", `1e400`, `out of range`},
		{"too small", `1e-400`, `would become 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jcs.Canonicalize([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Canonicalize(%q) = %v, want an error saying %q", tt.in, err, tt.want)
			}
		})
	}
}

// TestRFC8785AppendixB formats the IEEE 754 samples of RFC 8785 Appendix B.
func TestRFC8785AppendixB(t *testing.T) {
	samples := []struct{ bits, want string }{
		{"0000000000000000", "0"},
		{"8000000000000000", "0"},
		{"0000000000000001", "5e-324"},
		{"8000000000000001", "-5e-324"},
		{"7fefffffffffffff", "1.7976931348623157e+308"},
		{"ffefffffffffffff", "-1.7976931348623157e+308"},
		{"4340000000000000", "9007199254740992"},
		{"c340000000000000", "-9007199254740992"},
		{"4430000000000000", "295147905179352830000"},
		{"44b52d02c7e14af5", "9.999999999999997e+22"},
		{"44b52d02c7e14af6", "1e+23"},
		{"44b52d02c7e14af7", "1.0000000000000001e+23"},
		{"444b1ae4d6e2ef4e", "999999999999999700000"},
		{"444b1ae4d6e2ef4f", "999999999999999900000"},
		{"444b1ae4d6e2ef50", "1e+21"},
		{"3eb0c6f7a0b5ed8c", "9.999999999999997e-7"},
		{"3eb0c6f7a0b5ed8d", "0.000001"},
		{"41b3de4355555553", "333333333.3333332"},
		{"41b3de4355555554", "333333333.33333325"},
		{"41b3de4355555555", "333333333.3333333"},
		{"41b3de4355555556", "333333333.3333334"},
		{"41b3de4355555557", "333333333.33333343"},
		{"becbf647612f3696", "-0.0000033333333333333333"},
		{"43143ff3c1cb0959", "1424953923781206.2"},
	}
	for _, s := range samples {
		bits, err := strconv.ParseUint(s.bits, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		got, err := jcs.FormatNumber(math.Float64frombits(bits))
		if err != nil || got != s.want {
			t.Errorf("%s: got %q, %v; want %q", s.bits, got, err, s.want)
		}
		// Every canonical form is itself accepted and unchanged.
		if again, err := jcs.Canonicalize([]byte(got)); err != nil || string(again) != got {
			t.Errorf("Canonicalize(%s) = %s, %v", got, again, err)
		}
	}
	for _, bits := range []string{"7fffffffffffffff", "7ff0000000000000"} {
		b, _ := strconv.ParseUint(bits, 16, 64)
		if got, err := jcs.FormatNumber(math.Float64frombits(b)); err == nil {
			t.Errorf("%s: got %q, want an error (NaN and Infinity are not JSON)", bits, got)
		}
	}
}
