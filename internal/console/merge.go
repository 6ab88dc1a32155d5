package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// The merge page makes one lot of several: deliveries at a collection
// center, or any lots of one product the organization holds. It lists what
// the organization holds now, ticked by the user; the domain's merge takes
// what is left of each and keeps them all as the new lot's parents.

type mergeData struct {
	Lots []trace.Lot
}

func (c *Console) mergePage(g *gin.Context) {
	p := c.newPage(g, "merge.title")
	c.showMerge(g, p, http.StatusOK)
}

func (c *Console) showMerge(g *gin.Context, p *page, status int) {
	who := signedIn(g)
	lots, err := c.Service.Lots(g.Request.Context(), who.Org, trace.LotFilter{Custodian: who.Org.ID, Status: trace.LotActive})
	if err != nil {
		c.fail(g, err)
		return
	}
	var held []trace.Lot
	for _, l := range lots {
		if l.InTransitTo == "" && l.Available > 0 {
			held = append(held, l)
		}
	}
	p.Data = mergeData{Lots: held}
	c.render(g, status, "merge", p)
}

func (c *Console) merge(g *gin.Context) {
	who := signedIn(g)
	p := c.newPage(g, "merge.title")
	keep(g, p, "inputs", "lotno")
	in := trace.MergeInput{Inputs: p.Multi["inputs"], Lot: strings.TrimSpace(p.Values["lotno"])}
	if len(in.Inputs) < 2 {
		setError(p, "inputs", "err.inputs")
		c.showMerge(g, p, http.StatusUnprocessableEntity)
		return
	}
	gtin, _, _ := strings.Cut(in.Inputs[0], ".")
	to := "/console/lots/" + url.PathEscape(trace.LotID(gtin, in.Lot)) + "?done=merge"
	dup, err := c.once(g, to, func(g *gin.Context) error {
		if err := c.lotFree(g, trace.LotID(gtin, in.Lot)); err != nil {
			return err
		}
		_, err := c.Service.Merge(g.Request.Context(), who.Org, in)
		return err
	})
	fields := map[string]string{"lot": "lotno"}
	for i := range in.Inputs {
		fields["inputs["+strconv.Itoa(i)+"]"] = "inputs"
	}
	switch {
	case dup:
	case err != nil && showFieldError(p, err, fields):
		c.showMerge(g, p, http.StatusUnprocessableEntity)
	case err != nil:
		c.fail(g, err)
	default:
		redirect(g, to)
	}
}
