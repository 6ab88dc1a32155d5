package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/agritrace/agritrace/internal/picture"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// The lot page's custody forms: ship (to an organization picked from the
// list), receive (by the organization it was shipped to) and sell (serials
// one per line, or a quantity of an unlabelled lot). Each follows the form
// pattern of form.go; which forms show depends on who holds the lot.

// lotExtra is what the lot page shows beyond the record: the trace as a
// picture and the forms the reader may use.
type lotExtra struct {
	Trace template.HTML
	Orgs  []trace.Org
	// Held: the reader's organization holds the lot here; Incoming: the lot
	// was shipped to it; Sells: it is a retailer.
	Held, Incoming, Sells bool
	// PackInto are the products a processor holding a bulk lot may pack it
	// into; Prints: the reader's organization may print the lot's labels.
	PackInto []trace.Product
	Prints   bool
	// Certifies: the reader may issue a 承诺达标合格证 for the lot, whose
	// Certificates are listed; Bases are the bases its form offers.
	Certifies    bool
	Certificates []trace.Certificate
	Bases        []string
}

// extras reads the lot's trace under the read rule of TraceFor (lots the
// reader may not see are left out of the picture) and decides the forms.
func (c *Console) extras(g *gin.Context, p *page, l trace.Lot, orgs []trace.Org) (lotExtra, error) {
	ctx, who := g.Request.Context(), signedIn(g)
	gr, err := c.Service.TraceFor(ctx, who.Org, l.ID)
	if err != nil {
		return lotExtra{}, err
	}
	products := map[string]trace.Product{}
	for _, n := range gr.Nodes {
		if _, ok := products[n.GTIN]; ok {
			continue
		}
		if products[n.GTIN], err = c.Store.Product(ctx, n.GTIN); err != nil {
			return lotExtra{}, err
		}
	}
	svg, err := picture.TraceSVG(gr, products, p.Lang)
	if err != nil {
		return lotExtra{}, err
	}
	x := lotExtra{
		// The SVG is drawn by picture from escaped text, not from markup
		// anyone sent, so it is safe to put in the page as is.
		Trace:    template.HTML(svg),
		Held:     l.Custodian == who.Org.ID && l.InTransitTo == "" && l.Status == trace.LotActive && l.Available > 0,
		Incoming: l.InTransitTo == who.Org.ID,
		Sells:    who.Org.Has(trace.RoleRetailer),
	}
	if x.Held && who.Org.Has(trace.RoleProcessor) && l.BaseUnit != "piece" {
		all, err := c.Store.Products(ctx)
		if err != nil {
			return lotExtra{}, err
		}
		for _, pr := range all {
			if pr.Owner == who.Org.ID && pr.Unit == trace.UnitPiece {
				x.PackInto = append(x.PackInto, pr)
			}
		}
	}
	if l.BaseUnit == "piece" && c.Printer != nil {
		_, err := c.Service.LabelledUnits(ctx, who.Org, l.ID)
		x.Prints = err == nil
	}
	if x.Certifies = certifies(p, who, l, x.Held); x.Certifies {
		x.Bases = trace.Bases
	}
	if x.Certificates, err = c.Service.Certificates(ctx, who.Org, l.ID); err != nil {
		return lotExtra{}, err
	}
	for _, o := range orgs {
		if o.ID != who.Org.ID && !o.Disabled && !o.Has(trace.RoleAdmin, trace.RoleRegulator) {
			x.Orgs = append(x.Orgs, o)
		}
	}
	return x, nil
}

// lotWrite runs one of the lot page's custody forms: write is the domain
// call, done the notice after it. A refusal the form can place is shown
// next to its field with the lot page around it.
func (c *Console) lotWrite(g *gin.Context, done string, fields map[string]string, write func(g *gin.Context, who trace.SignedIn, id string) error) {
	p := c.newPage(g, "lot.title")
	keep(g, p, "to", "serials", "quantity")
	c.lotWriteTo(g, p, "/console/lots/"+url.PathEscape(g.Param("id"))+"?done="+done, fields, write)
}

