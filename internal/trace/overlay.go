package trace

import (
	"context"
	"slices"
	"sort"

	"github.com/agritrace/agritrace/chain/custody"
)

// overlay is the store as a batch sees it: the writes of the batch's accepted
// events, not yet committed, over the real store. Each event of a batch runs
// through the ordinary Service methods with an overlay as their Store, so the
// rules are the REST endpoints' own, and every event sees the state the
// earlier ones left. Its Commit only records; change() merges everything into
// the one Change the batch commits.
//
// Products, organizations, prefixes and licences are read once per batch: a
// batch is judged against them as they stood when it began, as a single REST
// request is. Lots and units are not cached: the store is asked again, and the
// final commit checks every lot and unit the batch writes against what was read.
type overlay struct {
	Store
	lots      map[string]*LotWrite
	lotOrder  []string
	units     map[string]*UnitWrite
	unitOrder []string
	// children and unitsOf index the lots and units the batch creates by
	// parent and by lot, for Lots and Units.
	children map[string][]string
	unitsOf  map[string][]string
	events   []Event
	anchors  []custody.Record

	products map[string]Product
	orgs     map[string]Org
	licences map[string][]LicenceEntry
	prefixes []Prefix
}

func newOverlay(st Store) *overlay {
	return &overlay{
		Store: st, lots: map[string]*LotWrite{}, units: map[string]*UnitWrite{},
		children: map[string][]string{}, unitsOf: map[string][]string{},
		products: map[string]Product{}, orgs: map[string]Org{}, licences: map[string][]LicenceEntry{},
	}
}

// clip makes the slices of a lot handed out or taken in unshared: a writer
// that appends to them then copies instead of writing into another lot
// state's array.
func clip(l Lot) Lot {
	l.Parents, l.Holders, l.Areas = slices.Clip(l.Parents), slices.Clip(l.Holders), slices.Clip(l.Areas)
	return l
}

func (o *overlay) Lot(ctx context.Context, id string) (Lot, error) {
	if w, ok := o.lots[id]; ok {
		return clip(w.Lot), nil
	}
	return o.Store.Lot(ctx, id)
}

