package trace

import "math/bits"

// MaxQuantity is the largest quantity accepted in any base unit: 2^53-1, the
// largest integer that an IEEE double, and so the RFC 8785 number form, holds
// exactly. Every accepted quantity therefore hashes exactly, and since every
// sum and product of quantities is held to the same bound, so does every
// quantity derived from them. In grams it is about nine million tonnes.
const MaxQuantity int64 = 1<<53 - 1

// ValidateQuantity checks a quantity given as input for field.
func ValidateQuantity(field string, q int64) error {
	if q <= 0 || q > MaxQuantity {
		return FieldErrorf(EINVALID, field, "quantity must be a whole number of base units (g, mL or pieces) from 1 to %d", MaxQuantity)
	}
	return nil
}

// AddQuantities returns the sum of qs, or an EUNPROCESSABLE *Error for field
// when a term is outside 0..MaxQuantity or the sum exceeds MaxQuantity. Each
// term is checked before it is added, so the running sum cannot wrap.
func AddQuantities(field string, qs ...int64) (int64, error) {
	var sum int64
	for _, q := range qs {
		if q < 0 || q > MaxQuantity || sum+q > MaxQuantity {
			return 0, FieldErrorf(EUNPROCESSABLE, field, "quantities add up to more than the maximum of %d base units", MaxQuantity)
		}
		sum += q
	}
	return sum, nil
}

// MulQuantities returns a*b, or an EUNPROCESSABLE *Error for field when a
// factor is outside 0..MaxQuantity or the product exceeds MaxQuantity.
func MulQuantities(field string, a, b int64) (int64, error) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if a < 0 || b < 0 || a > MaxQuantity || b > MaxQuantity || hi != 0 || lo > uint64(MaxQuantity) {
		return 0, FieldErrorf(EUNPROCESSABLE, field, "%d × %d is more than the maximum of %d base units", a, b, MaxQuantity)
	}
	return int64(lo), nil
}

// scale returns v*num/den rounded down for 0 <= v and 0 <= num <= den, with a
// 128-bit intermediate product so it cannot wrap; the result is at most v.
func scale(v, num, den int64) int64 {
	if den == 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(v), uint64(num))
	q, _ := bits.Div64(hi, lo, uint64(den))
	return int64(q)
}

// Basis is the raw material a lot's available quantity stands for: grams per
// category of the produce it was commissioned as. A seed lot's basis is its
// own mass; oil pressed from it carries the share of the seed that went into
// it, however many intermediate products lie between, so a yield rule from
// seed to oil can be checked at the last step.
type Basis map[string]int64

// plus returns b with o added, refusing sums above MaxQuantity.
func (b Basis) plus(field string, o Basis) (Basis, error) {
	out := Basis{}
	for _, m := range []Basis{b, o} {
		for cat, g := range m {
			sum, err := AddQuantities(field, out[cat], g)
			if err != nil {
				return nil, err
			}
			out[cat] = sum
		}
	}
	return out, nil
}

// share is the part of b that num of den stands for, rounded down.
func (b Basis) share(num, den int64) Basis {
	if len(b) == 0 {
		return nil
	}
	out := Basis{}
	for cat, g := range b {
		out[cat] = scale(g, num, den)
	}
	return out
}

// take removes qty from a tracked lot, with the matching share of its basis,
// which it returns; the lot is used up at zero. qty must not exceed Available.
func take(l *Lot, qty int64) Basis {
	part := l.Basis.share(qty, l.Available)
	if qty == l.Available {
		part = l.Basis
	}
	if len(part) > 0 {
		rest := Basis{}
		for cat, g := range l.Basis {
			rest[cat] = g - part[cat]
		}
		l.Basis = rest
	}
	l.Available -= qty
	if l.Available == 0 {
		l.Status = LotConsumed
	}
	return part
}
