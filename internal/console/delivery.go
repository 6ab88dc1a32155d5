package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/agritrace/agritrace/internal/region"
	"github.com/agritrace/agritrace/internal/standard"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// A delivery is one farmer's load at the scale. It is commissioned as a
// small lot of its own, so that its grower, village, weights and intake
// tests are in a hashed record of their own; "several deliveries become a
// lot" is then the domain's merge, whose provenance keeps every delivery.

type deliveryData struct {
	Products []trace.Product
	County   region.Division
	Known    bool
}

// deliveryFields are the form's inputs, kept when a form is refused.
var deliveryFields = []string{"gtin", "lotno", "grower", "consent", "farm", "village", "harvestDate", "gross", "tare", "moisture", "impurities", "oilContent"}

// deliveryErrors maps the domain's field names to the form's.
var deliveryErrors = map[string]string{
	"lot": "lotno", "origin": "village", "origin.region": "village", "origin.village": "village",
	"origin.harvestDate": "harvestDate", "origin.grower": "grower", "origin.growerConsent": "consent",
	"quantity": "tare",
}

func (c *Console) deliveryPage(g *gin.Context) {
	p := c.newPage(g, "delivery.title")
	now := c.Service.Now().In(china)
	p.Values["lotno"] = "D" + now.Format("20060102") + "-" + strings.ToUpper(p.FormToken[:4])
	p.Values["harvestDate"] = now.Format(time.DateOnly)
	c.showDelivery(g, p, http.StatusOK)
}

func (c *Console) showDelivery(g *gin.Context, p *page, status int) {
	who := signedIn(g)
	all, err := c.Store.Products(g.Request.Context())
	if err != nil {
		c.fail(g, err)
		return
	}
	d := deliveryData{}
	for _, pr := range all {
		if pr.Owner == who.Org.ID && pr.Unit == trace.UnitKG {
			d.Products = append(d.Products, pr)
		}
	}
	d.County, d.Known = c.Divisions.County(who.Org.Region)
	p.Data = d
	c.render(g, status, "delivery", p)
}

// recordDelivery commissions the delivery as a lot. The form's checks come
// first: weights in kg to the gram, net = gross - tare > 0, tests as
// percentages, a village from the directory; the grade is computed here from
// the oil content, never typed.
func (c *Console) recordDelivery(g *gin.Context) {
	who := signedIn(g)
	p := c.newPage(g, "delivery.title")
	keep(g, p, deliveryFields...)
	v := func(f string) string { return strings.TrimSpace(p.Values[f]) }
	gross, tare := grams(p, "gross"), grams(p, "tare")
	if len(p.Errors) == 0 && gross-tare <= 0 {
		setError(p, "tare", "err.tare")
	}
	attrs := map[string]any{"grossWeightG": gross, "tareWeightG": tare, "netWeightG": gross - tare}
	for _, f := range []string{"moisture", "impurities", "oilContent"} {
		n, err := strconv.ParseFloat(v(f), 64)
		if err != nil || n < 0 || n > 100 {
			setError(p, f, "err.percent")
			continue
		}
		attrs[f] = n
	}
	if _, ok := p.Errors["oilContent"]; !ok {
		attrs["grade"] = standard.SeedGrade(attrs["oilContent"])
	}
	// Only the center's own county is offered; a code from elsewhere is refused.
	village, ok := c.Divisions.Village(v("village"))
	if county, known := c.Divisions.County(who.Org.Region); !ok || !known || !strings.HasPrefix(village.Code, county.Code) {
		setError(p, "village", "err.village")
	}
	if v("gtin") == "" {
		setError(p, "gtin", "err.gtin")
	}
	if len(p.Errors) > 0 {
		c.showDelivery(g, p, http.StatusUnprocessableEntity)
		return
	}
	in := trace.CommissionInput{
		GTIN: v("gtin"), Lot: v("lotno"), Quantity: gross - tare, Attributes: attrs,
		Origin: &trace.Origin{
			Region: village.Code, Village: village.Name, Farm: v("farm"), HarvestDate: v("harvestDate"),
			Grower: v("grower"), GrowerConsent: v("consent") == "yes",
		},
	}
	to := "/console/lots/" + url.PathEscape(trace.LotID(in.GTIN, in.Lot)) + "?done=delivery"
	dup, err := c.once(g, to, func(g *gin.Context) error {
		if err := c.lotFree(g, trace.LotID(in.GTIN, in.Lot)); err != nil {
			return err
		}
		_, err := c.Service.Commission(g.Request.Context(), who.Org, in)
		return err
	})
	switch {
	case dup:
	case trace.ErrorCode(err) == trace.EFORBIDDEN && trace.ErrorField(err) == "":
		c.fail(g, err)
	case err != nil && showFieldError(p, err, deliveryErrors):
		c.showDelivery(g, p, http.StatusUnprocessableEntity)
	case err != nil:
		c.fail(g, err)
	default:
		redirect(g, to)
	}
}

// lotFree refuses a lot number in use at the number's field. It runs inside
// once, after a resent form has been answered, so a form sent twice lands
// on its lot rather than on this error; two forms racing for one number
// are still told apart by the store, the loser getting the refusal page.
func (c *Console) lotFree(g *gin.Context, id string) error {
	if _, err := c.Store.Lot(g.Request.Context(), id); err == nil {
		return trace.FieldErrorf(trace.ECONFLICT, "lot", "lot %s already exists", id)
	}
	return nil
}

// grams reads a weight typed in kg, to the gram at most, as integer grams;
// a bad one sets the field's error and returns 0.
func grams(p *page, f string) int64 {
	s := strings.TrimSpace(p.Values[f])
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 3 || strings.Trim(whole+frac, "0123456789") != "" || len(whole) > 9 {
		setError(p, f, "err.kg")
		return 0
	}
	n, _ := strconv.ParseInt(whole+(frac + "000")[:3], 10, 64)
	return n
}

// Weight shows a weight in grams read from a lot's attributes in kg; the
// stores give a JSON number back as float64 (SQLite) or an integer (MongoDB).
func (p *page) Weight(v any) string {
	switch n := v.(type) {
	case float64:
		return p.Qty(int64(n), "g")
	case int64:
		return p.Qty(n, "g")
	case int32:
		return p.Qty(int64(n), "g")
	}
	return "-"
}
