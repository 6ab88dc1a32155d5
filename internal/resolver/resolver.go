package resolver

import (
	"context"
	"net/url"
	"sync"

	"github.com/agritrace/agritrace/internal/digitallink"
	"github.com/agritrace/agritrace/internal/trace"
)

// Reader is what the resolver reads of the store.
type Reader interface {
	Product(ctx context.Context, gtin string) (trace.Product, error)
	Lot(ctx context.Context, id string) (trace.Lot, error)
	Unit(ctx context.Context, serial string) (trace.Unit, error)
	Events(ctx context.Context, lot string) ([]trace.Event, error)
}

// Resolver builds the links of Digital Links on one public base URL.
type Resolver struct {
	Store Reader
	// Base is the public origin labels carry, e.g. https://trace.example.cn.
	Base string
	// Products keeps the products found; nil keeps none.
	Products *Products
}

// Products keeps products by GTIN. Products are never changed or deleted
// once registered, so a kept one never goes stale, and a scan's redirect
// costs no store call beyond what its page makes.
type Products struct{ m sync.Map }

func (r Resolver) product(ctx context.Context, gtin string) (trace.Product, error) {
	if r.Products != nil {
		if p, ok := r.Products.m.Load(gtin); ok {
			return p.(trace.Product), nil
		}
	}
	p, err := r.Store.Product(ctx, gtin)
	switch {
	case trace.ErrorCode(err) == trace.ENOTFOUND:
		return p, trace.Errorf(trace.ENOTFOUND, "no product with GTIN %s is registered with this resolver", gtin)
	case err != nil:
		return p, err
	}
	if r.Products != nil {
		r.Products.m.Store(gtin, p)
	}
	return p, nil
}

// Default returns the href of u's default link, its provenance page, with no
// more store reads than it needs: the same link Resolve gives as default.
func (r Resolver) Default(ctx context.Context, u digitallink.URI) (string, error) {
	if _, err := r.product(ctx, u.GTIN); err != nil {
		return "", err
	}
	if u.Lot != "" {
		// The page of a lot or a unit is at its own path, known or not.
		return r.page(u, nil), nil
	}
	unit, err := r.unit(ctx, u)
	if err != nil {
		return "", err
	}
	return r.page(u, unit), nil
}

// unit returns the unit a serial-level URI names, nil when there is none
// under its GTIN (and lot, when given).
func (r Resolver) unit(ctx context.Context, u digitallink.URI) (*trace.Unit, error) {
	if u.Serial == "" {
		return nil, nil
	}
	un, err := r.Store.Unit(ctx, u.Serial)
	switch {
	case err == nil && un.GTIN == u.GTIN && (u.Lot == "" || un.LotNumber == u.Lot):
		return &un, nil
	case err != nil && trace.ErrorCode(err) != trace.ENOTFOUND:
		return nil, err
	}
	return nil, nil
}

// page is the provenance page of u: a unit's (with its lot filled in when
// only its serial was given), a lot's, or the product's.
func (r Resolver) page(u digitallink.URI, unit *trace.Unit) string {
	p := digitallink.URI{GTIN: u.GTIN, Lot: u.Lot, Serial: u.Serial}
	if unit != nil {
		p.Lot = unit.LotNumber
	}
	return r.Base + "/provenance" + p.Path()
}

// Item is what the resolver answers for one requested Digital Link.
type Item struct {
	// Linkset holds a context for the requested URI and each level above it
	// that AgriTrace has records of, most specific first.
	Linkset Linkset
}

// Find returns the link of type rel at the most specific level that has one.
func (it Item) Find(rel string) (Link, bool) {
	for _, c := range it.Linkset.Linkset {
		if ls := c.Links[rel]; len(ls) > 0 {
			return ls[0], true
		}
	}
	return Link{}, false
}

