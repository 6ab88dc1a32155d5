package trace

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"regexp"
	"slices"
)

// YieldRule bounds how much of an output category a transform may claim from
// its inputs of another category, as a fraction by mass: pressing rapeseed
// gives 30-45 % oil, so a mill claiming 60 % is selling oil it never pressed.
// The rules are a whitelist: a transform from one category into another with
// no rule between them is refused.
type YieldRule struct {
	From string  `json:"from"`
	To   string  `json:"to"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

// DefaultYields are typical pressing yields (DOMAIN.md): 30-40 % oil with
// headroom to 45 % for high-oil seed, 55-65 % meal with headroom both ways.
// Roasting seed before pressing (炒籽, for fragrant oil) drives off water, so
// roasted seed keeps 85-100 % of the seed's mass and gives up to 50 % of its
// own mass as oil; through the seed's basis that oil is still held to 45 %.
var DefaultYields = []YieldRule{
	{From: "rapeseed", To: "rapeseed-oil", Min: 0.30, Max: 0.45},
	{From: "rapeseed", To: "rapeseed-meal", Min: 0.50, Max: 0.70},
	{From: "rapeseed", To: "rapeseed-roasted", Min: 0.85, Max: 1.00},
	{From: "rapeseed-roasted", To: "rapeseed-oil", Min: 0.30, Max: 0.50},
	{From: "rapeseed-roasted", To: "rapeseed-meal", Min: 0.50, Max: 0.75},
}

var categoryPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// LoadYields reads yield rules from a JSON file: [{"from","to","min","max"}].
func LoadYields(path string) ([]YieldRule, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("yield rules: %w", err)
	}
	var rules []YieldRule
	if err := json.Unmarshal(b, &rules); err != nil {
		return nil, fmt.Errorf("yield rules %s: %w", path, err)
	}
	for i, r := range rules {
		if !categoryPattern.MatchString(r.From) || !categoryPattern.MatchString(r.To) || r.Min < 0 || r.Max > 1 || r.Min > r.Max {
			return nil, fmt.Errorf("yield rules %s: rule %d: need categories and 0 <= min <= max <= 1", path, i)
		}
	}
	return rules, nil
}

func (s *Service) rule(from, to string) (YieldRule, bool) {
	for _, r := range s.Yields {
		if r.From == from && r.To == to {
			return r, true
		}
	}
	return YieldRule{}, false
}

// transformable refuses products a yield rule cannot hold: those without a
// category, and those counted in pieces, whose mass is unknown (pieces are
// made by packing).
func transformable(p Product, field string) error {
	switch {
	case p.Unit == UnitPiece:
		return FieldErrorf(EUNPROCESSABLE, field, "product %s is counted in pieces, which have no known mass: it cannot go into or come out of a transform (pieces are made by packing)", p.GTIN)
	case p.Category == "":
		return FieldErrorf(EUNPROCESSABLE, field, "product %s has no category, so no yield rule can hold a transform of it: register it with a category", p.GTIN)
	}
	return nil
}

// milligrams is the mass of q of a lot kept in base, exactly: mL convert by
// the oil density.
func (s *Service) milligrams(q int64, base string) *big.Int {
	per := int64(1000)
	if base == BaseUnit(UnitL) {
		per = int64(math.Round(s.OilDensity * 1000))
	}
	return new(big.Int).Mul(big.NewInt(q), big.NewInt(per))
}

// rawBasis is the basis of q of product p brought in from growers: its own
// mass in grams under its category; none for a product without a category.
func (s *Service) rawBasis(p Product, q int64) Basis {
	if p.Category == "" {
		return nil
	}
	g := new(big.Int).Quo(s.milligrams(q, BaseUnit(p.Unit)), big.NewInt(1000))
	return Basis{p.Category: g.Int64()}
}

// produced is one output of a transform as balance weighs it.
type produced struct {
	field    string
	category string
	mg       *big.Int
}

// balance holds a transform to its rules and returns the basis each output
// carries: outputs may not outweigh inputs; each output is held to the rule
// from every input category (no rule, no transform) and, by the upper bound,
// to the rule from every raw category in the inputs' basis, so a yield range
// follows the material through intermediate products. The outputs share the
// inputs' basis in proportion to their mass, so no basis is spent twice.
func (s *Service) balance(ctx context.Context, inputs []taken, outs []OutputInput, products []Product) ([]Basis, error) {
	w, err := s.weigh(ctx, inputs, outs, products)
	if err != nil {
		return nil, err
	}
	if w.outMg.Cmp(w.inMg) > 0 {
		return nil, FieldErrorf(EUNPROCESSABLE, "outputs", "outputs weigh %s g but inputs only %s g: quantities must be conserved", grams(w.outMg), grams(w.inMg))
	}
	for _, o := range w.made {
		if err := s.checkYields(o, w.byCategory, w.basis); err != nil {
			return nil, err
		}
	}
	bases := make([]Basis, len(outs))
	for i, o := range w.made {
		bases[i] = Basis{}
		for cat, g := range w.basis {
			v := new(big.Int).Mul(big.NewInt(g), o.mg)
			bases[i][cat] = v.Quo(v, w.outMg).Int64()
		}
	}
	return bases, nil
}

// weighed is a transform's inputs and outputs by mass, as balance judges them.
type weighed struct {
	inMg, outMg *big.Int
	byCategory  map[string]*big.Int
	basis       Basis
	made        []produced
}

func (s *Service) weigh(ctx context.Context, inputs []taken, outs []OutputInput, products []Product) (weighed, error) {
	w := weighed{inMg: new(big.Int), outMg: new(big.Int), byCategory: map[string]*big.Int{}}
	for i, t := range inputs {
		p, err := s.Store.Product(ctx, t.lot.GTIN)
		if err != nil {
			return w, fmt.Errorf("product of input %s: %w", t.Lot, err)
		}
		if err := transformable(p, fmt.Sprintf("inputs[%d].lot", i)); err != nil {
			return w, err
		}
		mg := s.milligrams(t.Quantity, t.lot.BaseUnit)
		w.inMg.Add(w.inMg, mg)
		if w.byCategory[p.Category] == nil {
			w.byCategory[p.Category] = new(big.Int)
		}
		w.byCategory[p.Category].Add(w.byCategory[p.Category], mg)
		share := t.basis
		if len(t.lot.Basis) == 0 {
			// Recorded before lots carried a basis: the lot stands for itself.
			share = s.rawBasis(p, t.Quantity)
		}
		if w.basis, err = w.basis.plus("inputs", share); err != nil {
			return w, err
		}
	}
	w.made = make([]produced, len(outs))
	for i, o := range outs {
		w.made[i] = produced{fmt.Sprintf("outputs[%d]", i), products[i].Category, s.milligrams(o.Quantity, BaseUnit(products[i].Unit))}
		w.outMg.Add(w.outMg, w.made[i].mg)
	}
	return w, nil
}

// Yield is an output's yield from its inputs of one category, by mass,
// against the plausible range of the rule between them.
type Yield struct {
	Output  int     `json:"output"`
	From    string  `json:"from"`
	To      string  `json:"to"`
	Yield   float64 `json:"yield"`
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	Within  bool    `json:"within"`
	hasRule bool
}

// yieldsOf is o's yield from every input category (mass in mg), each with
// its rule; a category with no rule to o's has hasRule false.
func (s *Service) yieldsOf(o produced, inputs map[string]*big.Int) []Yield {
	var out []Yield
	for _, cat := range sortedKeys(inputs) {
		r, ok := s.rule(cat, o.category)
		y := new(big.Rat).SetFrac(o.mg, inputs[cat])
		f, _ := y.Float64()
		within := ok && y.Cmp(rat(r.Min)) >= 0 && y.Cmp(rat(r.Max)) <= 0
		out = append(out, Yield{From: cat, To: o.category, Yield: f, Min: r.Min, Max: r.Max, Within: within, hasRule: ok})
	}
	return out
}

// checkYields holds one output to the rules from its inputs' categories
// (mass in mg) and from the raw categories of their basis (in g).
func (s *Service) checkYields(o produced, inputs map[string]*big.Int, basis Basis) error {
	for _, y := range s.yieldsOf(o, inputs) {
		if !y.hasRule {
			return FieldErrorf(EUNPROCESSABLE, o.field+".gtin", "no yield rule turns %s into %s: a transform needs one for every input and output category", y.From, o.category)
		}
		if !y.Within {
			return FieldErrorf(EUNPROCESSABLE, o.field+".quantity",
				"%s from %s at %.1f %% by mass is outside the plausible %.0f-%.0f %%", y.To, y.From, y.Yield*100, y.Min*100, y.Max*100)
		}
	}
	// Only the upper bound follows the basis: less than the range through an
	// intermediate is loss or a by-product's share, never invented product.
	for _, raw := range sortedKeys(basis) {
		r, ok := s.rule(raw, o.category)
		if !ok || basis[raw] == 0 {
			continue
		}
		y := new(big.Rat).SetFrac(o.mg, new(big.Int).Mul(big.NewInt(basis[raw]), big.NewInt(1000)))
		if y.Cmp(rat(r.Max)) > 0 {
			f, _ := y.Float64()
			return FieldErrorf(EUNPROCESSABLE, o.field+".quantity",
				"%s at %.1f %% of the %d g of %s it is made from (through intermediate products) is above the plausible %.0f %%", r.To, f*100, basis[raw], raw, r.Max*100)
		}
	}
	return nil
}

func rat(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }

// grams formats a mass in mg as whole grams for messages.
func grams(mg *big.Int) string { return new(big.Int).Quo(mg, big.NewInt(1000)).String() }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
