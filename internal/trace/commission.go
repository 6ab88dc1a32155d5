package trace

import (
	"context"
	"strings"
)

// CommissionInput registers produce bought from growers as a new lot.
type CommissionInput struct {
	GTIN       string         `json:"gtin"`
	Lot        string         `json:"lot"`
	Quantity   int64          `json:"quantity"`
	Origin     *Origin        `json:"origin"`
	Attributes map[string]any `json:"attributes"`
	Place      *PlaceInput    `json:"place"`
}

// Commission creates a lot at a collection point. Only producers and
// collectors bring produce into the system; processors make lots by transform.
func (s *Service) Commission(ctx context.Context, actor Org, in CommissionInput) (Result, error) {
	if err := requireRole(actor, "commissioning a lot", RoleProducer, RoleCollector); err != nil {
		return Result{}, err
	}
	if err := s.mayUseGTIN(ctx, actor, "gtin", in.GTIN); err != nil {
		return Result{}, err
	}
	if err := ValidateLotNumber("lot", in.Lot); err != nil {
		return Result{}, err
	}
	if err := ValidateQuantity("quantity", in.Quantity); err != nil {
		return Result{}, err
	}
	if err := in.Origin.Validate(); err != nil {
		return Result{}, err
	}
	if err := ValidateAttributes("attributes", in.Attributes); err != nil {
		return Result{}, err
	}
	p, err := s.product(ctx, in.GTIN, "gtin")
	if err != nil {
		return Result{}, err
	}
	place, err := s.place(actor, in.Place)
	if err != nil {
		return Result{}, err
	}
	return s.write(ctx, func() (*change, error) {
		c := s.newChange(actor, place)
		c.create(Lot{
			ID: LotID(p.GTIN, in.Lot), GTIN: p.GTIN, Number: in.Lot, Quantity: in.Quantity, Available: in.Quantity,
			BaseUnit: BaseUnit(p.Unit), Origin: in.Origin, Attributes: in.Attributes, Status: LotActive,
			Producer: actor.ID, Custodian: actor.ID, Basis: s.rawBasis(p, in.Quantity),
		})
		payload := map[string]any{"origin": in.Origin}
		if len(in.Attributes) > 0 {
			payload["attributes"] = in.Attributes
		}
		return c, c.append(LotID(p.GTIN, in.Lot), EventCommission, in.Quantity, payload)
	})
}

func (s *Service) product(ctx context.Context, gtin, field string) (Product, error) {
	if err := ValidateGTIN(gtin); err != nil {
		e := err.(*Error)
		e.Field = field
		return Product{}, e
	}
	p, err := s.Store.Product(ctx, gtin)
	if ErrorCode(err) == ENOTFOUND {
		return p, FieldErrorf(EUNPROCESSABLE, field, "product %s is not registered", gtin)
	}
	return p, err
}

// InspectInput records quality results such as moisture and oil content.
type InspectInput struct {
	Results map[string]any `json:"results"`
	Note    string         `json:"note"`
	Place   *PlaceInput    `json:"place"`
}

// Inspect records a quality test on a lot: by its custodian, or by a
// regulator or accredited lab on any lot. Results are appended as an inspect
// event; a lot's attributes stay what was declared when it was made.
func (s *Service) Inspect(ctx context.Context, actor Org, lotID string, in InspectInput) (Result, error) {
	if len(in.Results) == 0 {
		return Result{}, FieldErrorf(EINVALID, "results", "give at least one result, e.g. {\"moisture\": 7.2}")
	}
	for k := range in.Results {
		if strings.TrimSpace(k) == "" || len(k) > 64 {
			return Result{}, FieldErrorf(EINVALID, "results", "result names must be 1-64 characters")
		}
	}
	place, err := s.place(actor, in.Place)
	if err != nil {
		return Result{}, err
	}
	return s.write(ctx, func() (*change, error) {
		l, err := s.lotFor(ctx, lotID, "lot")
		if err != nil {
			return nil, err
		}
		if err := s.mayInspect(ctx, actor, l); err != nil {
			return nil, err
		}
		// Results live in the inspect events only, each with who recorded
		// it: copying them into the lot's attributes let a holder's later
		// figure overwrite a regulator's.
		c := s.newChange(actor, place)
		c.track(l)
		payload := map[string]any{"results": in.Results}
		if in.Note != "" {
			payload["note"] = in.Note
		}
		return c, c.append(l.ID, EventInspect, l.Available, payload)
	})
}
