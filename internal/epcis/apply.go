package epcis

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
)

// apply records one captured event as the REST write it stands for, on svc
// (the capture's view of the store, so an event sees what earlier events of
// the same capture did). What AgriTrace cannot record is refused for that
// event alone.
func (s *Service) apply(ctx context.Context, svc *trace.Service, actor trace.Org, ev event) (trace.Result, error) {
	if err := recorded(ctx, svc, ev); err != nil {
		return trace.Result{}, err
	}
	switch ev.str("type") {
	case ObjectEvent:
		return s.applyObject(ctx, svc, actor, ev)
	case TransformationEvent:
		return s.applyTransformation(ctx, svc, actor, ev)
	}
	return trace.Result{}, trace.FieldErrorf(trace.EUNPROCESSABLE, "type", "AgriTrace captures ObjectEvents and TransformationEvents, not %s", ev.str("type"))
}

func (s *Service) applyObject(ctx context.Context, svc *trace.Service, actor trace.Org, ev event) (trace.Result, error) {
	action, step, disp := ev.str("action"), Bare(ev.str("bizStep")), Bare(ev.str("disposition"))
	place := s.place(ev)
	switch {
	case action == ActionAdd && step == "commissioning":
		return s.commission(ctx, svc, actor, ev, place)
	case action == ActionAdd && step == "packing":
		return s.pack(ctx, svc, actor, ev, place)
	case action != ActionObserve:
		return trace.Result{}, trace.FieldErrorf(trace.EUNPROCESSABLE, "action", "AgriTrace records ADD for commissioning and packing, and OBSERVE otherwise; not %s with bizStep %q", action, step)
	case step == "packing" && ev.ext("into") != nil:
		return trace.Result{}, trace.FieldErrorf(trace.EUNPROCESSABLE, "bizStep", "the bulk lot's side of a pack is recorded by the pack's ADD event of the filled lot")
	}
	lot, err := lotOf(ctx, svc, ev)
	if err != nil {
		return trace.Result{}, err
	}
	switch {
	case disp == "recalled":
		return svc.Recall(ctx, actor, lot, trace.RecallInput{Reason: ev.extStr("reason"), Advice: ev.extStr("advice"), Place: place})
	case step == "inspecting":
		return svc.Inspect(ctx, actor, lot, trace.InspectInput{Results: pairs(ev.ext("results")), Note: ev.extStr("note"), Place: place})
	case step == "shipping":
		to := s.partyIn(ev, "destinationList", "destination")
		if to == "" {
			return trace.Result{}, trace.FieldErrorf(trace.EINVALID, "destinationList", "name the receiving organization in destinationList as owning_party or possessing_party, %s", party(s.Base, "{id}"))
		}
		return svc.Ship(ctx, actor, lot, trace.ShipInput{To: to, Place: place})
	case step == "receiving":
		return svc.Receive(ctx, actor, lot, trace.ReceiveInput{Place: place})
	case step == "retail_selling":
		in := trace.SellInput{Place: place}
		for _, epc := range list(ev["epcList"]) {
			_, serial, _ := ParseInstance(fmt.Sprint(epc))
			in.Serials = append(in.Serials, serial)
		}
		if len(in.Serials) == 0 {
			q, err := quantityOf(ctx, svc, ev, "quantityList")
			if err != nil {
				return trace.Result{}, err
			}
			in.Quantity = q
		}
		return svc.Sell(ctx, actor, lot, in)
	}
	return trace.Result{}, trace.FieldErrorf(trace.EUNPROCESSABLE, "bizStep", "AgriTrace has no write for an ObjectEvent with bizStep %q and disposition %q (see the README's EPCIS mapping)", step, disp)
}

