package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// The transform page: a processor picks input lots it holds and names the
// outputs (product, lot number, quantity). "Preview" asks the domain for
// the yield of each output against its plausible range
// (trace.Service.PreviewTransform, the same rule Transform applies) and
// records nothing; "Record" transforms, following the form pattern.

// transformRows are the input and output rows the form offers; a mill
// presses one or two seed lots into oil and meal.
const transformRows = 2

type transformData struct {
	Lots     []trace.Lot
	Products []trace.Product
	Yields   []trace.Yield
	Rows     []int
}

func (c *Console) transformPage(g *gin.Context) {
	c.showTransform(g, c.newPage(g, "transform.title"), nil, http.StatusOK)
}

func (c *Console) showTransform(g *gin.Context, p *page, yields []trace.Yield, status int) {
	ctx, who := g.Request.Context(), signedIn(g)
	lots, err := c.Service.Lots(ctx, who.Org, trace.LotFilter{Custodian: who.Org.ID, Status: trace.LotActive})
	if err != nil {
		c.fail(g, err)
		return
	}
	all, err := c.Store.Products(ctx)
	if err != nil {
		c.fail(g, err)
		return
	}
	d := transformData{Yields: yields}
	for i := range transformRows {
		d.Rows = append(d.Rows, i)
	}
	for _, l := range lots {
		if l.InTransitTo == "" && l.Available > 0 && l.BaseUnit != "piece" {
			d.Lots = append(d.Lots, l)
		}
	}
	for _, pr := range all {
		if pr.Owner == who.Org.ID && pr.Unit != trace.UnitPiece {
			d.Products = append(d.Products, pr)
		}
	}
	p.Data = d
	c.render(g, status, "transform", p)
}

// transformInput reads the form's rows; a row left empty is skipped, a
// quantity that is not a weight or volume is an error at its field.
func transformInput(g *gin.Context, p *page) (trace.TransformInput, map[string]string) {
	var in trace.TransformInput
	fields := map[string]string{"inputs": "in_lot_0", "outputs": "out_qty_0"}
	for i := range transformRows {
		n := strconv.Itoa(i)
		keep(g, p, "in_lot_"+n, "in_qty_"+n, "out_gtin_"+n, "out_lot_"+n, "out_qty_"+n)
		if lot := strings.TrimSpace(p.Values["in_lot_"+n]); lot != "" {
			k := strconv.Itoa(len(in.Inputs))
			fields["inputs["+k+"].lot"], fields["inputs["+k+"].quantity"] = "in_lot_"+n, "in_qty_"+n
			in.Inputs = append(in.Inputs, trace.Portion{Lot: lot, Quantity: grams(p, "in_qty_"+n)})
		}
		if gtin := strings.TrimSpace(p.Values["out_gtin_"+n]); gtin != "" {
			k := strconv.Itoa(len(in.Outputs))
			for _, f := range []string{"gtin", "lot", "quantity"} {
				fields["outputs["+k+"]."+f] = map[string]string{"gtin": "out_gtin_", "lot": "out_lot_", "quantity": "out_qty_"}[f] + n
			}
			in.Outputs = append(in.Outputs, trace.OutputInput{GTIN: gtin, Lot: strings.TrimSpace(p.Values["out_lot_"+n]), Quantity: grams(p, "out_qty_"+n)})
		}
	}
	return in, fields
}

// previewTransform shows the yields of the form as filled, and any error
// the transform would meet, without recording anything.
func (c *Console) previewTransform(g *gin.Context) {
	p := c.newPage(g, "transform.title")
	in, fields := transformInput(g, p)
	if len(p.Errors) > 0 {
		c.showTransform(g, p, nil, http.StatusUnprocessableEntity)
		return
	}
	yields, err := c.Service.PreviewTransform(g.Request.Context(), signedIn(g).Org, in)
	switch {
	case err == nil:
		p.Notice = "transform.plausible"
	case !showFieldError(p, err, fields):
		c.fail(g, err)
		return
	}
	c.showTransform(g, p, yields, http.StatusOK)
}

func (c *Console) transform(g *gin.Context) {
	who := signedIn(g)
	p := c.newPage(g, "transform.title")
	in, fields := transformInput(g, p)
	if len(p.Errors) > 0 {
		c.showTransform(g, p, nil, http.StatusUnprocessableEntity)
		return
	}
	to := "/console/lots"
	if len(in.Outputs) > 0 {
		to = "/console/lots/" + url.PathEscape(trace.LotID(in.Outputs[0].GTIN, in.Outputs[0].Lot)) + "?done=transform"
	}
	dup, err := c.once(g, to, func(g *gin.Context) error {
		_, err := c.Service.Transform(g.Request.Context(), who.Org, in)
		return err
	})
	switch {
	case dup:
	case err != nil && showFieldError(p, err, fields):
		// Show the yields too, so the clerk sees why.
		yields, _ := c.Service.PreviewTransform(g.Request.Context(), who.Org, in)
		c.showTransform(g, p, yields, http.StatusUnprocessableEntity)
	case err != nil:
		c.fail(g, err)
	default:
		redirect(g, to)
	}
}

// Pct shows a fraction as a percentage to one decimal.
func (p *page) Pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) }

// Nth numbers rows from 1.
func (p *page) Nth(i int) int { return i + 1 }
