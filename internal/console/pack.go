package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/agritrace/agritrace/internal/labelprint"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// Packing and printing labels. Pack fills a bulk lot into labelled units
// (the lot page's form, for a processor holding the lot). A print run of a
// packed lot's labels is started from its lot page and rendered in the
// background by labelprint; its page refreshes itself (no script) until
// the PDF is ready, and the PDF is fetched through the console under the
// session, by the same rule as the API (labelprint.Printer.PDF).

func (c *Console) pack(g *gin.Context) {
	p := c.newPage(g, "lot.title")
	keep(g, p, "gtin", "packlot", "count", "unitsize")
	count, err := strconv.Atoi(strings.TrimSpace(p.Values["count"]))
	if err != nil || count <= 0 {
		setError(p, "count", "err.count")
	}
	in := trace.PackInput{GTIN: p.Values["gtin"], Lot: strings.TrimSpace(p.Values["packlot"]), Count: count, UnitSize: grams(p, "unitsize")}
	if len(p.Errors) > 0 {
		c.showLot(g, p, http.StatusUnprocessableEntity)
		return
	}
	to := "/console/lots/" + url.PathEscape(trace.LotID(in.GTIN, in.Lot)) + "?done=pack"
	c.lotWriteTo(g, p, to, map[string]string{"lot": "packlot", "unitSize": "unitsize", "outputs[0].lot": "packlot", "outputs[0].gtin": "gtin", "inputs[0].quantity": "count"},
		func(g *gin.Context, who trace.SignedIn, id string) error {
			_, err := c.Service.Pack(g.Request.Context(), who.Org, id, in)
			return err
		})
}

// startPrint starts a print run. The run's id is made by the printer, after
// the form's answer must be known, so the run page is named by the form
// token and the console remembers which run that token started: a form sent
// twice lands on the one run.
func (c *Console) startPrint(g *gin.Context) {
	if c.Printer == nil {
		c.fail(g, trace.Errorf(trace.EUNPROCESSABLE, "label printing is not configured on this service"))
		return
	}
	who, id := signedIn(g), g.Param("id")
	token := g.PostForm("form_token")
	layout := labelprint.Layout(g.PostForm("layout"))
	to := "/console/prints/" + url.PathEscape(token)
	ok := c.act(g, to, func(g *gin.Context) error {
		r, err := c.Printer.Start(g.Request.Context(), who.Org, id, layout, nil, c.BaseURL())
		if err == nil {
			c.prints.Store(who.Org.ID+"/"+token, r.ID)
		}
		return err
	})
	if ok {
		redirect(g, to)
	}
}

// printRun finds the run a print form started, for the signed-in org only.
func (c *Console) printRun(g *gin.Context) (labelprint.Run, bool) {
	who := signedIn(g)
	id, ok := c.prints.Load(who.Org.ID + "/" + g.Param("token"))
	if !ok || c.Printer == nil {
		c.fail(g, trace.Errorf(trace.ENOTFOUND, "no such print run"))
		return labelprint.Run{}, false
	}
	r, err := c.Printer.Get(who.Org, id.(string))
	if err != nil {
		c.fail(g, err)
		return r, false
	}
	return r, true
}

func (c *Console) printPage(g *gin.Context) {
	r, ok := c.printRun(g)
	if !ok {
		return
	}
	p := c.newPage(g, "print.title")
	p.Subtitle = r.Lot
	p.Data = printData{Run: r, Token: g.Param("token"), Refresh: r.Status == labelprint.Queued || r.Status == labelprint.Running}
	c.render(g, http.StatusOK, "print", p)
}

type printData struct {
	Run     labelprint.Run
	Token   string
	Refresh bool
}

// Percent is how far the run is.
func (d printData) Percent() int {
	if d.Run.Total == 0 {
		return 0
	}
	return d.Run.Done * 100 / d.Run.Total
}

func (c *Console) printPDF(g *gin.Context) {
	r, ok := c.printRun(g)
	if !ok {
		return
	}
	f, _, err := c.Printer.PDF(g.Request.Context(), signedIn(g).Org, r.ID)
	if err != nil {
		c.fail(g, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		c.fail(g, fmt.Errorf("print run %s: %w", r.ID, err))
		return
	}
	g.Header("Cache-Control", "no-store")
	g.Header("Content-Disposition", `attachment; filename="labels-`+r.ID+`.pdf"`)
	http.ServeContent(g.Writer, g.Request, "labels.pdf", st.ModTime(), f)
}