func (s *Service) commission(ctx context.Context, svc *trace.Service, actor trace.Org, ev event, place *trace.PlaceInput) (trace.Result, error) {
	qs := list(ev["quantityList"])
	if len(qs) != 1 || len(list(ev["epcList"])) > 0 {
		return trace.Result{}, trace.FieldErrorf(trace.EUNPROCESSABLE, "quantityList", "a commissioning records one lot: one quantityList entry, and no epcList (units are issued by packing)")
	}
	id, q, err := s.output(ctx, svc, asMap(qs[0]), "quantityList[0]")
	if err != nil {
		return trace.Result{}, err
	}
	in := trace.CommissionInput{Quantity: q, Place: place, Attributes: pairs(ev.ext("attributes"))}
	in.GTIN, in.Lot = splitLot(id)
	if o := ev.ext("origin"); o != nil {
		in.Origin = &trace.Origin{}
		if err := unprefixed(o, in.Origin); err != nil {
			return trace.Result{}, trace.FieldErrorf(trace.EINVALID, "agritrace:origin", "agritrace:origin: %v", err)
		}
	}
	return svc.Commission(ctx, actor, in)
}

func (s *Service) pack(ctx context.Context, svc *trace.Service, actor trace.Org, ev event, place *trace.PlaceInput) (trace.Result, error) {
	qs := list(ev["quantityList"])
	if len(qs) != 1 {
		return trace.Result{}, trace.FieldErrorf(trace.EUNPROCESSABLE, "quantityList", "a packing records one filled lot: one quantityList entry with its count of units")
	}
	id, count, err := s.output(ctx, svc, asMap(qs[0]), "quantityList[0]")
	if err != nil {
		return trace.Result{}, err
	}
	from, err := ParseClass(ev.extStr("from"))
	if err != nil {
		return trace.Result{}, trace.FieldErrorf(trace.EINVALID, "agritrace:from", "agritrace:from names the bulk lot filled, as its LGTIN: %v", err)
	}
	size, _ := ev.ext("unitSize").(json.Number)
	n, err := size.Int64()
	if err != nil {
		return trace.Result{}, trace.FieldErrorf(trace.EINVALID, "agritrace:unitSize", "agritrace:unitSize is the bulk quantity per unit in base units, e.g. 5000 (mL)")
	}
	in := trace.PackInput{Count: int(count), UnitSize: n, Place: place}
	in.GTIN, in.Lot = splitLot(id)
	return svc.Pack(ctx, actor, from, in)
}

func (s *Service) applyTransformation(ctx context.Context, svc *trace.Service, actor trace.Org, ev event) (trace.Result, error) {
	if len(list(ev["inputEPCList"]))+len(list(ev["outputEPCList"])) > 0 {
		return trace.Result{}, trace.FieldErrorf(trace.EUNPROCESSABLE, "inputEPCList", "AgriTrace transforms lots (inputQuantityList, outputQuantityList), not serialized units")
	}
	if Bare(ev.str("bizStep")) == "repackaging" {
		return s.repackage(ctx, svc, actor, ev)
	}
	in := trace.TransformInput{Place: s.place(ev)}
	for i, x := range list(ev["inputQuantityList"]) {
		field := fmt.Sprintf("inputQuantityList[%d]", i)
		el := asMap(x)
		id, err := ParseClass(fmt.Sprint(el["epcClass"]))
		if err != nil {
			return trace.Result{}, trace.FieldErrorf(trace.EINVALID, field, "%v", err)
		}
		l, err := svc.Store.Lot(ctx, id)
		if trace.ErrorCode(err) == trace.ENOTFOUND {
			return trace.Result{}, trace.FieldErrorf(trace.ENOTFOUND, field, "lot %s not found", id)
		} else if err != nil {
			return trace.Result{}, err
		}
		q, err := elementQuantity(el, l.BaseUnit, field)
		if err != nil {
			return trace.Result{}, err
		}
		in.Inputs = append(in.Inputs, trace.Portion{Lot: id, Quantity: q})
	}
	for i, x := range list(ev["outputQuantityList"]) {
		id, q, err := s.output(ctx, svc, asMap(x), fmt.Sprintf("outputQuantityList[%d]", i))
		if err != nil {
			return trace.Result{}, err
		}
		gtin, number := splitLot(id)
		in.Outputs = append(in.Outputs, trace.OutputInput{GTIN: gtin, Lot: number, Quantity: q})
	}
	return svc.Transform(ctx, actor, in)
}

