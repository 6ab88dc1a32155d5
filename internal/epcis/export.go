package epcis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// Exporter writes AgriTrace events as EPCIS 2.0 events.
type Exporter struct {
	// Base is the service's public base URL, under which places and
	// organizations are named.
	Base string
}

// Event is e as an EPCIS event, with its GS1 event hash ID as eventID and
// AgriTrace's own chain hash beside it (agritrace:hash). units gives the base
// unit (g, mL, piece) of every lot e names with a quantity.
func (x Exporter) Event(e trace.Event, units map[string]string) (map[string]any, error) {
	payload := map[string]any{}
	if len(e.Payload) > 0 {
		dec := json.NewDecoder(bytes.NewReader(e.Payload))
		dec.UseNumber()
		if err := dec.Decode(&payload); err != nil {
			return nil, fmt.Errorf("epcis: payload of %s/%d: %w", e.Lot, e.Seq, err)
		}
	}
	sh := shapeOf(e, payload)
	ev := map[string]any{
		"type":                sh.eventType,
		"eventTime":           trace.FormatTime(e.Time),
		"recordTime":          trace.FormatTime(e.Time),
		"eventTimeZoneOffset": TimeZoneOffset,
		"bizStep":             sh.bizStep,
		"readPoint":           map[string]any{"id": PlaceURI(x.Base, e.Place)},
		prefix + "lot":        e.Lot,
		prefix + "seq":        e.Seq,
		prefix + "type":       e.Type,
		prefix + "actor":      e.Actor,
		prefix + "hash":       e.Hash,
		prefix + "prevHash":   e.PrevHash,
	}
	if sh.action != "" {
		ev["action"] = sh.action
	}
	if sh.disposition != "" {
		ev["disposition"] = sh.disposition
	}
	if sh.bizLocation {
		ev["bizLocation"] = map[string]any{"id": PlaceURI(x.Base, e.Place)}
	}
	if e.Person != "" {
		ev[prefix+"person"] = e.Person
	}
	own := quantityElement(e.Lot, e.Quantity, units[e.Lot])
	if sh.eventType == TransformationEvent {
		x.transformation(ev, e, payload, own, units)
	} else {
		x.object(ev, e, payload, own)
	}
	if b, ok := payload["basis"].(map[string]any); ok {
		ev[prefix+"basis"] = named(b)
	}
	id, err := hashID(ev)
	if err != nil {
		return nil, fmt.Errorf("epcis: event hash of %s/%d: %w", e.Lot, e.Seq, err)
	}
	ev["eventID"] = id
	return ev, nil
}

// object fills in what an ObjectEvent says about the lot and its fields.
func (x Exporter) object(ev map[string]any, e trace.Event, p map[string]any, own map[string]any) {
	ev["quantityList"] = []any{own}
	str := func(k string) string { s, _ := p[k].(string); return s }
	switch e.Type {
	case trace.EventCommission:
		if o, ok := p["origin"].(map[string]any); ok {
			ev[prefix+"origin"] = prefixed(o)
		}
		if a, ok := p["attributes"].(map[string]any); ok {
			ev[prefix+"attributes"] = named(a)
		}
	case trace.EventInspect:
		if r, ok := p["results"].(map[string]any); ok {
			ev[prefix+"results"] = named(r)
		}
		if n := str("note"); n != "" {
			ev[prefix+"note"] = n
		}
	case trace.EventShip:
		ev["sourceList"] = x.parties("source", e.Actor)
		ev["destinationList"] = x.parties("destination", str("to"))
	case trace.EventReceive:
		ev["sourceList"] = x.parties("source", str("from"))
		ev["destinationList"] = x.parties("destination", e.Actor)
	case trace.EventSell:
		if serials, ok := p["serials"].([]any); ok && len(serials) > 0 {
			gtin, _ := splitLot(e.Lot)
			var epcs []any
			for _, s := range serials {
				if s, ok := s.(string); ok {
					epcs = append(epcs, InstanceURI(gtin, s))
				}
			}
			delete(ev, "quantityList")
			ev["epcList"] = epcs
		}
	case trace.EventRecall:
		ev[prefix+"reason"] = str("reason")
		ev[prefix+"advice"] = str("advice")
		if o := str("origin"); o != "" {
			ev[prefix+"recallOf"] = ClassURI(o)
		}
	case trace.EventCertify:
		// The certificate itself is public; the event points at it, as
		// EPCIS 2.0 lets an event point at the certificate it attests.
		ev["certificationInfo"] = x.Base + "/certificates/" + url.PathEscape(e.Lot)
		ev[prefix+"certificate"] = named(p)
	case trace.EventPack:
		if into := str("into"); into != "" {
			ev[prefix+"into"] = ClassURI(into)
			ev[prefix+"count"] = p["count"]
		} else {
			ev[prefix+"from"] = ClassURI(str("from"))
			ev[prefix+"serialsDigest"] = str("serialsDigest")
		}
		ev[prefix+"unitSize"] = p["unitSize"]
	default:
		if len(e.Payload) > 0 {
			ev[prefix+"payload"] = string(e.Payload)
		}
	}
}

