package epcis

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// Paging: perPage as the REST binding names it, bounded so a page stays one
// quick read.
const (
	DefaultPerPage = 30
	MaxPerPage     = 1000
)

// Query is a SimpleEventQuery as the REST binding's GET /events parameters
// give it. Lists hold alternatives (any may match); parameters are ANDed.
type Query struct {
	EventTypes   []string
	Actions      []string
	BizSteps     []string
	Dispositions []string
	ReadPoints   []string
	BizLocations []string
	// EPCs match epcList (MATCH_epc); AnyEPCs also parentID (MATCH_anyEPC).
	EPCs, AnyEPCs []string
	// Classes match quantityList (MATCH_epcClass); AnyClasses also the input
	// and output lists of transformations (MATCH_anyEPCClass).
	Classes, AnyClasses []string
	// From and To bound eventTime (and recordTime, the same in AgriTrace):
	// GE_eventTime, LT_eventTime, GE_recordTime, LT_recordTime.
	From, To time.Time
	PerPage  int
	// After is where nextPageToken says the previous page ended.
	After *trace.EventKey
}

// ParseQuery reads the query parameters of GET /epcis/events. A list
// parameter may be repeated or hold comma-separated values. A parameter this
// service does not know is an error, as the standard asks, rather than a
// filter silently not applied.
func ParseQuery(v url.Values) (Query, error) {
	q := Query{PerPage: DefaultPerPage}
	lists := map[string]*[]string{
		"eventType": &q.EventTypes, "EQ_action": &q.Actions, "EQ_bizStep": &q.BizSteps, "EQ_disposition": &q.Dispositions,
		"EQ_readPoint": &q.ReadPoints, "EQ_bizLocation": &q.BizLocations, "MATCH_epc": &q.EPCs, "MATCH_anyEPC": &q.AnyEPCs,
		"MATCH_epcClass": &q.Classes, "MATCH_anyEPCClass": &q.AnyClasses,
	}
	for name, vals := range v {
		if l, ok := lists[name]; ok {
			for _, s := range vals {
				for _, part := range strings.Split(s, ",") {
					if part = strings.TrimSpace(part); part != "" {
						*l = append(*l, part)
					}
				}
			}
			continue
		}
		var err error
		switch name {
		// AgriTrace records an event when it happens, so recordTime is
		// eventTime and both bound the same time.
		case "GE_eventTime", "GE_recordTime":
			var t time.Time
			if t, err = parseTime(name, v.Get(name)); t.After(q.From) {
				q.From = t
			}
		case "LT_eventTime", "LT_recordTime":
			var t time.Time
			if t, err = parseTime(name, v.Get(name)); q.To.IsZero() || t.Before(q.To) {
				q.To = t
			}
		case "perPage":
			n, perr := strconv.Atoi(v.Get(name))
			if perr != nil || n < 1 || n > MaxPerPage {
				err = trace.FieldErrorf(trace.EINVALID, name, "perPage must be a whole number from 1 to %d", MaxPerPage)
			}
			q.PerPage = n
		case "nextPageToken":
			q.After, err = parseToken(v.Get(name))
		default:
			err = trace.FieldErrorf(trace.EINVALID, name, "query parameter %s is not one this service supports (see the README's EPCIS section)", name)
		}
		if err != nil {
			return Query{}, err
		}
	}
	for i, s := range q.BizSteps {
		q.BizSteps[i] = Bare(s)
	}
	for i, s := range q.Dispositions {
		q.Dispositions[i] = Bare(s)
	}
	for _, l := range []*[]string{&q.EPCs, &q.AnyEPCs} {
		for i, s := range *l {
			if gtin, serial, err := ParseInstance(s); err == nil {
				(*l)[i] = InstanceURI(gtin, serial)
			}
		}
	}
	for _, l := range []*[]string{&q.Classes, &q.AnyClasses} {
		for i, s := range *l {
			if id, err := ParseClass(s); err == nil {
				(*l)[i] = ClassURI(id)
			}
		}
	}
	return q, nil
}

