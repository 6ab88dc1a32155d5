package trace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// OutputInput is one lot a transform, split or pack produces.
type OutputInput struct {
	GTIN       string         `json:"gtin"`
	Lot        string         `json:"lot"`
	Quantity   int64          `json:"quantity"`
	Attributes map[string]any `json:"attributes"`
}

// TransformInput turns input lots into output lots: seed into oil and meal.
type TransformInput struct {
	Inputs  []Portion     `json:"inputs"`
	Outputs []OutputInput `json:"outputs"`
	Place   *PlaceInput   `json:"place"`
}

// Transform records a processing step all at once: every input gives up its
// portion and every output lot is created, or nothing is recorded. Outputs
// never weigh more than inputs, and each pair of input and output categories
// needs a yield rule (see balance).
func (s *Service) Transform(ctx context.Context, actor Org, in TransformInput) (Result, error) {
	outs, place, err := s.transformChecks(ctx, actor, in)
	if err != nil {
		return Result{}, err
	}
	return s.write(ctx, func() (*change, error) {
		c := s.newChange(actor, place)
		inputs, err := s.takeInputs(ctx, c, actor, in.Inputs)
		if err != nil {
			return nil, err
		}
		bases, err := s.balance(ctx, inputs, in.Outputs, outs)
		if err != nil {
			return nil, err
		}
		var outIDs []string
		for i, o := range in.Outputs {
			l := c.create(Lot{
				ID: LotID(o.GTIN, o.Lot), GTIN: o.GTIN, Number: o.Lot, Quantity: o.Quantity, Available: o.Quantity,
				BaseUnit: BaseUnit(outs[i].Unit), Attributes: o.Attributes, Status: LotActive,
				Producer: actor.ID, Custodian: actor.ID, Parents: in.Inputs, Basis: bases[i],
			})
			outIDs = append(outIDs, l.ID)
			if err := c.append(l.ID, EventTransform, o.Quantity, withBasis(map[string]any{"inputs": in.Inputs}, bases[i])); err != nil {
				return nil, err
			}
		}
		for _, p := range inputs {
			if err := c.append(p.Lot, EventTransform, p.Quantity, map[string]any{"outputs": outIDs}); err != nil {
				return nil, err
			}
		}
		return c, nil
	})
}

// transformChecks runs a transform's checks that need no lot: the actor's
// role and right to the output GTINs, the outputs' specs and products. It
// returns the outputs' products and the place.
func (s *Service) transformChecks(ctx context.Context, actor Org, in TransformInput) ([]Product, Place, error) {
	if err := requireRole(actor, "transforming lots", RoleProcessor); err != nil {
		return nil, Place{}, err
	}
	for i, o := range in.Outputs {
		if err := s.mayUseGTIN(ctx, actor, fmt.Sprintf("outputs[%d].gtin", i), o.GTIN); err != nil {
			return nil, Place{}, err
		}
	}
	if len(in.Inputs) == 0 || len(in.Outputs) == 0 {
		return nil, Place{}, FieldErrorf(EINVALID, "inputs", "a transform needs at least one input and one output")
	}
	place, err := s.place(actor, in.Place)
	if err != nil {
		return nil, Place{}, err
	}
	outs, err := s.outputs(ctx, "outputs", in.Outputs)
	if err != nil {
		return nil, Place{}, err
	}
	for i, p := range outs {
		if err := transformable(p, fmt.Sprintf("outputs[%d].gtin", i)); err != nil {
			return nil, Place{}, err
		}
	}
	return outs, place, nil
}

// withBasis adds the basis a new lot carries to its first event, so the share
// of raw material it stands for is hashed and anchored with the lot.
func withBasis(payload map[string]any, b Basis) map[string]any {
	if len(b) > 0 {
		payload["basis"] = b
	}
	return payload
}