// transformation fills in a TransformationEvent's inputs and outputs. Each
// lot of a transform, split or merge has its own event (and its own place in
// its chain), so one AgriTrace write is told as several TransformationEvents,
// each naming its lot with its quantity and the lots on the other side.
func (x Exporter) transformation(ev map[string]any, e trace.Event, p map[string]any, own map[string]any, units map[string]string) {
	classes := func(v any) []any {
		var out []any
		switch v := v.(type) {
		case string:
			out = append(out, map[string]any{"epcClass": ClassURI(v)})
		case []any:
			for _, id := range v {
				if id, ok := id.(string); ok {
					out = append(out, map[string]any{"epcClass": ClassURI(id)})
				}
			}
		}
		return out
	}
	switch {
	case p["inputs"] != nil:
		var in []any
		for _, v := range p["inputs"].([]any) {
			m, _ := v.(map[string]any)
			lot, _ := m["lot"].(string)
			q, _ := m["quantity"].(json.Number)
			n, _ := q.Int64()
			in = append(in, quantityElement(lot, n, units[lot]))
		}
		ev["inputQuantityList"], ev["outputQuantityList"] = in, []any{own}
	case p["from"] != nil:
		ev["inputQuantityList"], ev["outputQuantityList"] = classes(p["from"]), []any{own}
	default:
		out := p["outputs"]
		if out == nil {
			out = p["parts"]
		}
		if out == nil {
			out = p["into"]
		}
		ev["inputQuantityList"], ev["outputQuantityList"] = []any{own}, classes(out)
	}
}

// parties is an organization as both the owning and the possessing party:
// in AgriTrace the custodian holds a lot on its own account.
func (x Exporter) parties(kind, org string) []any {
	if org == "" {
		return []any{}
	}
	uri := party(x.Base, org)
	return []any{
		map[string]any{"type": "owning_party", kind: uri},
		map[string]any{"type": "possessing_party", kind: uri},
	}
}

// named writes free-form results or attributes as a list of name and value
// pairs: their names are data, not JSON-LD terms.
func named(m map[string]any) []any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, map[string]any{prefix + "name": k, prefix + "value": m[k]})
	}
	return out
}

// prefixed puts a fixed structure's field names into AgriTrace's namespace.
func prefixed(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[prefix+k] = v
	}
	return out
}

// LotsNamed returns every lot e names with a quantity: its own and a
// transform's inputs, whose base units Event needs.
func LotsNamed(e trace.Event) []string {
	ids := []string{e.Lot}
	var p struct {
		Inputs []trace.Portion `json:"inputs"`
	}
	if e.Type == trace.EventTransform || e.Type == trace.EventMerge {
		if json.Unmarshal(e.Payload, &p) == nil {
			for _, in := range p.Inputs {
				ids = append(ids, in.Lot)
			}
		}
	}
	return ids
}

// QueryDocument is events as the REST query interface answers them: an
// EPCISQueryDocument with the results of a SimpleEventQuery.
func QueryDocument(events []map[string]any, now time.Time) map[string]any {
	list := make([]any, len(events))
	for i, e := range events {
		list[i] = e
	}
	return map[string]any{
		"@context":      Context(),
		"type":          "EPCISQueryDocument",
		"schemaVersion": SchemaVersion,
		"creationDate":  trace.FormatTime(now),
		"epcisBody": map[string]any{
			"queryResults": map[string]any{
				"queryName":   "SimpleEventQuery",
				"resultsBody": map[string]any{"eventList": list},
			},
		},
	}
}