func parseTime(name, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, trace.FieldErrorf(trace.EINVALID, name, "%s must be an RFC 3339 time, e.g. 2026-06-01T00:00:00Z", name)
	}
	return t, nil
}

// Token is the nextPageToken that continues a listing after key: opaque to
// clients, and carrying no more than where the last page ended.
func Token(key trace.EventKey) string {
	b, _ := json.Marshal(key)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseToken(s string) (*trace.EventKey, error) {
	var k trace.EventKey
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &k)
	}
	if err != nil || k.Lot == "" {
		return nil, trace.FieldErrorf(trace.EINVALID, "nextPageToken", "nextPageToken is not one this service gave")
	}
	return &k, nil
}

// matching reports whether the lists of the query that have values hold one
// of the event's; time and paging are applied by the caller.
func (q Query) matches(ev map[string]any) bool {
	str := func(k string) string { s, _ := ev[k].(string); return s }
	id := func(k string) string { m, _ := ev[k].(map[string]any); s, _ := m["id"].(string); return s }
	one := func(want []string, got string) bool { return len(want) == 0 || slices.Contains(want, got) }
	return one(q.EventTypes, str("type")) && one(q.Actions, str("action")) && one(q.BizSteps, Bare(str("bizStep"))) &&
		one(q.Dispositions, Bare(str("disposition"))) && one(q.ReadPoints, id("readPoint")) && one(q.BizLocations, id("bizLocation")) &&
		anyIn(q.EPCs, ev, "epcList", "childEPCs", "inputEPCList", "outputEPCList") &&
		anyIn(q.AnyEPCs, ev, "epcList", "childEPCs", "inputEPCList", "outputEPCList", "parentID") &&
		anyIn(q.Classes, ev, "quantityList", "childQuantityList") &&
		anyIn(q.AnyClasses, ev, "quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
}

// anyIn reports whether one of want is named in one of the event's fields:
// lists of EPCs, lists of quantity elements (by epcClass), or a parentID.
func anyIn(want []string, ev map[string]any, fields ...string) bool {
	if len(want) == 0 {
		return true
	}
	for _, f := range fields {
		var names []string
		switch v := ev[f].(type) {
		case string:
			names = append(names, v)
		case []any:
			for _, x := range v {
				switch x := x.(type) {
				case string:
					names = append(names, x)
				case map[string]any:
					if c, ok := x["epcClass"].(string); ok {
						names = append(names, c)
					}
				}
			}
		}
		for _, n := range names {
			if slices.Contains(want, n) {
				return true
			}
		}
	}
	return false
}

// types are the AgriTrace event types whose EPCIS form can match the query's
// event types and business steps; nil means any.
func (q Query) types() []string {
	if len(q.EventTypes) == 0 && len(q.BizSteps) == 0 {
		return nil
	}
	all := map[string]bool{}
	for t := range trace.BizSteps {
		all[t] = true
	}
	for t := range shapes {
		all[t] = true
	}
	out := []string{}
	for t := range all {
		sh := shapeOf(trace.Event{Type: t}, nil)
		if (len(q.EventTypes) == 0 || slices.Contains(q.EventTypes, sh.eventType)) &&
			(len(q.BizSteps) == 0 || slices.Contains(q.BizSteps, sh.bizStep)) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// keyOf is an event's place in the listing order.
func keyOf(e trace.Event) trace.EventKey { return trace.EventKey{Time: e.Time, Lot: e.Lot, Seq: e.Seq} }

// before orders keys as EventsPage does: time, lot, seq.
func before(a, b trace.EventKey) bool {
	if !a.Time.Equal(b.Time) {
		return a.Time.Before(b.Time)
	}
	if a.Lot != b.Lot {
		return a.Lot < b.Lot
	}
	return a.Seq < b.Seq
}
