package console

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agritrace/agritrace/internal/picture"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// pageSize is how many complaints one page of the queue lists.
const pageSize = 20

type complaintsData struct {
	Statuses, Kinds []string
	List            []trace.Complaint
	// Next is the link to the next page, empty on the last.
	Next string
}

// complaintsPage is the queue, newest first, filtered by status, kind, lot
// or serial and filing day, a page at a time: the store continues after the
// last complaint shown (?after=), so complaints filed meanwhile do not shift
// the pages.
func (c *Console) complaintsPage(g *gin.Context) {
	ctx, who := g.Request.Context(), signedIn(g)
	p := c.newPage(g, "complaints.title")
	f := trace.ComplaintFilter{Limit: pageSize + 1}
	for _, k := range []string{"status", "kind", "q", "date"} {
		p.Values[k] = strings.TrimSpace(g.Query(k))
	}
	f.Status, f.Kind = p.Values["status"], p.Values["kind"]
	if f.Status != "" && !slices.Contains(complaintStatuses, f.Status) {
		setError(p, "status", "err.choice")
	}
	if f.Kind != "" && !slices.Contains(trace.ComplaintKinds, f.Kind) {
		setError(p, "kind", "err.choice")
	}
	// A lot number has a dot after the GTIN; a serial does not.
	if q := p.Values["q"]; strings.Contains(q, ".") {
		f.Lot = q
	} else {
		f.Serial = q
	}
	if d := p.Values["date"]; d != "" {
		day, err := time.ParseInLocation("2006-01-02", d, china)
		if err != nil {
			setError(p, "date", "err.date")
		}
		f.Since, f.Until = day, day.AddDate(0, 0, 1)
	}
	if a := g.Query("after"); a != "" {
		ms, id, ok := strings.Cut(a, ".")
		n, err := strconv.ParseInt(ms, 10, 64)
		if !ok || err != nil {
			c.fail(g, trace.Errorf(trace.EINVALID, "the page link %q is not one this console made", a))
			return
		}
		f.After = &trace.ComplaintCursor{CreatedAt: time.UnixMilli(n), ID: id}
	}
	d := complaintsData{Statuses: complaintStatuses, Kinds: trace.ComplaintKinds}
	if len(p.Errors) == 0 {
		list, err := c.Service.Complaints(ctx, who.Org, f)
		if err != nil {
			c.fail(g, err)
			return
		}
		if len(list) > pageSize {
			last := list[pageSize-1]
			q := g.Request.URL.Query()
			q.Set("after", strconv.FormatInt(last.CreatedAt.UnixMilli(), 10)+"."+last.ID)
			d.Next = "/console/complaints?" + q.Encode()
			list = list[:pageSize]
		}
		d.List = list
	} else if _, err := c.Service.Complaints(ctx, who.Org, trace.ComplaintFilter{Limit: 1}); err != nil {
		// A refused filter must not show a non-regulator the form either.
		c.fail(g, err)
		return
	}
	p.Data = d
	status := http.StatusOK
	if len(p.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	c.render(g, status, "complaints", p)
}

var complaintStatuses = []string{trace.ComplaintOpen, trace.ComplaintAssigned, trace.ComplaintInvestigating, trace.ComplaintConfirmed, trace.ComplaintUnfounded}

type complaintData struct {
	Complaint trace.Complaint
	Trail     []trace.ComplaintEntry
	Scans     []trace.Scan
	Trace     template.HTML
	// TraceError says why the lot's trace is not drawn (no lot, or a lot
	// outside the regulator's reach).
	TraceError string
}

func (c *Console) complaintPage(g *gin.Context) {
	p := c.newPage(g, "complaint.title")
	if a := g.Query("done"); a != "" {
		p.Notice = "work.done"
	}
	c.showComplaint(g, p, http.StatusOK)
}

// showComplaint draws a complaint with its trail, the scans of its serial,
// newest first, and its lot's trace.
func (c *Console) showComplaint(g *gin.Context, p *page, status int) {
	ctx, who := g.Request.Context(), signedIn(g)
	cp, trail, err := c.Service.ReadComplaint(ctx, who.Org, g.Param("id"))
	if err != nil {
		c.fail(g, err)
		return
	}
	d := complaintData{Complaint: cp, Trail: trail}
	if cp.Serial != "" {
		if d.Scans, err = c.Service.Scans(ctx, who.Org, trace.ScanFilter{Serial: cp.Serial, Limit: 200}); err != nil {
			c.fail(g, err)
			return
		}
		slices.SortStableFunc(d.Scans, func(a, b trace.Scan) int { return b.Time.Compare(a.Time) })
	}
	d.Trace, d.TraceError = c.traceOf(g, p.Lang, cp.Lot)
	p.Subtitle, p.Data = cp.ID, d
	c.render(g, status, "complaint", p)
}

// traceOf draws the lot's trace under the reader's rule; a lot the reader
// may not see is named as such rather than failing the whole page.
func (c *Console) traceOf(g *gin.Context, lang, lot string) (template.HTML, string) {
	if lot == "" {
		return "", "complaint.nolot"
	}
	ctx := g.Request.Context()
	gr, err := c.Service.TraceFor(ctx, signedIn(g).Org, lot)
	if err != nil {
		return "", trace.ErrorMessage(err)
	}
	svg, err := c.drawTrace(ctx, gr, lang)
	if err != nil {
		return "", trace.ErrorMessage(err)
	}
	return svg, ""
}

// drawTrace draws a trace graph with its products' names. internal/picture
// escapes every text it draws, so the picture goes into the page as it is.
func (c *Console) drawTrace(ctx context.Context, gr trace.Graph, lang string) (template.HTML, error) {
	if len(gr.Nodes) == 0 {
		return "", nil
	}
	products := map[string]trace.Product{}
	for _, n := range gr.Nodes {
		if _, ok := products[n.GTIN]; ok {
			continue
		}
		pr, err := c.Store.Product(ctx, n.GTIN)
		if err != nil {
			return "", err
		}
		products[n.GTIN] = pr
	}
	svg, err := picture.TraceSVG(gr, products, lang)
	return template.HTML(svg), err
}

// workFields maps each action's domain fields to the form's, where two
// forms on the page would otherwise share a name.
var workFields = map[string]map[string]string{
	"note":  {"note": "worknote"},
	"close": {"note": "finding"},
}

// workComplaint applies one of the complaint page's forms: assign, note,
// sample or close. The domain checks everything; a refused form is shown
// again with its error next to the field and nothing recorded.
func (c *Console) workComplaint(g *gin.Context) {
	who, id := signedIn(g), g.Param("id")
	p := c.newPage(g, "complaint.title")
	keep(g, p, "step", "assignee", "worknote", "samples", "resolution", "scope", "finding")
	in := trace.WorkInput{
		Action: p.Values["step"], Assignee: strings.TrimSpace(p.Values["assignee"]), Note: strings.TrimSpace(p.Values["worknote"]),
		Samples: p.Values["samples"], Resolution: p.Values["resolution"], Scope: p.Values["scope"],
	}
	if in.Action == "close" {
		in.Note = strings.TrimSpace(p.Values["finding"])
	}
	to := "/console/complaints/" + url.PathEscape(id) + "?done=" + url.QueryEscape(in.Action)
	dup, err := c.once(g, to, func(g *gin.Context) error {
		_, err := c.Service.Work(g.Request.Context(), who.Org, id, in)
		return err
	})
	switch {
	case dup:
	case trace.ErrorCode(err) == trace.EFORBIDDEN, trace.ErrorCode(err) == trace.ENOTFOUND:
		c.fail(g, err)
	case err != nil && showFieldError(p, err, workFields[in.Action]):
		c.showComplaint(g, p, http.StatusUnprocessableEntity)
	case err != nil:
		c.fail(g, err)
	default:
		redirect(g, to)
	}
}

// evidence serves a complaint photo to regulators as the type it was
// stored with (JPEG or PNG, checked at filing), never sniffed into
// something a browser would run.
func (c *Console) evidence(g *gin.Context) {
	ev, err := c.Service.ReadEvidence(g.Request.Context(), signedIn(g).Org, g.Param("hash"))
	if err != nil {
		c.fail(g, err)
		return
	}
	g.Header("Cache-Control", "private, no-store")
	g.Header("X-Content-Type-Options", "nosniff")
	g.Header("Content-Security-Policy", "default-src 'none'; sandbox")
	g.Data(http.StatusOK, ev.ContentType, ev.Data)
}

// Details is a trail entry's payload as fields, for the trail table.
func (p *page) Details(raw json.RawMessage) map[string]any {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}
