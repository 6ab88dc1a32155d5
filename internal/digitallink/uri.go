// Package digitallink reads GS1 Digital Link URIs (GS1 Digital Link URI
// syntax 1.4) for the identifiers AgriTrace prints: a GTIN and its key
// qualifiers, consumer product variant (AI 22), batch/lot (AI 10) and serial
// (AI 21). It checks them as the standard and the GS1 General Specifications
// define them, and decompresses URIs compressed as in GS1 Digital Link:
// Compression. It knows nothing of the store: whether an item exists is the
// resolver's question.
package digitallink

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// URI is a GTIN-based Digital Link: the GTIN as 14 digits and the key
// qualifiers present, empty when absent.
type URI struct {
	GTIN   string
	CPV    string
	Lot    string
	Serial string
}

// SyntaxError says what makes a path not a valid Digital Link.
type SyntaxError struct{ Msg string }

func (e *SyntaxError) Error() string { return e.Msg }

func syntaxErrorf(format string, args ...any) error {
	return &SyntaxError{Msg: fmt.Sprintf(format, args...)}
}

// Qualifier AIs of a GTIN in the only order the URI syntax allows them
// (/01/{gtin}/22/{cpv}/10/{lot}/21/{serial}; any may be left out).
var qualifiers = []string{"22", "10", "21"}

// Parse reads the path of a request URI (escaped, as sent) as a Digital Link
// with primary key 01. A trailing slash is tolerated; a path whose last
// segment after the GTIN is an odd one out is read as a partly compressed
// URI (/01/{gtin}/{compressed}). It returns a *SyntaxError naming the fault.
func Parse(escapedPath string) (URI, error) {
	segs := strings.Split(strings.TrimSuffix(strings.TrimPrefix(escapedPath, "/"), "/"), "/")
	if len(segs) < 2 || segs[0] != "01" {
		return URI{}, syntaxErrorf("a Digital Link path starts /01/{gtin}")
	}
	vals := make([]string, len(segs))
	for i, s := range segs {
		v, err := url.PathUnescape(s)
		if err != nil || v == "" {
			return URI{}, syntaxErrorf("path segment %d (%q) is empty or badly percent-encoded", i+1, s)
		}
		vals[i] = v
	}
	if len(vals) == 3 {
		ais, _, err := Decompress(vals[2])
		if _, again := ais["01"]; err != nil || again {
			return URI{}, syntaxErrorf("%q after the GTIN is neither a key qualifier nor a compressed Digital Link", vals[2])
		}
		ais["01"] = vals[1]
		return FromAIs(ais)
	}
	ais := map[string]string{"01": vals[1]}
	next := 0
	for i := 2; i < len(vals); i += 2 {
		ai := vals[i]
		if i+1 == len(vals) {
			return URI{}, syntaxErrorf("path segment %q has no value after it", ai)
		}
		at := slices.Index(qualifiers, ai)
		switch {
		case at < 0:
			return URI{}, syntaxErrorf("%q is not a key qualifier of a GTIN: the path allows /22/, /10/ and /21/ after /01/{gtin}", ai)
		case at < next:
			return URI{}, syntaxErrorf("key qualifier /%s/ is out of order or repeated: the order is /22/, /10/, /21/", ai)
		}
		next = at + 1
		ais[ai] = vals[i+1]
	}
	return FromAIs(ais)
}

// FromAIs builds a URI from AI values, checking each; AIs other than 01 and
// its key qualifiers (data attributes such as a best-before date) are
// ignored, as a resolver does with them.
func FromAIs(ais map[string]string) (URI, error) {
	gtin, err := GTIN(ais["01"])
	if err != nil {
		return URI{}, err
	}
	u := URI{GTIN: gtin, CPV: ais["22"], Lot: ais["10"], Serial: ais["21"]}
	for _, q := range []struct{ ai, name, v string }{{"22", "consumer product variant", u.CPV}, {"10", "batch/lot", u.Lot}, {"21", "serial", u.Serial}} {
		_, present := ais[q.ai]
		if err := checkCSet82(q.ai, q.name, q.v); present && err != nil {
			return URI{}, err
		}
	}
	return u, nil
}

// GTIN checks a GTIN-8, -12, -13 or -14 and returns it as the 14 digits a
// Digital Link carries, left-padded with zeros.
func GTIN(s string) (string, error) {
	if s == "" {
		return "", syntaxErrorf("a GTIN is missing: the path starts /01/{gtin}")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return "", syntaxErrorf("GTIN %q is not all digits", s)
		}
	}
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return "", syntaxErrorf("GTIN %q has %d digits: a GTIN has 8, 12, 13 or 14", s, len(s))
	}
	g := strings.Repeat("0", 14-len(s)) + s
	if want := CheckDigit(g[:13]); g[13] != want {
		return "", syntaxErrorf("GTIN %s has check digit %c, but its digits give %c", s, g[13], want)
	}
	return g, nil
}

// CheckDigit is the GS1 mod-10 check digit of a digit string: weights 3 and
// 1 alternate from the rightmost digit.
func CheckDigit(digits string) byte {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// cset82 is GS1 AI encodable character set 82, the characters a lot, serial
// or variant may hold (GS1 General Specifications, figure 7.11-1).
const cset82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

// Lot checks a batch/lot number (AI 10) as a Digital Link carries it.
func Lot(v string) error { return checkCSet82("10", "batch/lot", v) }

// Serial checks a serial number (AI 21) as a Digital Link carries it.
func Serial(v string) error { return checkCSet82("21", "serial", v) }

// checkCSet82 checks an X..20 value: 1 to 20 characters of set 82.
func checkCSet82(ai, name, v string) error {
	if v == "" || len(v) > 20 {
		return syntaxErrorf("the %s (AI %s) must be 1 to 20 characters, not %d", name, ai, len(v))
	}
	if i := strings.IndexFunc(v, func(r rune) bool { return !strings.ContainsRune(cset82, r) }); i >= 0 {
		return syntaxErrorf("the %s (AI %s) %q holds %q, which GS1 character set 82 does not allow", name, ai, v, []rune(v[i:])[0])
	}
	return nil
}

// Levels are the URI and each less specific one up to the GTIN, most
// specific first: the levels a resolver walks up when it looks for links.
func (u URI) Levels() []URI {
	out := []URI{u}
	for {
		switch {
		case u.Serial != "":
			u.Serial = ""
		case u.Lot != "":
			u.Lot = ""
		case u.CPV != "":
			u.CPV = ""
		default:
			return out
		}
		out = append(out, u)
	}
}

// Path is the URI's canonical path: /01/{gtin}, then the qualifiers present
// in order, each value percent-encoded.
func (u URI) Path() string {
	var b strings.Builder
	b.WriteString("/01/" + u.GTIN)
	for _, q := range []struct{ ai, v string }{{"22", u.CPV}, {"10", u.Lot}, {"21", u.Serial}} {
		if q.v != "" {
			b.WriteString("/" + q.ai + "/" + url.PathEscape(q.v))
		}
	}
	return b.String()
}
