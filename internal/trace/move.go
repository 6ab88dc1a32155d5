package trace

import (
	"context"
	"slices"
)

// ShipInput sends a lot to another organization.
type ShipInput struct {
	To    string      `json:"to"`
	Place *PlaceInput `json:"place"`
}

// Ship hands a lot to a carrier or the next holder. Only the custodian ships;
// the lot is in transit until the receiver records receipt.
func (s *Service) Ship(ctx context.Context, actor Org, lotID string, in ShipInput) (Result, error) {
	if in.To == "" {
		return Result{}, FieldErrorf(EINVALID, "to", "name the organization the lot is shipped to")
	}
	if in.To == actor.ID {
		return Result{}, FieldErrorf(EINVALID, "to", "a lot cannot be shipped to its own custodian")
	}
	to, err := s.Store.Org(ctx, in.To)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return Result{}, FieldErrorf(EUNPROCESSABLE, "to", "organization %s is not registered", in.To)
	case err != nil:
		return Result{}, err
	case to.Disabled:
		return Result{}, FieldErrorf(EUNPROCESSABLE, "to", "organization %s is disabled", in.To)
	case to.Has(RoleRegulator, RoleLab) && !to.Has(custodyRoles...):
		// Oversight does not take custody: on a shared ledger regulators and
		// labs write inspections, never a lot's own steps.
		return Result{}, FieldErrorf(EUNPROCESSABLE, "to", "organization %s is a regulator or lab and does not take lots into custody: inspect the lot where it is", in.To)
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
		c.track(l).InTransitTo = in.To
		c.shipTo = s.ledgerOrg(to)
		return c, c.append(l.ID, EventShip, l.Available, map[string]any{"to": in.To})
	})
}

// custodyRoles are the roles of organizations that hold lots.
var custodyRoles = []string{RoleProducer, RoleCollector, RoleProcessor, RoleLogistics, RoleRetailer}

// ReceiveInput records that a shipped lot arrived.
type ReceiveInput struct {
	Place *PlaceInput `json:"place"`
}

// Receive makes the organization a lot was shipped to its custodian.
func (s *Service) Receive(ctx context.Context, actor Org, lotID string, in ReceiveInput) (Result, error) {
	place, err := s.place(actor, in.Place)
	if err != nil {
		return Result{}, err
	}
	return s.write(ctx, func() (*change, error) {
		l, err := s.lotFor(ctx, lotID, "lot")
		if err != nil {
			return nil, err
		}
		if l.InTransitTo != actor.ID {
			return nil, FieldErrorf(EFORBIDDEN, "lot", "lot %s was not shipped to %s", l.ID, actor.ID)
		}
		c := s.newChange(actor, place)
		t := c.track(l)
		from := t.Custodian
		t.Custodian, t.InTransitTo = actor.ID, ""
		return c, c.append(l.ID, EventReceive, l.Available, map[string]any{"from": from})
	})
}

// SellInput sells labelled units by serial, or a quantity of an unlabelled
// lot; a lot with labelled units is sold by serial only.
type SellInput struct {
	Serials  []string    `json:"serials"`
	Quantity int64       `json:"quantity"`
	Place    *PlaceInput `json:"place"`
}

// Sell records a retail sale by the custodian shop. Sold units are marked so
// that a later scan of the same label can be told apart from a refill.
func (s *Service) Sell(ctx context.Context, actor Org, lotID string, in SellInput) (Result, error) {
	if err := requireRole(actor, "selling", RoleRetailer); err != nil {
		return Result{}, err
	}
	if len(in.Serials) == 0 && in.Quantity <= 0 {
		return Result{}, FieldErrorf(EINVALID, "serials", "give the serials sold, or a positive quantity")
	}
	if in.Quantity != 0 {
		if err := ValidateQuantity("quantity", in.Quantity); err != nil {
			return Result{}, err
		}
	}
	if len(in.Serials) > 0 && in.Quantity != 0 && in.Quantity != int64(len(in.Serials)) {
		return Result{}, FieldErrorf(EINVALID, "quantity", "quantity must match the number of serials")
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
		qty := in.Quantity
		if len(in.Serials) == 0 {
			if err := s.unlabelled(ctx, l, "quantity"); err != nil {
				return nil, err
			}
		} else {
			qty = int64(len(in.Serials))
			for i, serial := range in.Serials {
				if slices.Contains(in.Serials[:i], serial) {
					return nil, FieldErrorf(EINVALID, "serials", "serial %s is listed twice", serial)
				}
				u, err := s.Store.Unit(ctx, serial)
				if ErrorCode(err) == ENOTFOUND || (err == nil && u.Lot != l.ID) {
					return nil, FieldErrorf(EUNPROCESSABLE, "serials", "serial %s is not a unit of lot %s", serial, l.ID)
				} else if err != nil {
					return nil, err
				}
				if u.Status != UnitActive {
					return nil, FieldErrorf(EUNPROCESSABLE, "serials", "unit %s is %s and cannot be sold", serial, u.Status)
				}
				sold := u
				sold.Status, sold.SoldBy, sold.SoldAt = UnitSold, actor.ID, c.now
				c.units = append(c.units, UnitWrite{Unit: sold, PrevStatus: u.Status})
			}
		}
		if qty > l.Available {
			return nil, FieldErrorf(EUNPROCESSABLE, "quantity", "cannot sell %d %s: lot %s has %d left", qty, l.BaseUnit, l.ID, l.Available)
		}
		take(c.track(l), qty)
		payload := map[string]any{"quantity": qty}
		if len(in.Serials) > 0 {
			payload["serials"] = in.Serials
		}
		return c, c.append(l.ID, EventSell, qty, payload)
	})
}
