package epcis

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
)

// uoms are the UN/ECE Recommendation 20 units EPCIS quantities carry, with
// the AgriTrace base unit each counts and how many base units one is. The
// first unit of each base unit is the one AgriTrace writes.
var uoms = map[string]struct {
	base   string
	factor int64
}{
	"KGM": {"g", 1000},
	"GRM": {"g", 1},
	"TNE": {"g", 1_000_000},
	"LTR": {"mL", 1000},
	"MLT": {"mL", 1},
	"H87": {"piece", 1},
	"EA":  {"piece", 1},
}

// writtenUOM is the unit AgriTrace writes quantities of each base unit in.
var writtenUOM = map[string]string{"g": "KGM", "mL": "LTR", "piece": "H87"}

// quantityElement is a quantity of a lot in EPCIS terms: kilograms, litres or
// pieces, written exactly (grams 1234567 are 1234.567 KGM).
func quantityElement(lotID string, q int64, baseUnit string) map[string]any {
	el := map[string]any{"epcClass": ClassURI(lotID)}
	uom, ok := writtenUOM[baseUnit]
	if !ok {
		return el
	}
	el["quantity"] = decimal(q, uoms[uom].factor)
	el["uom"] = uom
	return el
}

// decimal is q/factor (factor a power of ten) as an exact JSON number.
func decimal(q, factor int64) json.Number {
	digits := len(strconv.FormatInt(factor, 10)) - 1
	s := strconv.FormatInt(q, 10)
	if digits == 0 {
		return json.Number(s)
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	whole, frac := s[:len(s)-digits], strings.TrimRight(s[len(s)-digits:], "0")
	if frac == "" {
		return json.Number(whole)
	}
	return json.Number(whole + "." + frac)
}

// baseQuantity converts an EPCIS quantity into whole base units of a
// product counted in baseUnit; no uom means pieces (EPCIS counts instances).
func baseQuantity(q json.Number, uom, baseUnit string) (int64, error) {
	if uom == "" {
		uom = "H87"
	}
	u, ok := uoms[uom]
	if !ok {
		return 0, fmt.Errorf("unit %s is not one AgriTrace converts (KGM, GRM, TNE, LTR, MLT, H87, EA)", uom)
	}
	if u.base != baseUnit {
		return 0, fmt.Errorf("unit %s does not measure a product kept in %s", uom, baseUnit)
	}
	r, ok := new(big.Rat).SetString(string(q))
	if !ok {
		return 0, fmt.Errorf("quantity %s is not a number", q)
	}
	r.Mul(r, new(big.Rat).SetInt64(u.factor))
	if !r.IsInt() || r.Sign() <= 0 || !r.Num().IsInt64() || r.Num().Int64() > trace.MaxQuantity {
		return 0, fmt.Errorf("%s %s is not a whole number of %s from 1 to %d", q, uom, baseUnit, trace.MaxQuantity)
	}
	return r.Num().Int64(), nil
}
