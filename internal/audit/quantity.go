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
	fail := func(en, zh string) {
		if q.OK {
			q.OK, q.Problem, q.ProblemZH = false, en, zh
		}
	}
	add := func(sum *int64, v int64) {
		s, err := trace.AddQuantities("", *sum, v)
		if err != nil {
			fail(fmt.Sprintf("its quantities add up to more than the maximum of %d %s (a term of %d): the records cannot be right", trace.MaxQuantity, l.BaseUnit, v),
				fmt.Sprintf("数量之和超过上限 %d %s（其中一项为 %d）：记录不可能正确", trace.MaxQuantity, l.BaseUnit, v))
			return
		}
		*sum = s
	}
	for _, v := range []int64{l.Quantity, l.Available} {
		if v < 0 || v > trace.MaxQuantity {
			fail(fmt.Sprintf("the lot records %d %s with %d available, outside 0 to the maximum of %d", l.Quantity, l.BaseUnit, l.Available, trace.MaxQuantity),
				fmt.Sprintf("批次记录数量 %d %s、可用 %d，超出 0 至上限 %d 的范围", l.Quantity, l.BaseUnit, l.Available, trace.MaxQuantity))
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
		fail(fmt.Sprintf("%d %s went into other lots and %d were sold, but the lot only held %d", q.ToLots, l.BaseUnit, q.Sold, q.Quantity),
			fmt.Sprintf("转入其他批次 %d %s、售出 %d，但该批次只有 %d", q.ToLots, l.BaseUnit, q.Sold, q.Quantity))
	case q.ToLots != given:
		fail(fmt.Sprintf("lots made from this one claim %d %s of it, but its own events gave up %d", q.ToLots, l.BaseUnit, given),
			fmt.Sprintf("由其制成的批次声称使用了 %d %s，但本批次事件只记录付出 %d", q.ToLots, l.BaseUnit, given))
	case q.Quantity-left != q.Available:
		fail(fmt.Sprintf("the lot shows %d %s available, but its history leaves %d", q.Available, l.BaseUnit, q.Quantity-left),
			fmt.Sprintf("批次显示可用 %d %s，但按其历史应剩 %d", q.Available, l.BaseUnit, q.Quantity-left))
	case q.Units > 0 && int64(q.Units) != q.Quantity:
		fail(fmt.Sprintf("%d labelled units exist for a lot of %d", q.Units, q.Quantity),
			fmt.Sprintf("数量为 %d 的批次却有 %d 个带标签的单品", q.Quantity, q.Units))
	case q.Units > 0 && int64(active) != q.Available:
		fail(fmt.Sprintf("%d labelled units are active but the lot shows %d available", active, q.Available),
			fmt.Sprintf("有 %d 个单品处于在售状态，但批次只显示可用 %d", active, q.Available))
	case q.Units > 0 && int64(q.UnitsSold) != q.Sold:
		fail(fmt.Sprintf("%d units are marked sold but sales record %d", q.UnitsSold, q.Sold),
			fmt.Sprintf("有 %d 个单品标记为已售，但销售记录为 %d", q.UnitsSold, q.Sold))
	}
	return q, nil
}

// consuming are the event types by which a lot gives up quantity to others.
var consuming = []string{trace.EventTransform, trace.EventSplit, trace.EventMerge, trace.EventPack}
