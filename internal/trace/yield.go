package trace

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
)

// YieldRule bounds how much of an output category a transform may claim from
// its inputs of another category, as a fraction by mass: pressing rapeseed
// gives 30-45 % oil, so a mill claiming 60 % is selling oil it never pressed.
type YieldRule struct {
	From string  `json:"from"`
	To   string  `json:"to"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

// DefaultYields are typical pressing yields (DOMAIN.md): 30-40 % oil with
// headroom to 45 % for high-oil seed, 55-65 % meal with headroom both ways.
var DefaultYields = []YieldRule{
	{From: "rapeseed", To: "rapeseed-oil", Min: 0.30, Max: 0.45},
	{From: "rapeseed", To: "rapeseed-meal", Min: 0.50, Max: 0.70},
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

// checkYields holds each output of a transform to the rules for its category.
// inputs maps input categories to their mass in grams.
func (s *Service) checkYields(inputs map[string]float64, outs []OutputInput, products []Product) error {
	for i, o := range outs {
		for _, r := range s.Yields {
			if products[i].Category != r.To || inputs[r.From] == 0 {
				continue
			}
			y := s.mass(o.Quantity, products[i].Unit) / inputs[r.From]
			if y < r.Min || y > r.Max {
				return FieldErrorf(EUNPROCESSABLE, fmt.Sprintf("outputs[%d].quantity", i),
					"%s from %s at %.1f %% by mass is outside the plausible %.0f-%.0f %%", r.To, r.From, y*100, r.Min*100, r.Max*100)
			}
		}
	}
	return nil
}
