package epcis

import (
	"context"
	"slices"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// Service answers EPCIS queries and captures over AgriTrace's domain, through
// the domain's own read and write rules.
type Service struct {
	Trace *trace.Service
	Exporter
	jobs jobs
}

// Page is one page of a query's events, and the token of the next page ("" on
// the last).
type Page struct {
	Events []map[string]any
	Next   string
}

// maxMatchLots bounds the lots a MATCH_ query reads the events of.
const maxMatchLots = 500

// scanFactor bounds how many events a query reads for one page: a caller who
// may read few of the events in a time range gets short pages with a
// nextPageToken rather than one request reading the whole history.
const scanFactor = 20

// Events answers GET /epcis/events for actor: the events it may read (the
// lots it may read, see trace.Service.ReadLot) that match q.
func (s *Service) Events(ctx context.Context, actor trace.Org, q Query) (Page, error) {
	if len(q.EPCs)+len(q.AnyEPCs)+len(q.Classes)+len(q.AnyClasses) > 0 {
		lots, err := s.matchLots(ctx, q)
		if err != nil {
			return Page{}, err
		}
		return s.fromLots(ctx, actor, lots, q)
	}
	return s.scan(ctx, actor, q)
}

// LotEvents answers GET /epcis/lots/{id}/events: a lot's own events, ENOTFOUND
// for a lot that does not exist, EFORBIDDEN for one actor may not read.
func (s *Service) LotEvents(ctx context.Context, actor trace.Org, lotID string, q Query) (Page, error) {
	if _, err := s.Trace.ReadLot(ctx, actor, lotID); err != nil {
		return Page{}, err
	}
	return s.fromLots(ctx, actor, []string{lotID}, q)
}

// EPCEvents answers GET /epcis/epcs/{epc}/events: the events naming an EPC
// anywhere (MATCH_anyEPC), or for a lot's class URI, anywhere its class is
// named (MATCH_anyEPCClass).
func (s *Service) EPCEvents(ctx context.Context, actor trace.Org, epc string, q Query) (Page, error) {
	if gtin, serial, err := ParseInstance(epc); err == nil {
		q.AnyEPCs = append(q.AnyEPCs, InstanceURI(gtin, serial))
	} else if id, err := ParseClass(epc); err == nil {
		q.AnyClasses = append(q.AnyClasses, ClassURI(id))
	} else {
		return Page{}, trace.FieldErrorf(trace.ENOTFOUND, "epc", "%s is not an SGTIN or LGTIN this service knows", epc)
	}
	return s.Events(ctx, actor, q)
}

// matchLots are the lots whose events can name the EPCs and classes of q's
// MATCH_ parameters: a unit's lot; a lot, and for MATCH_anyEPCClass its
// parents and children, whose transformations name it as input or output.
func (s *Service) matchLots(ctx context.Context, q Query) ([]string, error) {
	st := s.Trace.Store
	var lots []string
	for _, epc := range slices.Concat(q.EPCs, q.AnyEPCs) {
		if _, serial, err := ParseInstance(epc); err == nil {
			u, err := st.Unit(ctx, serial)
			if trace.ErrorCode(err) == trace.ENOTFOUND {
				continue
			} else if err != nil {
				return nil, err
			}
			lots = append(lots, u.Lot)
		}
	}
	for _, c := range q.Classes {
		if id, err := ParseClass(c); err == nil {
			lots = append(lots, id)
		}
	}
	for _, c := range q.AnyClasses {
		id, err := ParseClass(c)
		if err != nil {
			continue
		}
		lots = append(lots, id)
		l, err := st.Lot(ctx, id)
		if trace.ErrorCode(err) == trace.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		for _, p := range l.Parents {
			lots = append(lots, p.Lot)
		}
		children, err := st.ChildLots(ctx, []string{id})
		if err != nil {
			return nil, err
		}
		for _, ch := range children {
			lots = append(lots, ch.ID)
		}
	}
	slices.Sort(lots)
	lots = slices.Compact(lots)
	if len(lots) > maxMatchLots {
		return nil, trace.Errorf(trace.EINVALID, "the query names %d lots; ask about at most %d at a time", len(lots), maxMatchLots)
	}
	return lots, nil
}

// fromLots answers q from the events of a few lots, read whole.
func (s *Service) fromLots(ctx context.Context, actor trace.Org, lots []string, q Query) (Page, error) {
	v := s.newView(actor)
	var evs []trace.Event
	for _, id := range lots {
		ok, err := v.mayRead(ctx, id)
		if err != nil {
			return Page{}, err
		}
		if !ok {
			continue
		}
		got, err := s.Trace.Store.Events(ctx, id)
		if err != nil {
			return Page{}, err
		}
		evs = append(evs, got...)
	}
	slices.SortFunc(evs, func(a, b trace.Event) int {
		switch {
		case before(keyOf(a), keyOf(b)):
			return -1
		case before(keyOf(b), keyOf(a)):
			return 1
		}
		return 0
	})
	var p Page
	var last trace.EventKey
	for _, e := range evs {
		if (q.After != nil && !before(*q.After, keyOf(e))) || !inTime(q, e.Time) {
			continue
		}
		ev, err := v.export(ctx, e)
		if err != nil {
			return Page{}, err
		}
		if !q.matches(ev) {
			continue
		}
		if len(p.Events) == q.PerPage {
			p.Next = Token(last)
			break
		}
		p.Events, last = append(p.Events, ev), keyOf(e)
	}
	return p, nil
}

// scan answers q from the listing of every lot's events by time.
func (s *Service) scan(ctx context.Context, actor trace.Org, q Query) (Page, error) {
	types := q.types()
	if types != nil && len(types) == 0 {
		return Page{}, nil
	}
	v := s.newView(actor)
	f := trace.EventFilter{Types: types, From: q.From, To: q.To, After: q.After, Limit: min(max(q.PerPage, 100), MaxPerPage)}
	var p Page
	for read := 0; read < scanFactor*q.PerPage; {
		evs, err := s.Trace.Store.EventsPage(ctx, f)
		if err != nil {
			return Page{}, err
		}
		for _, e := range evs {
			read++
			k := keyOf(e)
			f.After = &k
			ok, err := v.mayRead(ctx, e.Lot)
			if err != nil {
				return Page{}, err
			}
			if !ok {
				continue
			}
			ev, err := v.export(ctx, e)
			if err != nil {
				return Page{}, err
			}
			if !q.matches(ev) {
				continue
			}
			p.Events = append(p.Events, ev)
			if len(p.Events) == q.PerPage {
				p.Next = Token(k)
				return p, nil
			}
		}
		if len(evs) < f.Limit {
			return p, nil
		}
	}
	p.Next = Token(*f.After)
	return p, nil
}

func inTime(q Query, t time.Time) bool {
	return (q.From.IsZero() || !t.Before(q.From)) && (q.To.IsZero() || t.Before(q.To))
}

// view is one query's reads: which lots the actor may read and every lot's
// base unit, each looked up once.
type view struct {
	s     *Service
	actor trace.Org
	may   map[string]bool
	units map[string]string
}

func (s *Service) newView(actor trace.Org) *view {
	return &view{s: s, actor: actor, may: map[string]bool{}, units: map[string]string{}}
}

// mayRead applies trace's read rules to one lot.
func (v *view) mayRead(ctx context.Context, id string) (bool, error) {
	if ok, seen := v.may[id]; seen {
		return ok, nil
	}
	l, err := v.s.Trace.ReadLot(ctx, v.actor, id)
	switch trace.ErrorCode(err) {
	case "":
		v.units[id] = l.BaseUnit
	case trace.EFORBIDDEN, trace.ENOTFOUND:
	default:
		return false, err
	}
	v.may[id] = err == nil
	return err == nil, nil
}

// export writes e as an EPCIS event, reading the base units it needs.
func (v *view) export(ctx context.Context, e trace.Event) (map[string]any, error) {
	var missing []string
	for _, id := range LotsNamed(e) {
		if _, ok := v.units[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		lots, err := v.s.Trace.Store.LotsByID(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, l := range lots {
			v.units[l.ID] = l.BaseUnit
		}
	}
	return v.s.Event(e, v.units)
}