// repackage records a TransformationEvent with bizStep repackaging as AgriTrace
// tells splits and merges: one lot into parts of the same product (a split),
// or whole lots of one product into one (a merge, which takes all that is
// left of each input, so input quantities are not read).
func (s *Service) repackage(ctx context.Context, svc *trace.Service, actor trace.Org, ev event) (trace.Result, error) {
	ins, outs := list(ev["inputQuantityList"]), list(ev["outputQuantityList"])
	var inputs []string
	for i, x := range ins {
		id, err := ParseClass(fmt.Sprint(asMap(x)["epcClass"]))
		if err != nil {
			return trace.Result{}, trace.FieldErrorf(trace.EINVALID, fmt.Sprintf("inputQuantityList[%d]", i), "%v", err)
		}
		inputs = append(inputs, id)
	}
	place := s.place(ev)
	switch {
	case len(inputs) == 1 && len(outs) > 0:
		in := trace.SplitInput{Place: place}
		for i, x := range outs {
			id, q, err := s.output(ctx, svc, asMap(x), fmt.Sprintf("outputQuantityList[%d]", i))
			if err != nil {
				return trace.Result{}, err
			}
			gtin, number := splitLot(id)
			if g, _ := splitLot(inputs[0]); g != gtin {
				return trace.Result{}, trace.FieldErrorf(trace.EUNPROCESSABLE, fmt.Sprintf("outputQuantityList[%d]", i), "a repackaging keeps the product (%s); a change of product is a transformation with bizStep commissioning", g)
			}
			in.Parts = append(in.Parts, trace.OutputInput{GTIN: gtin, Lot: number, Quantity: q})
		}
		return svc.Split(ctx, actor, inputs[0], in)
	case len(inputs) > 1 && len(outs) == 1:
		id, err := ParseClass(fmt.Sprint(asMap(outs[0])["epcClass"]))
		if err != nil {
			return trace.Result{}, trace.FieldErrorf(trace.EINVALID, "outputQuantityList[0]", "%v", err)
		}
		gtin, number := splitLot(id)
		for i, in := range inputs {
			if g, _ := splitLot(in); g != gtin {
				return trace.Result{}, trace.FieldErrorf(trace.EUNPROCESSABLE, fmt.Sprintf("inputQuantityList[%d]", i), "a merge combines lots of one product (%s)", gtin)
			}
		}
		return svc.Merge(ctx, actor, trace.MergeInput{Inputs: inputs, Lot: number, Place: place})
	}
	return trace.Result{}, trace.FieldErrorf(trace.EUNPROCESSABLE, "inputQuantityList", "a repackaging is one lot into parts (a split) or several lots into one (a merge)")
}

// output reads a quantity element of a lot to be made: its lot id and its
// quantity in the base unit of its (registered) product.
func (s *Service) output(ctx context.Context, svc *trace.Service, el map[string]any, field string) (string, int64, error) {
	id, err := ParseClass(fmt.Sprint(el["epcClass"]))
	if err != nil {
		return "", 0, trace.FieldErrorf(trace.EINVALID, field, "%v", err)
	}
	gtin, _ := splitLot(id)
	p, err := svc.Store.Product(ctx, gtin)
	if trace.ErrorCode(err) == trace.ENOTFOUND {
		return "", 0, trace.FieldErrorf(trace.EUNPROCESSABLE, field, "product %s is not registered", gtin)
	} else if err != nil {
		return "", 0, err
	}
	q, err := elementQuantity(el, trace.BaseUnit(p.Unit), field)
	return id, q, err
}

// elementQuantity is a quantity element's quantity in baseUnit.
func elementQuantity(el map[string]any, baseUnit, field string) (int64, error) {
	n, ok := el["quantity"].(json.Number)
	if !ok {
		return 0, trace.FieldErrorf(trace.EINVALID, field, "give the quantity (with its uom: KGM, LTR or H87)")
	}
	uom, _ := el["uom"].(string)
	q, err := baseQuantity(n, uom, baseUnit)
	if err != nil {
		return 0, trace.FieldErrorf(trace.EUNPROCESSABLE, field, "%v", err)
	}
	return q, nil
}