// lotWriteTo is lotWrite for a form that leads to another page.
func (c *Console) lotWriteTo(g *gin.Context, p *page, to string, fields map[string]string, write func(g *gin.Context, who trace.SignedIn, id string) error) {
	id := g.Param("id")
	dup, err := c.once(g, to, func(g *gin.Context) error { return write(g, signedIn(g), id) })
	switch {
	case dup:
	case err != nil && trace.ErrorField(err) != "" && trace.ErrorField(err) != "lot" && showFieldError(p, err, fields):
		c.showLot(g, p, http.StatusUnprocessableEntity)
	case err != nil:
		c.fail(g, err)
	default:
		redirect(g, to)
	}
}

func (c *Console) ship(g *gin.Context) {
	c.lotWrite(g, "ship", nil, func(g *gin.Context, who trace.SignedIn, id string) error {
		_, err := c.Service.Ship(g.Request.Context(), who.Org, id, trace.ShipInput{To: g.PostForm("to")})
		return err
	})
}

func (c *Console) receive(g *gin.Context) {
	c.lotWrite(g, "receive", nil, func(g *gin.Context, who trace.SignedIn, id string) error {
		_, err := c.Service.Receive(g.Request.Context(), who.Org, id, trace.ReceiveInput{})
		return err
	})
}

// sell sells by serial (typed or scanned, one per line) or, for a lot with
// no labelled units, by a quantity in kg, L or pieces.
func (c *Console) sell(g *gin.Context) {
	p := c.newPage(g, "lot.title")
	keep(g, p, "serials", "quantity")
	in := trace.SellInput{Serials: strings.Fields(p.Values["serials"])}
	if q := strings.TrimSpace(p.Values["quantity"]); q != "" {
		l, err := c.Service.ReadLot(g.Request.Context(), signedIn(g).Org, g.Param("id"))
		if err != nil {
			c.fail(g, err)
			return
		}
		if in.Quantity = amount(p, "quantity", l.BaseUnit); len(p.Errors) > 0 {
			c.showLot(g, p, http.StatusUnprocessableEntity)
			return
		}
	}
	c.lotWrite(g, "sell", nil, func(g *gin.Context, who trace.SignedIn, id string) error {
		_, err := c.Service.Sell(g.Request.Context(), who.Org, id, in)
		return err
	})
}

// split takes one part off the lot as a new lot of the same product, origin
// and attributes: a quantity in kg, L or pieces under a new lot number.
func (c *Console) split(g *gin.Context) {
	p := c.newPage(g, "lot.title")
	keep(g, p, "splitlot", "splitqty")
	l, err := c.Service.ReadLot(g.Request.Context(), signedIn(g).Org, g.Param("id"))
	if err != nil {
		c.fail(g, err)
		return
	}
	part := trace.OutputInput{GTIN: l.GTIN, Lot: strings.TrimSpace(p.Values["splitlot"]), Quantity: amount(p, "splitqty", l.BaseUnit)}
	if len(p.Errors) > 0 {
		c.showLot(g, p, http.StatusUnprocessableEntity)
		return
	}
	to := "/console/lots/" + url.PathEscape(trace.LotID(part.GTIN, part.Lot)) + "?done=split"
	fields := map[string]string{"parts": "splitqty", "parts[0].lot": "splitlot", "parts[0].quantity": "splitqty"}
	c.lotWriteTo(g, p, to, fields, func(g *gin.Context, who trace.SignedIn, id string) error {
		_, err := c.Service.Split(g.Request.Context(), who.Org, id, trace.SplitInput{Parts: []trace.OutputInput{part}})
		return err
	})
}

// amount reads a quantity typed in the unit people use (kg, L: to three
// decimals; pieces: whole) as base units.
func amount(p *page, f, base string) int64 {
	if base == "g" || base == "mL" {
		return grams(p, f)
	}
	s := strings.TrimSpace(p.Values[f])
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' || n > 1e12 {
			setError(p, f, "err.kg")
			return 0
		}
		n = n*10 + int64(r-'0')
	}
	return n
}
