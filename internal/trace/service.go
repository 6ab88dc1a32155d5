package trace

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/hashchain"
	"github.com/agritrace/agritrace/internal/jcs"
)

// LabelSigner issues unit serials and signs their labels; internal/label
// implements it.
type LabelSigner interface {
	NewSerial() string
	Sign(gtin, lot, serial string) (keyID, signature string)
}

// Service applies the custody rules: who may do what to which lot, and what
// quantities may move. Every write goes to the store as one Change.
type Service struct {
	Store  Store
	Labels LabelSigner
	// Now is the clock; tests replace it.
	Now func() time.Time
	// OilDensity converts millilitres of oil to grams (g per L / 1000) when
	// quantities of different units are compared; rapeseed oil at 20 °C is 0.915.
	OilDensity float64
	// Yields bound what transforms may claim; see YieldRule.
	Yields []YieldRule
	// SessionIdle and SessionLifetime shorten console sessions (tests);
	// zero means the defaults of session.go.
	SessionIdle, SessionLifetime time.Duration
	// LedgerOrgs names who signs each record on a ledger shared by several
	// organizations; nil leaves records unsigned by name (custody.Record.By).
	LedgerOrgs LedgerOrgs

	keys keyCache
	lots lotLocks
}

// NewService returns a Service with the real clock and typical rapeseed oil density.
func NewService(s Store, labels LabelSigner) *Service {
	return &Service{Store: s, Labels: labels, Now: time.Now, OilDensity: 0.915, Yields: DefaultYields}
}

// over returns a Service with the same rules working on st (a batch's
// overlay): its key cache and lot turns are its own, because nothing it
// writes reaches the store until the batch commits.
func (s *Service) over(st Store) *Service {
	return &Service{Store: st, Labels: s.Labels, Now: s.Now, OilDensity: s.OilDensity, Yields: s.Yields,
		SessionIdle: s.SessionIdle, SessionLifetime: s.SessionLifetime, LedgerOrgs: s.LedgerOrgs}
}

// Result is what a write produced.
type Result struct {
	Lots   []Lot   `json:"lots"`
	Events []Event `json:"events"`
	Units  []Unit  `json:"units,omitempty"`
}

// PlaceInput optionally names where an event happens; it defaults to the
// acting organization's name and region.
type PlaceInput struct {
	Name   string `json:"name"`
	Region string `json:"region"`
}

func (s *Service) place(actor Org, p *PlaceInput) (Place, error) {
	pl := Place{Name: actor.Name, Region: actor.Region}
	if p != nil {
		if p.Name != "" {
			pl.Name = p.Name
		}
		if p.Region != "" {
			if err := ValidateRegion("place.region", p.Region); err != nil {
				return Place{}, err
			}
			pl.Region = p.Region
		}
	}
	return pl, nil
}

// change accumulates one write: lots touched, events appended to them, units.
type change struct {
	now     time.Time
	actor   Org
	place   Place
	lots    []LotWrite
	index   map[string]int
	events  []Event
	units   []UnitWrite
	anchors []custody.Record
	// by is the ledger organization signing the change's records; shipTo the
	// one a shipment in it goes to.
	by, shipTo string
}

func (s *Service) newChange(actor Org, place Place) *change {
	return &change{now: Now(s.Now()), actor: actor, place: place, index: map[string]int{}, by: s.ledgerOrg(actor)}
}

// track registers a lot read from the store so events can be appended to it.
func (c *change) track(l Lot) *Lot {
	if i, ok := c.index[l.ID]; ok {
		return &c.lots[i].Lot
	}
	c.index[l.ID] = len(c.lots)
	c.lots = append(c.lots, LotWrite{Lot: l, PrevSeq: l.Seq})
	return &c.lots[len(c.lots)-1].Lot
}

// create registers a lot that this change brings into being.
func (c *change) create(l Lot) *Lot {
	l.Seq, l.Head, l.CreatedAt = -1, "", c.now
	c.index[l.ID] = len(c.lots)
	c.lots = append(c.lots, LotWrite{Lot: l, PrevSeq: -1})
	return &c.lots[len(c.lots)-1].Lot
}