// lotOf is the lot an ObjectEvent observes: its quantityList's class, or the
// lot of its epcList's first unit.
func lotOf(ctx context.Context, svc *trace.Service, ev event) (string, error) {
	if qs := list(ev["quantityList"]); len(qs) > 0 {
		id, err := ParseClass(fmt.Sprint(asMap(qs[0])["epcClass"]))
		if err != nil {
			return "", trace.FieldErrorf(trace.EINVALID, "quantityList[0].epcClass", "%v", err)
		}
		return id, nil
	}
	if epcs := list(ev["epcList"]); len(epcs) > 0 {
		_, serial, err := ParseInstance(fmt.Sprint(epcs[0]))
		if err != nil {
			return "", trace.FieldErrorf(trace.EINVALID, "epcList[0]", "%v", err)
		}
		u, err := svc.Store.Unit(ctx, serial)
		if trace.ErrorCode(err) == trace.ENOTFOUND {
			return "", trace.FieldErrorf(trace.ENOTFOUND, "epcList[0]", "unit %s not found", serial)
		}
		return u.Lot, err
	}
	return "", trace.FieldErrorf(trace.EINVALID, "quantityList", "name the lot in quantityList (its LGTIN) or its units in epcList")
}

// quantityOf is an ObjectEvent's quantity of its lot in the lot's base unit.
func quantityOf(ctx context.Context, svc *trace.Service, ev event, key string) (int64, error) {
	el := asMap(list(ev[key])[0])
	id, _ := ParseClass(fmt.Sprint(el["epcClass"]))
	l, err := svc.Store.Lot(ctx, id)
	if trace.ErrorCode(err) == trace.ENOTFOUND {
		return 0, trace.FieldErrorf(trace.ENOTFOUND, key, "lot %s not found", id)
	} else if err != nil {
		return 0, err
	}
	return elementQuantity(el, l.BaseUnit, key+"[0]")
}

// place is the event's business location, else its read point, when it is
// one of this service's place URIs; nil (the actor's own place) otherwise.
func (s *Service) place(ev event) *trace.PlaceInput {
	for _, k := range []string{"bizLocation", "readPoint"} {
		if p, ok := parsePlace(s.Base, fmt.Sprint(asMap(ev[k])["id"])); ok {
			return &p
		}
	}
	return nil
}

// partyIn is the organization a source or destination list names as owning
// party, else as possessing party; "" if it names none of this service's.
func (s *Service) partyIn(ev event, key, field string) string {
	for _, typ := range []string{"owning_party", "possessing_party"} {
		for _, x := range list(ev[key]) {
			m := asMap(x)
			if Bare(fmt.Sprint(m["type"])) == typ || fmt.Sprint(m["type"]) == "urn:epcglobal:cbv:sdt:"+typ {
				if org := parseParty(s.Base, fmt.Sprint(m[field])); org != "" {
					return org
				}
			}
		}
	}
	return ""
}

// recorded refuses, ECONFLICT, an event AgriTrace wrote itself and a client
// captures back (from a query's answer): its agritrace:lot, agritrace:seq and
// agritrace:hash name an event already in the lot's chain.
func recorded(ctx context.Context, svc *trace.Service, ev event) error {
	lot, hash := ev.extStr("lot"), ev.extStr("hash")
	if lot == "" || hash == "" {
		return nil
	}
	evs, err := svc.Store.Events(ctx, lot)
	if err != nil {
		return err
	}
	for _, e := range evs {
		if e.Hash == hash {
			return trace.FieldErrorf(trace.ECONFLICT, "agritrace:hash", "this is event %d of lot %s, recorded already", e.Seq, lot)
		}
	}
	return nil
}

func list(v any) []any { l, _ := v.([]any); return l }