// Resolve returns the links of u. A GTIN that no product here carries is
// ENOTFOUND. Below a known GTIN every lot and serial resolves, as the
// standard's walking up the tree asks: an unknown one has the links of the
// levels above it, and its default link is still its provenance page,
// because "this serial was never issued" is what a shopper holding a forged
// label must be told (and what the scan records for inspectors).
func (r Resolver) Resolve(ctx context.Context, u digitallink.URI) (Item, error) {
	prod, err := r.product(ctx, u.GTIN)
	if err != nil {
		return Item{}, err
	}
	name := prod.NameZH
	if prod.NameEN != "" {
		name += " / " + prod.NameEN
	}
	unit, err := r.unit(ctx, u)
	if err != nil {
		return Item{}, err
	}
	levels := u.Levels()
	if unit != nil && u.Lot == "" {
		// A serial alone still belongs to a lot: its links come in between.
		levels = append(levels[:len(levels)-1], digitallink.URI{GTIN: u.GTIN, Lot: unit.LotNumber}, levels[len(levels)-1])
	}
	var it Item
	for i, l := range levels {
		var c *Context
		switch {
		case l.Serial != "":
			c = r.unitContext(l, r.page(l, unit), unit != nil, name)
		case l.Lot != "":
			if c, err = r.lotContext(ctx, l, name, i == 0); err != nil {
				return Item{}, err
			}
		case l.CPV != "" && i > 0:
			// No links are kept per consumer product variant.
		default:
			c = r.context(l, name, r.page(digitallink.URI{GTIN: l.GTIN}, nil), "产品信息 Product information")
		}
		if c != nil {
			it.Linkset.Linkset = append(it.Linkset.Linkset, *c)
		}
	}
	return it, nil
}

// context starts a link context whose default link is its page.
func (r Resolver) context(l digitallink.URI, name, page, title string) *Context {
	c := &Context{Anchor: r.Base + l.Path(), ItemDescription: name}
	c.add(DefaultLink, Link{Href: page, Title: title})
	c.add(PIP, Link{Href: page, Title: title, Type: "text/html", Hreflang: []string{"zh", "en"}})
	return c
}

// unitContext is a serial's links; issued says whether such a unit was.
func (r Resolver) unitContext(l digitallink.URI, href string, issued bool, name string) *Context {
	c := r.context(l, name+" · "+l.Serial, href, "溯源与防伪查验 Provenance and authenticity check")
	if issued {
		c.add(VerificationService, Link{Href: href, Title: "标签签名查验（需带标签参数 k 和 s） Label signature check (pass on the label's k and s)", Type: "application/json"})
	}
	return c
}

// lotContext is a lot's links. A lot with no records has only its page,
// and only when it is the level asked for.
func (r Resolver) lotContext(ctx context.Context, l digitallink.URI, name string, asked bool) (*Context, error) {
	lotID := trace.LotID(l.GTIN, l.Lot)
	page := r.page(l, nil)
	title := "批次溯源信息 Lot provenance"
	_, err := r.Store.Lot(ctx, lotID)
	switch {
	case trace.ErrorCode(err) == trace.ENOTFOUND && asked:
		return r.context(l, name+" · "+l.Lot, page, title), nil
	case trace.ErrorCode(err) == trace.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, err
	}
	c := r.context(l, name+" · "+l.Lot, page, title)
	id := url.PathEscape(lotID)
	c.add(Traceability, Link{Href: r.Base + "/epcis/lots/" + id + "/events", Title: "EPCIS 2.0 追溯事件 EPCIS 2.0 traceability events", Type: "application/ld+json"})
	events, err := r.Store.Events(ctx, lotID)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		if e.Type == trace.EventCertify {
			c.add(CertificationInfo, Link{Href: r.Base + "/certificates/" + id, Title: "承诺达标合格证 Certificate of compliance", Type: "application/json"})
			break
		}
	}
	c.add(RecallStatus, Link{Href: r.Base + "/recall-status/" + id, Title: "召回状态 Recall status", Type: "application/json"})
	c.add(VerificationService, Link{Href: r.Base + "/api/v1/lots/" + id + "/verify", Title: "账本核验 Ledger verification of every event", Type: "application/json"})
	return c, nil
}