func (o *overlay) Lots(ctx context.Context, f LotFilter) ([]Lot, error) {
	limit := f.Limit
	f.Limit = 0
	stored, err := o.Store.Lots(ctx, f)
	if err != nil {
		return nil, err
	}
	// A lot's parents never change, so under a parent filter the store finds
	// every lot but those the batch creates; under any other, pending state
	// decides for every lot the batch wrote.
	var out []Lot
	for _, l := range stored {
		p, ok := o.lots[l.ID]
		switch {
		case !ok:
			out = append(out, l)
		case f.Parent != "" && f.matches(p.Lot):
			out = append(out, clip(p.Lot))
		}
	}
	candidates := o.lotOrder
	if f.Parent != "" {
		candidates = o.children[f.Parent]
	}
	for _, id := range candidates {
		if l := o.lots[id].Lot; f.matches(l) {
			out = append(out, clip(l))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// LotsByID answers the batch's lots from pending state and the rest from the
// store. Every Store method that reads lots or units is overridden here: one
// left to the embedded store would not see what the batch made.
func (o *overlay) LotsByID(ctx context.Context, ids []string) ([]Lot, error) {
	var out []Lot
	var rest []string
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if w, ok := o.lots[id]; ok {
			out = append(out, clip(w.Lot))
		} else {
			rest = append(rest, id)
		}
	}
	if len(rest) == 0 {
		return out, nil
	}
	stored, err := o.Store.LotsByID(ctx, rest)
	return append(out, stored...), err
}

// ChildLots adds the lots the batch made from parents to the store's, and
// shows pending state for children the batch wrote; parents never change, so
// no stored child stops being one.
func (o *overlay) ChildLots(ctx context.Context, parents []string) ([]Lot, error) {
	stored, err := o.Store.ChildLots(ctx, parents)
	if err != nil {
		return nil, err
	}
	out := make([]Lot, 0, len(stored))
	seen := map[string]bool{}
	for _, l := range stored {
		if w, ok := o.lots[l.ID]; ok {
			l = clip(w.Lot)
		}
		seen[l.ID] = true
		out = append(out, l)
	}
	for _, p := range parents {
		for _, id := range o.children[p] {
			if !seen[id] {
				seen[id] = true
				out = append(out, clip(o.lots[id].Lot))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// matches is LotFilter's meaning for one lot, as the stores implement it.
func (f LotFilter) matches(l Lot) bool {
	switch {
	case f.Parent != "" && !slices.ContainsFunc(l.Parents, func(p Portion) bool { return p.Lot == f.Parent }),
		f.Custodian != "" && l.Custodian != f.Custodian,
		f.Status != "" && l.Status != f.Status,
		f.GTIN != "" && l.GTIN != f.GTIN,
		f.Holder != "" && l.Custodian != f.Holder && l.Producer != f.Holder && !slices.Contains(l.Holders, f.Holder),
		f.Area != "" && !slices.Contains(l.Areas, f.Area):
		return false
	}
	return true
}

func (o *overlay) Unit(ctx context.Context, serial string) (Unit, error) {
	if w, ok := o.units[serial]; ok {
		return w.Unit, nil
	}
	return o.Store.Unit(ctx, serial)
}

func (o *overlay) Units(ctx context.Context, lot string) ([]Unit, error) {
	stored, err := o.Store.Units(ctx, lot)
	if err != nil {
		return nil, err
	}
	var out []Unit
	for _, u := range stored {
		if p, ok := o.units[u.Serial]; ok {
			u = p.Unit
		}
		out = append(out, u)
	}
	for _, serial := range o.unitsOf[lot] {
		out = append(out, o.units[serial].Unit)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Serial < out[j].Serial })
	return out, nil
}

func (o *overlay) Product(ctx context.Context, gtin string) (Product, error) {
	if p, ok := o.products[gtin]; ok {
		return p, nil
	}
	p, err := o.Store.Product(ctx, gtin)
	if err == nil {
		o.products[gtin] = p
	}
	return p, err
}

func (o *overlay) Org(ctx context.Context, id string) (Org, error) {
	if g, ok := o.orgs[id]; ok {
		return g, nil
	}
	g, err := o.Store.Org(ctx, id)
	if err == nil {
		o.orgs[id] = g
	}
	return g, err
}

func (o *overlay) Prefixes(ctx context.Context) ([]Prefix, error) {
	if o.prefixes != nil {
		return o.prefixes, nil
	}
	p, err := o.Store.Prefixes(ctx)
	if err == nil {
		o.prefixes = p
	}
	return p, err
}

func (o *overlay) LicenceEntries(ctx context.Context, gtin string) ([]LicenceEntry, error) {
	if e, ok := o.licences[gtin]; ok {
		return e, nil
	}
	e, err := o.Store.LicenceEntries(ctx, gtin)
	if err == nil {
		o.licences[gtin] = e
	}
	return e, err
}

// Commit records one event's change over the pending state. It is checked
// whole before any of it is recorded, so a refused change leaves nothing.
func (o *overlay) Commit(_ context.Context, c Change) error {
	if len(c.Complaints)+len(c.ComplaintEntries)+len(c.Evidence)+len(c.Licences) > 0 {
		return Errorf(EINTERNAL, "a batch records custody events only")
	}
	for _, w := range c.Lots {
		p, ok := o.lots[w.Lot.ID]
		switch {
		case ok && w.PrevSeq < 0:
			return Errorf(ECONFLICT, "lot %s already exists", w.Lot.ID)
		case ok && p.Lot.Seq != w.PrevSeq:
			return Errorf(ECONFLICT, "lot %s changed while this event was being applied", w.Lot.ID)
		}
	}
	for _, w := range c.Units {
		p, ok := o.units[w.Unit.Serial]
		switch {
		case ok && w.PrevStatus == "":
			return Errorf(ECONFLICT, "unit %s already exists", w.Unit.Serial)
		case ok && p.Unit.Status != w.PrevStatus:
			return Errorf(ECONFLICT, "unit %s changed while this event was being applied", w.Unit.Serial)
		}
	}
	for _, w := range c.Lots {
		// A lot written twice keeps the PrevSeq it was first read at: that
		// is what the store must still hold when the batch commits.
		if p, ok := o.lots[w.Lot.ID]; ok {
			p.Lot = clip(w.Lot)
			continue
		}
		o.lots[w.Lot.ID] = &LotWrite{Lot: clip(w.Lot), PrevSeq: w.PrevSeq}
		o.lotOrder = append(o.lotOrder, w.Lot.ID)
		for _, p := range w.Lot.Parents {
			if w.PrevSeq < 0 {
				o.children[p.Lot] = append(o.children[p.Lot], w.Lot.ID)
			}
		}
	}
	for _, w := range c.Units {
		if p, ok := o.units[w.Unit.Serial]; ok {
			p.Unit = w.Unit
			continue
		}
		o.units[w.Unit.Serial] = &UnitWrite{Unit: w.Unit, PrevStatus: w.PrevStatus}
		o.unitOrder = append(o.unitOrder, w.Unit.Serial)
		if w.PrevStatus == "" {
			o.unitsOf[w.Unit.Lot] = append(o.unitsOf[w.Unit.Lot], w.Unit.Serial)
		}
	}
	o.events = append(o.events, c.Events...)
	o.anchors = append(o.anchors, c.Anchors...)
	return nil
}

// change is everything the batch's accepted events wrote, as one Change: each
// lot and unit once, with its first PrevSeq or PrevStatus and its last state.
func (o *overlay) change() Change {
	c := Change{Events: o.events, Anchors: o.anchors}
	for _, id := range o.lotOrder {
		c.Lots = append(c.Lots, *o.lots[id])
	}
	for _, serial := range o.unitOrder {
		c.Units = append(c.Units, *o.units[serial])
	}
	return c
}
