// Package epcis speaks GS1 EPCIS 2.0 and CBV 2.0 in the JSON-LD binding:
// AgriTrace's custody events as EPCIS events, the query interface's
// parameters and paging, and EPCIS capture documents mapped onto the same
// domain writes the REST API makes. It knows the domain (internal/trace)
// and no driver or HTTP framework; internal/api serves it.
package epcis

import (
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
)

// The JSON-LD context every document carries: GS1's EPCIS 2.0 context, and
// AgriTrace's own namespace for the fields EPCIS has no place for.
const (
	GS1Context    = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
	Namespace     = "https://ns.agritrace.org/epcis/"
	prefix        = "agritrace:"
	SchemaVersion = "2.0"
	// TimeZoneOffset is where AgriTrace's events happen: China Standard
	// Time. Event times are kept and written in UTC.
	TimeZoneOffset = "+08:00"
)

// Context returns the @context of AgriTrace's documents.
func Context() []any {
	return []any{GS1Context, map[string]any{"agritrace": Namespace}}
}

// EPCIS event types.
const (
	ObjectEvent         = "ObjectEvent"
	AggregationEvent    = "AggregationEvent"
	TransformationEvent = "TransformationEvent"
	TransactionEvent    = "TransactionEvent"
	AssociationEvent    = "AssociationEvent"
)

// Actions of object, aggregation and transaction events.
const (
	ActionAdd     = "ADD"
	ActionObserve = "OBSERVE"
	ActionDelete  = "DELETE"
)

// shape is how one kind of AgriTrace event is told in EPCIS.
type shape struct {
	eventType   string
	action      string
	bizStep     string
	disposition string
	// bizLocation is whether the objects stay where the event happened:
	// not when they leave on a truck or with a shopper.
	bizLocation bool
}

// shapes are the mapping table of the README, one row per event type. A pack
// is two AgriTrace events: the filled lot's (ADD: its units come into being)
// and the bulk lot's (OBSERVE: part of it was filled); see shapeOf.
var shapes = map[string]shape{
	trace.EventCommission: {ObjectEvent, ActionAdd, "commissioning", "active", true},
	trace.EventInspect:    {ObjectEvent, ActionObserve, "inspecting", "", true},
	trace.EventShip:       {ObjectEvent, ActionObserve, "shipping", "in_transit", false},
	trace.EventReceive:    {ObjectEvent, ActionObserve, "receiving", "in_progress", true},
	trace.EventSell:       {ObjectEvent, ActionObserve, "retail_selling", "retail_sold", false},
	trace.EventRecall:     {ObjectEvent, ActionObserve, "holding", "recalled", true},
	trace.EventPack:       {ObjectEvent, ActionAdd, "packing", "active", true},
	trace.EventTransform:  {TransformationEvent, "", "commissioning", "active", true},
	trace.EventSplit:      {TransformationEvent, "", "repackaging", "active", true},
	trace.EventMerge:      {TransformationEvent, "", "repackaging", "active", true},
	trace.EventCertify:    {ObjectEvent, ActionObserve, "inspecting", "conformant", true},
}

// shapeOf returns the shape of e. A type this package does not know (one
// added later) is an ObjectEvent observing the lot, with its CBV business
// step from trace.BizSteps, so that every event can be exported.
func shapeOf(e trace.Event, payload map[string]any) shape {
	sh, ok := shapes[e.Type]
	if !ok {
		return shape{ObjectEvent, ActionObserve, bizStepOf(e), "", true}
	}
	if e.Type == trace.EventPack {
		if _, into := payload["into"]; into {
			sh.action, sh.disposition = ActionObserve, "in_progress"
		}
	}
	return sh
}

// cbvBizSteps are CBV 2.0's business steps, written bare in JSON-LD.
var cbvBizSteps = words("accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting installing killing loading other packing picking receiving removing repackaging repairing replacing reserving retail_selling sampling sensor_reporting shipping staging_outbound stock_taking stocking storing transporting unloading unpacking void_shipping")

// cbvDispositions are CBV 2.0's dispositions.
var cbvDispositions = words("active available completeness_inferred completeness_verified conformant container_closed container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit inactive mismatch_class mismatch_instance mismatch_quantity needs_replacement no_pedigree_match non_conformant non_sellable_other partially_dispensed recalled reserved retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable unknown")

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// bizStepOf is the business step of an event type without a row in shapes:
// its trace.BizSteps value, bare when CBV 2.0 has the word, else a term of
// AgriTrace's namespace (JSON-LD must not coin words in CBV's own).
func bizStepOf(e trace.Event) string {
	v := trace.BizSteps[e.Type]
	if v == "" {
		v = e.BizStep
	}
	w, ok := strings.CutPrefix(v, "urn:epcglobal:cbv:bizstep:")
	switch {
	case ok && cbvBizSteps[w]:
		return w
	case ok:
		return Namespace + "bizstep/" + w
	case v == "":
		return Namespace + "bizstep/" + e.Type
	case cbvBizSteps[v]:
		return v
	case !strings.Contains(v, ":"):
		return Namespace + "bizstep/" + v
	}
	return v
}

// Bare returns a CBV business step or disposition as JSON-LD writes it: a
// CBV URI, URN or web form, as its bare word; anything else unchanged.
func Bare(v string) string {
	for _, p := range []string{"urn:epcglobal:cbv:bizstep:", "urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/BizStep-", "https://ref.gs1.org/cbv/Disp-"} {
		if w, ok := strings.CutPrefix(v, p); ok {
			return w
		}
	}
	return v
}
