package console

import (
	"net/http"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// The lot list: the lots the organization may list (trace.Service.Lots:
// made or held, a regulator's area, all for an admin), filtered by status
// and product, and searched by lot number.

// lotListMax bounds the list; a search narrows it.
const lotListMax = 200

type lotListData struct {
	Lots     []trace.Lot
	Products []trace.Product
	Statuses []string
	More     bool
}

func (c *Console) lotList(g *gin.Context) {
	ctx, who := g.Request.Context(), signedIn(g)
	p := c.newPage(g, "lots.title")
	for _, f := range []string{"q", "status", "gtin"} {
		p.Values[f] = strings.TrimSpace(g.Query(f))
	}
	lots, err := c.Service.Lots(ctx, who.Org, trace.LotFilter{Status: p.Values["status"], GTIN: p.Values["gtin"]})
	if err != nil {
		c.fail(g, err)
		return
	}
	products, err := c.Store.Products(ctx)
	if err != nil {
		c.fail(g, err)
		return
	}
	d := lotListData{Products: products, Statuses: []string{trace.LotActive, trace.LotConsumed, trace.LotRecalled}}
	q := strings.ToLower(p.Values["q"])
	for _, l := range lots {
		if q != "" && !strings.Contains(strings.ToLower(l.Number), q) {
			continue
		}
		if len(d.Lots) == lotListMax {
			d.More = true
			break
		}
		d.Lots = append(d.Lots, l)
	}
	p.Data = d
	c.render(g, http.StatusOK, "lots", p)
}