// outputs validates the specs of lots to create, listed as name, and returns
// their products.
func (s *Service) outputs(ctx context.Context, name string, outs []OutputInput) ([]Product, error) {
	var ps []Product
	seen := map[string]bool{}
	for i, o := range outs {
		field := fmt.Sprintf("%s[%d]", name, i)
		p, err := s.product(ctx, o.GTIN, field+".gtin")
		if err != nil {
			return nil, err
		}
		if err := ValidateLotNumber(field+".lot", o.Lot); err != nil {
			return nil, err
		}
		if err := ValidateQuantity(field+".quantity", o.Quantity); err != nil {
			return nil, err
		}
		if err := ValidateAttributes(field+".attributes", o.Attributes); err != nil {
			return nil, err
		}
		if id := LotID(o.GTIN, o.Lot); seen[id] {
			return nil, FieldErrorf(EINVALID, field+".lot", "lot %s is listed twice", id)
		} else {
			seen[id] = true
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// taken is an input portion of a write, with the lot as it was read and the
// share of its basis the portion carries.
type taken struct {
	Portion
	lot   Lot
	basis Basis
}

// takeInputs checks input portions and takes them from their lots.
func (s *Service) takeInputs(ctx context.Context, c *change, actor Org, portions []Portion) ([]taken, error) {
	var out []taken
	for i, p := range portions {
		field := fmt.Sprintf("inputs[%d]", i)
		if err := ValidateQuantity(field+".quantity", p.Quantity); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(t taken) bool { return t.Lot == p.Lot }) {
			return nil, FieldErrorf(EINVALID, field+".lot", "lot %s is listed twice", p.Lot)
		}
		l, err := s.lotFor(ctx, p.Lot, field+".lot")
		if err != nil {
			return nil, err
		}
		if err := custodianOf(actor, l, field+".lot"); err != nil {
			return nil, err
		}
		if p.Quantity > l.Available {
			return nil, FieldErrorf(EUNPROCESSABLE, field+".quantity", "lot %s has %d %s left, not %d", l.ID, l.Available, l.BaseUnit, p.Quantity)
		}
		if err := s.unlabelled(ctx, l, field+".lot"); err != nil {
			return nil, err
		}
		out = append(out, taken{Portion: p, lot: l, basis: take(c.track(l), p.Quantity)})
	}
	return out, nil
}

// unlabelled refuses to take quantity from a lot whose units carry labels
// other than by selling them by serial: the units would stay active while the
// lot shrank, and labels of product that is gone would still scan genuine.
func (s *Service) unlabelled(ctx context.Context, l Lot, field string) error {
	if l.BaseUnit != BaseUnit(UnitPiece) {
		return nil
	}
	units, err := s.Store.Units(ctx, l.ID)
	if err != nil {
		return fmt.Errorf("units of %s: %w", l.ID, err)
	}
	if len(units) > 0 {
		return FieldErrorf(EUNPROCESSABLE, field, "lot %s has labelled units: it gives up quantity only as units sold by serial, so that every label's status follows its product", l.ID)
	}
	return nil
}

// SplitInput divides a lot into smaller lots of the same product.
type SplitInput struct {
	Parts []OutputInput `json:"parts"`
	Place *PlaceInput   `json:"place"`
}

// Split divides a lot; the parts keep its product, origin and attributes, and
// each takes the share of its basis that its quantity stands for.
func (s *Service) Split(ctx context.Context, actor Org, lotID string, in SplitInput) (Result, error) {
	if len(in.Parts) == 0 {
		return Result{}, FieldErrorf(EINVALID, "parts", "give at least one part")
	}
	place, err := s.place(actor, in.Place)
	if err != nil {
		return Result{}, err
	}
	return s.write(ctx, func() (*change, error) {
		c, l, err := s.held(ctx, actor, place, lotID)
		if err != nil {
			return nil, err
		}
		qs := make([]int64, len(in.Parts))
		for i := range in.Parts {
			in.Parts[i].GTIN = l.GTIN
			qs[i] = in.Parts[i].Quantity
		}
		if _, err := s.outputs(ctx, "parts", in.Parts); err != nil {
			return nil, err
		}
		total, err := AddQuantities("parts", qs...)
		if err != nil {
			return nil, err
		}
		if total > l.Available {
			return nil, FieldErrorf(EUNPROCESSABLE, "parts", "parts add up to %d %s but lot %s has %d left", total, l.BaseUnit, l.ID, l.Available)
		}
		if err := s.unlabelled(ctx, l, "lot"); err != nil {
			return nil, err
		}
		// Take every part before creating any: creating may move the tracked lot.
		src := c.track(l)
		bases := make([]Basis, len(in.Parts))
		for i, p := range in.Parts {
			bases[i] = take(src, p.Quantity)
		}
		var ids []string
		for i, p := range in.Parts {
			part := c.create(Lot{
				ID: LotID(l.GTIN, p.Lot), GTIN: l.GTIN, Number: p.Lot, Quantity: p.Quantity, Available: p.Quantity,
				BaseUnit: l.BaseUnit, Origin: l.Origin, Attributes: l.Attributes, Status: LotActive,
				Producer: l.Producer, Custodian: actor.ID, Parents: []Portion{{Lot: l.ID, Quantity: p.Quantity}},
				Basis: bases[i],
			})
			ids = append(ids, part.ID)
			if err := c.append(part.ID, EventSplit, p.Quantity, withBasis(map[string]any{"from": l.ID}, part.Basis)); err != nil {
				return nil, err
			}
		}
		return c, c.append(l.ID, EventSplit, total, map[string]any{"parts": ids})
	})
}

// MergeInput combines whole lots of one product into a new lot.
type MergeInput struct {
	Inputs []string    `json:"inputs"`
	Lot    string      `json:"lot"`
	Place  *PlaceInput `json:"place"`
}

// Merge combines what is left of several lots of the same product.
func (s *Service) Merge(ctx context.Context, actor Org, in MergeInput) (Result, error) {
	if len(in.Inputs) < 2 {
		return Result{}, FieldErrorf(EINVALID, "inputs", "a merge needs at least two lots")
	}
	if err := ValidateLotNumber("lot", in.Lot); err != nil {
		return Result{}, err
	}
	place, err := s.place(actor, in.Place)
	if err != nil {
		return Result{}, err
	}
	return s.write(ctx, func() (*change, error) {
		c := s.newChange(actor, place)
		var portions []Portion
		var first Lot
		for i, id := range in.Inputs {
			l, err := s.lotFor(ctx, id, fmt.Sprintf("inputs[%d]", i))
			if err != nil {
				return nil, err
			}
			if i == 0 {
				first = l
			} else if l.GTIN != first.GTIN {
				return nil, FieldErrorf(EUNPROCESSABLE, fmt.Sprintf("inputs[%d]", i), "lots of different products (%s, %s) cannot be merged; use a transform", first.GTIN, l.GTIN)
			}
			portions = append(portions, Portion{Lot: id, Quantity: l.Available})
		}
		inputs, err := s.takeInputs(ctx, c, actor, portions)
		if err != nil {
			return nil, err
		}
		var qs []int64
		var basis Basis
		origin := first.Origin
		for _, t := range inputs {
			qs = append(qs, t.Quantity)
			if basis, err = basis.plus("inputs", t.basis); err != nil {
				return nil, err
			}
			if o := t.lot.Origin; o == nil || origin == nil || *o != *origin {
				origin = nil
			}
		}
		total, err := AddQuantities("inputs", qs...)
		if err != nil {
			return nil, err
		}
		out := c.create(Lot{
			ID: LotID(first.GTIN, in.Lot), GTIN: first.GTIN, Number: in.Lot, Quantity: total, Available: total,
			BaseUnit: first.BaseUnit, Origin: origin, Status: LotActive, Producer: actor.ID, Custodian: actor.ID,
			Parents: portions, Basis: basis,
		})
		if err := c.append(out.ID, EventMerge, total, withBasis(map[string]any{"inputs": portions}, basis)); err != nil {
			return nil, err
		}
		for _, p := range inputs {
			if err := c.append(p.Lot, EventMerge, p.Quantity, map[string]any{"into": out.ID}); err != nil {
				return nil, err
			}
		}
		return c, nil
	})
}

// PackInput fills a bulk lot into labelled units of a packaged product.
type PackInput struct {
	GTIN     string      `json:"gtin"`
	Lot      string      `json:"lot"`
	Count    int         `json:"count"`
	UnitSize int64       `json:"unitSize"`
	Place    *PlaceInput `json:"place"`
}

// MaxPack bounds the units one pack request issues, so a request stays small
// enough to commit at once.
const MaxPack = 10000

// Pack creates a lot of Count units of the packaged product from Count ×
// UnitSize of the bulk lot, each with a serial and a signed label. The pack
// events carry a digest of the serials, so the set of genuine serials is
// anchored on the ledger and cannot later be extended.
func (s *Service) Pack(ctx context.Context, actor Org, lotID string, in PackInput) (Result, error) {
	if err := requireRole(actor, "packing", RoleProcessor); err != nil {
		return Result{}, err
	}
	if err := s.mayUseGTIN(ctx, actor, "gtin", in.GTIN); err != nil {
		return Result{}, err
	}
	if in.Count <= 0 || in.Count > MaxPack {
		return Result{}, FieldErrorf(EINVALID, "count", "count must be 1 to %d", MaxPack)
	}
	if in.UnitSize <= 0 || in.UnitSize > MaxQuantity {
		return Result{}, FieldErrorf(EINVALID, "unitSize", "unitSize is the bulk quantity per unit in base units, 1 to %d, e.g. 5000 (mL) for a 5 L bottle", MaxQuantity)
	}
	used, err := MulQuantities("count", in.UnitSize, int64(in.Count))
	if err != nil {
		return Result{}, err
	}
	outs, err := s.outputs(ctx, "outputs", []OutputInput{{GTIN: in.GTIN, Lot: in.Lot, Quantity: int64(in.Count)}})
	if err != nil {
		return Result{}, err
	}
	if outs[0].Unit != UnitPiece {
		return Result{}, FieldErrorf(EUNPROCESSABLE, "gtin", "product %s is sold by %s; pack into a product counted in pieces", in.GTIN, outs[0].Unit)
	}
	place, err := s.place(actor, in.Place)
	if err != nil {
		return Result{}, err
	}
	return s.write(ctx, func() (*change, error) {
		c := s.newChange(actor, place)
		inputs, err := s.takeInputs(ctx, c, actor, []Portion{{Lot: lotID, Quantity: used}})
		if err != nil {
			if ErrorField(err) == "inputs[0].quantity" {
				return nil, FieldErrorf(EUNPROCESSABLE, "count", "%d units of %d need %d but %s", in.Count, in.UnitSize, used, ErrorMessage(err))
			}
			return nil, err
		}
		src := inputs[0].lot
		out := c.create(Lot{
			ID: LotID(in.GTIN, in.Lot), GTIN: in.GTIN, Number: in.Lot, Quantity: int64(in.Count), Available: int64(in.Count),
			BaseUnit: BaseUnit(UnitPiece), Origin: src.Origin, Status: LotActive,
			Producer: actor.ID, Custodian: actor.ID, Parents: []Portion{inputs[0].Portion}, Basis: inputs[0].basis,
		})
		serials := make([]string, in.Count)
		for i := range serials {
			serials[i] = s.Labels.NewSerial()
			kid, sig := s.Labels.Sign(in.GTIN, in.Lot, serials[i])
			c.units = append(c.units, UnitWrite{Unit: Unit{
				Serial: serials[i], Lot: out.ID, GTIN: in.GTIN, LotNumber: in.Lot, KeyID: kid, Signature: sig,
				Status: UnitActive, CreatedAt: c.now,
			}})
		}
		digest := SerialsDigest(serials)
		payload := map[string]any{"from": lotID, "unitSize": in.UnitSize, "serialsDigest": digest}
		if err := c.append(out.ID, EventPack, int64(in.Count), withBasis(payload, out.Basis)); err != nil {
			return nil, err
		}
		return c, c.append(lotID, EventPack, used, map[string]any{"into": out.ID, "count": in.Count, "unitSize": in.UnitSize})
	})
}

// SerialsDigest is the SHA-256 of the sorted serials joined by newlines.
func SerialsDigest(serials []string) string {
	sorted := slices.Sorted(slices.Values(serials))
	sum := sha256.Sum256([]byte(strings.Join(sorted, "\n")))
	return hex.EncodeToString(sum[:])
}