// append adds the next event of lot id, hash-chained to its head.
func (c *change) append(id, typ string, qty int64, payload any) error {
	l := &c.lots[c.index[id]].Lot
	e := Event{
		Lot: l.ID, Type: typ, BizStep: BizSteps[typ], Actor: c.actor.ID,
		Place: c.place, Time: c.now, Quantity: qty,
	}
	e.Seq, e.PrevHash = hashchain.Head{Seq: l.Seq, Hash: l.Head}.Next()
	if payload != nil {
		b, err := jcs.Marshal(payload)
		if err != nil {
			return fmt.Errorf("event payload for %s: %w", id, err)
		}
		e.Payload = b
	}
	h, err := e.ComputeHash()
	if err != nil {
		return err
	}
	e.Hash = h
	l.Seq, l.Head, l.UpdatedAt = e.Seq, h, c.now
	l.remember(e.Place.Region)
	c.events = append(c.events, e)
	r := custody.Record{Kind: custody.KindEvent, Key: e.Lot, Seq: uint64(e.Seq), Hash: e.Hash, PrevHash: e.PrevHash,
		Act: act(typ, c.actor, l.Custodian), By: c.by}
	if r.Act == custody.ActShip {
		r.To = c.shipTo
	}
	if e.Seq == 0 {
		// The ledger lets the owners of what a lot was made from recall it.
		for _, p := range l.Parents {
			if !slices.Contains(r.From, p.Lot) {
				r.From = append(r.From, p.Lot)
			}
		}
	}
	c.anchors = append(c.anchors, r)
	return nil
}

func (c *change) commit(ctx context.Context, st Store) (Result, error) {
	if err := c.stamp(PersonFrom(ctx)); err != nil {
		return Result{}, err
	}
	r := Result{Events: c.events}
	for _, w := range c.lots {
		r.Lots = append(r.Lots, w.Lot)
	}
	for _, u := range c.units {
		r.Units = append(r.Units, u.Unit)
	}
	replay, err := replayFor(ctx, c.now, r)
	if err != nil {
		return Result{}, err
	}
	if err := st.Commit(ctx, Change{Lots: c.lots, Events: c.events, Units: c.units, Anchors: c.anchors, Replay: replay}); err != nil {
		return Result{}, err
	}
	return r, nil
}

// write runs build and commits its change, again from fresh reads when another
// request changed the same lots in between. Writes to the same lots in this
// process take turns (see lotLocks), so that only another process can make
// one lose a race; against those it backs off (see backoff) before trying
// again, and answers ECONFLICT once the back-off budget is spent.
func (s *Service) write(ctx context.Context, build func() (*change, error)) (Result, error) {
	var err error
	var unlock func()
	defer func() {
		if unlock != nil {
			unlock()
		}
	}()
	var wait backoff
	for {
		var c *change
		if c, err = build(); err != nil {
			return Result{}, err
		}
		// A lot number already taken is the caller's mistake, not a race: say so
		// rather than retrying.
		for _, w := range c.lots {
			if w.PrevSeq >= 0 {
				continue
			}
			if _, err := s.Store.Lot(ctx, w.Lot.ID); err == nil {
				return Result{}, Errorf(ECONFLICT, "lot %s already exists", w.Lot.ID)
			} else if ErrorCode(err) != ENOTFOUND {
				return Result{}, err
			}
		}
		if unlock == nil {
			var free bool
			if unlock, free = s.lots.tryLock(c.lots); !free {
				// Another write to these lots is under way: build again from
				// what it leaves, in turn.
				unlock = s.lots.lock(c.lots)
				continue
			}
		}
		var r Result
		// A duplicate of a recorded write stays one: rebuilding cannot help.
		if r, err = c.commit(ctx, s.Store); ErrorCode(err) != ECONFLICT || isReplay(err) {
			return r, err
		}
		if !wait.wait(ctx) {
			return Result{}, err
		}
	}
}

// lotFor reads a lot that the actor is about to act on.
func (s *Service) lotFor(ctx context.Context, id, field string) (Lot, error) {
	l, err := s.Store.Lot(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return l, FieldErrorf(ENOTFOUND, field, "lot %s not found", id)
	}
	return l, err
}

// held reads a lot for a write that only its custodian may make, and starts
// the change.
func (s *Service) held(ctx context.Context, actor Org, place Place, lotID string) (*change, Lot, error) {
	l, err := s.lotFor(ctx, lotID, "lot")
	if err != nil {
		return nil, l, err
	}
	if err := custodianOf(actor, l, "lot"); err != nil {
		return nil, l, err
	}
	return s.newChange(actor, place), l, nil
}

// custodianOf checks that actor holds l and that l can still be acted on.
func custodianOf(actor Org, l Lot, field string) error {
	switch {
	case l.Status == LotRecalled:
		return FieldErrorf(EUNPROCESSABLE, field, "lot %s is recalled", l.ID)
	case l.Status == LotConsumed:
		return FieldErrorf(EUNPROCESSABLE, field, "lot %s is used up", l.ID)
	case l.InTransitTo != "":
		return FieldErrorf(EUNPROCESSABLE, field, "lot %s is in transit to %s", l.ID, l.InTransitTo)
	case l.Custodian != actor.ID:
		return FieldErrorf(EFORBIDDEN, field, "only the custodian of lot %s (%s) may do this", l.ID, l.Custodian)
	}
	return nil
}

func requireRole(actor Org, what string, roles ...string) error {
	if actor.Has(roles...) {
		return nil
	}
	return Errorf(EFORBIDDEN, "%s requires one of the roles %v; %s has %v", what, roles, actor.ID, actor.Roles)
}
