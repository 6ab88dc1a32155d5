package eventhash

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// cbvURNs maps the CBV 1.x URN vocabularies to their CBV 2.0 web URIs.
var cbvURNs = strings.NewReplacer(
	"urn:epcglobal:cbv:bizstep:", cbv+"BizStep-",
	"urn:epcglobal:cbv:disp:", cbv+"Disp-",
	"urn:epcglobal:cbv:btt:", cbv+"BTT-",
	"urn:epcglobal:cbv:sdt:", cbv+"SDT-",
	"urn:epcglobal:cbv:er:", cbv+"ER-",
)

// canonicalValue applies the value rules in the reference's order: CBV URNs
// to web URIs, then numbers, then GS1 identifiers to Digital Links.
func canonicalValue(s string) string {
	s = cbvURNs.Replace(s)
	s = canonicalNumber(s)
	if dl, ok := digitalLink(s); ok {
		return dl
	}
	return s
}

// number is the grammar of a decimal float literal as the reference
// (Python's float()) reads it, digit groups separated by single underscores.
var number = regexp.MustCompile(`^[+-]?(\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)([eE][+-]?\d(_?\d)*)?$`)

// canonicalNumber writes a numeric value without leading or trailing zeros
// or a plus sign (rule: "a quantity of one SHALL be expressed as '1'"): an
// integral value as an integer, any other as the shortest decimal that reads
// back as the same double, in exponent form below 1e-4 (as the reference
// writes it). Non-numbers and values out of double range are left as given.
func canonicalNumber(s string) string {
	if !number.MatchString(s) {
		return s
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil || math.IsInf(f, 0) {
		return s
	}
	if f == math.Trunc(f) {
		i, _ := new(big.Float).SetFloat64(f).Int(nil)
		return i.String()
	}
	if a := math.Abs(f); a < 1e-4 {
		m, e, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
		sign, digits := e[:1], strings.TrimLeft(e[1:], "0")
		if len(digits) < 2 {
			digits = strings.Repeat("0", 2-len(digits)) + digits
		}
		return m + "e" + sign + digits
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// timestamp is an xsd:dateTime: offset optional, fraction of any length.
var timestamp = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$`)

// canonicalTime writes a timestamp in UTC with exactly three decimals,
// rounding half up on the fourth (rule 9); a value without an offset is
// taken as UTC. A value that is not a timestamp is kept as given.
func canonicalTime(s string) string {
	m := timestamp.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	zone := m[3]
	if zone == "" {
		zone = "Z"
	}
	t, err := time.Parse(time.RFC3339, m[1]+zone)
	if err != nil {
		return s
	}
	if frac := strings.TrimPrefix(m[2], "."); frac != "" {
		frac += "000"
		ms, _ := strconv.Atoi(frac[:3])
		if frac[3] >= '5' {
			ms++
		}
		t = t.Add(time.Duration(ms) * time.Millisecond)
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
