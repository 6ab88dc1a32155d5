package console

import (
	"net/http"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// recallData carries the advice consumers get when the form leaves it
// empty, shown under the field so the regulator knows what will be said.
type recallData struct {
	DefaultAdvice string
}

func (c *Console) recallPage(g *gin.Context) {
	p := c.newPage(g, "rc.title")
	if !signedIn(g).Org.Has(trace.RoleRegulator) {
		c.fail(g, trace.Errorf(trace.EFORBIDDEN, "only regulators recall from the console"))
		return
	}
	p.Values["lot"] = strings.TrimSpace(g.Query("lot"))
	c.showRecall(g, p, http.StatusOK)
}

func (c *Console) showRecall(g *gin.Context, p *page, status int) {
	p.Data = recallData{DefaultAdvice: trace.DefaultRecallAdvice}
	c.render(g, status, "recall", p)
}

// recall orders a recall of a lot and everything made from it; the reason,
// the date and the advice then show on the scan page of every unit. Empty
// advice is the domain's default (stop eating it, return it, call 12315).
func (c *Console) recall(g *gin.Context) {
	who := signedIn(g)
	p := c.newPage(g, "rc.title")
	if !who.Org.Has(trace.RoleRegulator) {
		c.fail(g, trace.Errorf(trace.EFORBIDDEN, "only regulators recall from the console"))
		return
	}
	keep(g, p, "lot", "reason", "advice")
	lot := strings.TrimSpace(p.Values["lot"])
	if lot == "" {
		setError(p, "lot", "err.lot")
		c.showRecall(g, p, http.StatusUnprocessableEntity)
		return
	}
	in := trace.RecallInput{Reason: strings.TrimSpace(p.Values["reason"]), Advice: p.Values["advice"]}
	to := "/console/dashboard?done=recall"
	dup, err := c.once(g, to, func(g *gin.Context) error {
		_, err := c.Service.Recall(g.Request.Context(), who.Org, lot, in)
		return err
	})
	switch {
	case dup:
	case err != nil && trace.ErrorCode(err) == trace.ENOTFOUND:
		setError(p, "lot", "err.lot")
		c.showRecall(g, p, http.StatusUnprocessableEntity)
	case err != nil && showFieldError(p, err, nil):
		c.showRecall(g, p, http.StatusUnprocessableEntity)
	case err != nil:
		c.fail(g, err)
	default:
		redirect(g, to)
	}
}
