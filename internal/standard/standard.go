// Package standard holds the limits Chinese national standards set on the
// test results a scan page shows, so a shopper reads "1.1 mg/g, limit 3,
// pass" rather than a bare number. It is a table, kept in one place so an
// auditor can check every figure against the standard's current text.
package standard

import (
	"encoding/json"
	"fmt"
	"math/big"
)

// Limit is what a standard allows for one test result. Max and Min are exact
// decimals; a result equal to the limit meets it.
type Limit struct {
	Max      string `json:"max,omitempty"`
	Min      string `json:"min,omitempty"`
	Unit     string `json:"unit"`
	Standard string `json:"standard"`
}

// Verdicts of a result against its limit.
const (
	Pass = "pass"
	Fail = "fail"
)

// oil is for edible rapeseed oil, bulk or bottled. Acid value follows GB 2716's
// limit for edible vegetable oil; the grade standard (GB/T 1536) is stricter,
// but a shopper's question is whether the oil is safe.
var oil = map[string]Limit{
	"acidValue":      {Max: "3", Unit: "mg/g", Standard: "GB 2716"},
	"peroxideValue":  {Max: "0.25", Unit: "g/100g", Standard: "GB 2716"},
	"solventResidue": {Max: "20", Unit: "mg/kg", Standard: "GB 2716"},
	// Rapeseed oil is among "other oils" (peanut and corn oil are allowed 20).
	"aflatoxinB1": {Max: "10", Unit: "µg/kg", Standard: "GB 2761"},
	"benzoPyrene": {Max: "10", Unit: "µg/kg", Standard: "GB 2762"},
}

// seed is rapeseed as bought (GB/T 11762): moisture and impurities at most,
// oil content at least the lowest grade's.
var seed = map[string]Limit{
	"moisture":   {Max: "8.0", Unit: "%", Standard: "GB/T 11762"},
	"impurities": {Max: "3.0", Unit: "%", Standard: "GB/T 11762"},
	"oilContent": {Min: "34", Unit: "%", Standard: "GB/T 11762"},
}

// byCategory maps a product category (trace.Product.Category) to its limits.
var byCategory = map[string]map[string]Limit{
	"rapeseed":             seed,
	"rapeseed-oil":         oil,
	"bottled-rapeseed-oil": oil,
}

// For returns the limit on result key for products of category, if a
// standard sets one.
func For(category, key string) (Limit, bool) {
	l, ok := byCategory[category][key]
	return l, ok
}

// Judge says whether value meets the limit: Pass, Fail, or "" when value is
// not a number (a grade, a note), which is shown without a verdict.
func (l Limit) Judge(value any) string {
	v, ok := decimal(value)
	if !ok {
		return ""
	}
	if l.Max != "" && v.Cmp(mustRat(l.Max)) > 0 {
		return Fail
	}
	if l.Min != "" && v.Cmp(mustRat(l.Min)) < 0 {
		return Fail
	}
	return Pass
}

// decimal reads a result exactly: results arrive as json.Number from events
// and as float64 from lot attributes; a float64 is read by its shortest
// decimal form, which is how it was written.
func decimal(value any) (*big.Rat, bool) {
	var s string
	switch v := value.(type) {
	case json.Number:
		s = v.String()
	case float64:
		s = fmt.Sprint(v)
	case int64:
		s = fmt.Sprint(v)
	case int:
		s = fmt.Sprint(v)
	default:
		return nil, false
	}
	return new(big.Rat).SetString(s)
}

func mustRat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("standard: bad limit " + s) // the table above is fixed at build time
	}
	return r
}
