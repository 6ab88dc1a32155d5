package trace

import (
	"strings"
	"time"

	"github.com/agritrace/agritrace/internal/digitallink"
)

// Units of measure. Quantities are integers in the base unit that goes with
// each: grams for kg, millilitres for L, pieces for pieces.
const (
	UnitKG    = "kg"
	UnitL     = "L"
	UnitPiece = "piece"
)

// BaseUnit names the integer unit quantities of a product are kept in.
func BaseUnit(uom string) string {
	switch uom {
	case UnitKG:
		return "g"
	case UnitL:
		return "mL"
	}
	return "piece"
}

// Product is a trade item identified by a GTIN-14.
type Product struct {
	GTIN   string `json:"gtin"`
	NameZH string `json:"nameZh"`
	NameEN string `json:"nameEn,omitempty"`
	Unit   string `json:"unit"`
	// Category groups products for yield rules: "rapeseed", "rapeseed-oil".
	Category string `json:"category,omitempty"`
	// Owner is the organization whose approved GS1 Company Prefix covers the
	// GTIN, set when the product is registered.
	Owner     string    `json:"owner,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// Validate checks a product before it is created.
func (p Product) Validate() error {
	if err := ValidateGTIN(p.GTIN); err != nil {
		return err
	}
	if strings.TrimSpace(p.NameZH) == "" {
		return FieldErrorf(EINVALID, "nameZh", "Chinese product name is required")
	}
	if p.Category != "" && !categoryPattern.MatchString(p.Category) {
		return FieldErrorf(EINVALID, "category", "category must be lowercase letters, digits and dashes, e.g. rapeseed-oil")
	}
	switch p.Unit {
	case UnitKG, UnitL, UnitPiece:
		return nil
	}
	return FieldErrorf(EINVALID, "unit", "unit must be kg, L or piece")
}

// ValidateGTIN checks a GTIN-14: 14 digits whose last is the GS1 mod-10 check
// digit of the first 13.
func ValidateGTIN(gtin string) error {
	if len(gtin) != 14 {
		return FieldErrorf(EINVALID, "gtin", "GTIN must be 14 digits (pad a GTIN-13 with a leading 0)")
	}
	for _, c := range gtin {
		if c < '0' || c > '9' {
			return FieldErrorf(EINVALID, "gtin", "GTIN must be 14 digits")
		}
	}
	if want := digitallink.CheckDigit(gtin[:13]); gtin[13] != want {
		return FieldErrorf(EINVALID, "gtin", "GTIN check digit is %c, expected %c", gtin[13], want)
	}
	return nil
}
