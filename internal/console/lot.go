package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/web"
	"github.com/gin-gonic/gin"
)

// The lot page is the worked example of a record-making page: it reads
// through the same access rule as the API (trace.Service.ReadLot), lists the
// lot's events with who did what, and carries one form, "inspect", that
// follows the form pattern of form.go. Pages for ship, receive, split and
// the rest copy it.

type lotData struct {
	Lot    trace.Lot
	Events []trace.Event
	lotExtra
}

// findLot opens the lot page of the id typed in.
func (c *Console) findLot(g *gin.Context) {
	if id := strings.TrimSpace(g.Query("id")); id != "" {
		redirect(g, "/console/lots/"+url.PathEscape(id))
		return
	}
	c.lotList(g)
}

func (c *Console) lotPage(g *gin.Context) {
	p := c.newPage(g, "lot.title")
	if done := g.Query("done"); web.HasConsoleText(done + ".done") {
		p.Notice = done + ".done"
	}
	c.showLot(g, p, http.StatusOK)
}

func (c *Console) showLot(g *gin.Context, p *page, status int) {
	ctx, who := g.Request.Context(), signedIn(g)
	l, err := c.Service.ReadLot(ctx, who.Org, g.Param("id"))
	if err != nil {
		c.fail(g, err)
		return
	}
	events, err := c.Store.Events(ctx, l.ID)
	if err != nil {
		c.fail(g, err)
		return
	}
	orgs, err := c.Store.Orgs(ctx)
	if err != nil {
		c.fail(g, err)
		return
	}
	p.names = map[string]string{}
	for _, o := range orgs {
		p.names[o.ID] = o.Name
	}
	x, err := c.extras(g, p, l, orgs)
	if err != nil {
		c.fail(g, err)
		return
	}
	p.Subtitle, p.Data = l.ID, lotData{Lot: l, Events: events, lotExtra: x}
	c.render(g, status, "lot", p)
}

// inspectFields are the results the form asks for, by form field; the domain
// keeps them under the same names.
var inspectFields = []string{"moisture", "impurity", "oilContent"}

// inspect records a quality test. The form's own check (numbers) runs first;
// the domain's (custody, at least one result) after; either way a refused
// form is shown again with its values and nothing is recorded.
func (c *Console) inspect(g *gin.Context) {
	who, id := signedIn(g), g.Param("id")
	p := c.newPage(g, "lot.title")
	keep(g, p, append(inspectFields, "note")...)
	in := trace.InspectInput{Results: map[string]any{}, Note: strings.TrimSpace(p.Values["note"])}
	for _, f := range inspectFields {
		v := strings.TrimSpace(p.Values[f])
		if v == "" {
			continue
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 || n > 100 {
			setError(p, f, "err.number")
			continue
		}
		in.Results[f] = n
	}
	if len(p.Errors) > 0 {
		c.showLot(g, p, http.StatusUnprocessableEntity)
		return
	}
	to := "/console/lots/" + url.PathEscape(id) + "?done=inspect"
	dup, err := c.once(g, to, func(g *gin.Context) error {
		_, err := c.Service.Inspect(g.Request.Context(), who.Org, id, in)
		return err
	})
	switch {
	case dup:
	case trace.ErrorCode(err) == trace.EFORBIDDEN, trace.ErrorCode(err) == trace.ENOTFOUND:
		c.fail(g, err)
	case err != nil && showFieldError(p, err, nil):
		c.showLot(g, p, http.StatusUnprocessableEntity)
	case err != nil:
		c.fail(g, err)
	default:
		redirect(g, to)
	}
}
