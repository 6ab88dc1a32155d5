package audit

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// quantities checks that what left a lot (into other lots and sales) does not
// exceed what it held, and that a packed lot's units agree with it: its active
// units are what it has available and its sold units what it sold. Sums are
// checked, so stored quantities that would overflow are reported, not wrapped.
func (a Auditor) quantities(ctx context.Context, l trace.Lot) (QuantityCheck, error) {
	q := QuantityCheck{Lot: l.ID, BaseUnit: l.BaseUnit, Quantity: l.Quantity, Available: l.Available, OK: true}
	fail := func(format string, args ...any) {
		if q.OK {
			q.OK, q.Problem = false, fmt.Sprintf(format, args...)
		}
	}
	add := func(sum *int64, v int64) {
		s, err := trace.AddQuantities("", *sum, v)
		if err != nil {
			fail("its quantities add up to more than the maximum of %d %s (a term of %d): the records cannot be right", trace.MaxQuantity, l.BaseUnit, v)
			return
		}
		*sum = s
	}
	for _, v := range []int64{l.Quantity, l.Available} {
		if v < 0 || v > trace.MaxQuantity {
			fail("the lot records %d %s with %d available, outside 0 to the maximum of %d", l.Quantity, l.BaseUnit, l.Available, trace.MaxQuantity)
		}
	}
	children, err := a.Store.Lots(ctx, trace.LotFilter{Parent: l.ID})
	if err != nil {
		return q, err
	}
	// The outputs of one transform each list the transform's whole inputs as
	// parents, so their claims count once per transform (outputs made together
	// share their creation time to the millisecond); the parts of a split each
	// claim their own share and add up.
	claims := map[time.Time]int64{}
	for _, ch := range children {
		made, err := a.Store.Events(ctx, ch.ID)
		if err != nil {
			return q, err
		}
		for _, p := range ch.Parents {
			switch {
			case p.Lot != l.ID:
			case len(made) > 0 && made[0].Type == trace.EventSplit:
				add(&q.ToLots, p.Quantity)
			default:
				claims[ch.CreatedAt] = max(claims[ch.CreatedAt], p.Quantity)
			}
		}
	}
	for _, c := range claims {
		add(&q.ToLots, c)
	}
	events, err := a.Store.Events(ctx, l.ID)
	if err != nil {
		return q, err
	}
	var given int64
	for _, e := range events {
		switch {
		case e.Type == trace.EventSell:
			add(&q.Sold, e.Quantity)
		case e.Seq > 0 && slices.Contains(consuming, e.Type):
			add(&given, e.Quantity)
		}
	}
	units, err := a.Store.Units(ctx, l.ID)
	if err != nil {
		return q, err
	}
	q.Units = len(units)
	active := 0
	for _, u := range units {
		switch u.Status {
		case trace.UnitSold:
			q.UnitsSold++
		case trace.UnitActive:
			active++
		}
	}
	var left int64
	add(&left, q.ToLots)
	add(&left, q.Sold)
	if !q.OK {
		return q, nil
	}
	switch {
	case left > q.Quantity:
		fail("%d %s went into other lots and %d were sold, but the lot only held %d", q.ToLots, l.BaseUnit, q.Sold, q.Quantity)
	case q.ToLots != given:
		fail("lots made from this one claim %d %s of it, but its own events gave up %d", q.ToLots, l.BaseUnit, given)
	case q.Quantity-left != q.Available:
		fail("the lot shows %d %s available, but its history leaves %d", q.Available, l.BaseUnit, q.Quantity-left)
	case q.Units > 0 && int64(q.Units) != q.Quantity:
		fail("%d labelled units exist for a lot of %d", q.Units, q.Quantity)
	case q.Units > 0 && int64(active) != q.Available:
		fail("%d labelled units are active but the lot shows %d available", active, q.Available)
	case q.Units > 0 && int64(q.UnitsSold) != q.Sold:
		fail("%d units are marked sold but sales record %d", q.UnitsSold, q.Sold)
	}
	return q, nil
}

// consuming are the event types by which a lot gives up quantity to others.
var consuming = []string{trace.EventTransform, trace.EventSplit, trace.EventMerge, trace.EventPack}
