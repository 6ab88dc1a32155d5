package api

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
	"github.com/agritrace/agritrace/web"
	"github.com/gin-gonic/gin"
)

// Provenance is what a scan shows: the page renders it, and JSON clients get it as is.
type Provenance struct {
	// Serial and LotID are what was scanned, known or not.
	Serial       string         `json:"serial,omitempty"`
	LotID        string         `json:"lotId"`
	Verdict      string         `json:"verdict"`
	Reasons      []scan.Reason  `json:"reasons,omitempty"`
	Unit         *trace.Unit    `json:"unit,omitempty"`
	Lot          *trace.Lot     `json:"lot,omitempty"`
	Product      *trace.Product `json:"product,omitempty"`
	Origins      []trace.Origin `json:"origins,omitempty"`
	Quality      []Quality      `json:"quality,omitempty"`
	Steps        []Step         `json:"steps,omitempty"`
	Ledger       *LedgerVerdict `json:"ledger,omitempty"`
	ScannedAt    string         `json:"scannedAt"`
	Lang         string         `json:"-"`
	OtherLangURL template.URL   `json:"-"`
}

// Quality is one test result on a lot in the product's history.
type Quality struct {
	Lot   string `json:"lot"`
	Key   string `json:"key"`
	Value any    `json:"value"`
}

// Step is one custody event on the journey, with its ledger verdict.
type Step struct {
	Lot       string      `json:"lot"`
	Seq       int64       `json:"seq"`
	Type      string      `json:"type"`
	Actor     string      `json:"actor"`
	ActorName string      `json:"actorName"`
	Place     trace.Place `json:"place"`
	Time      string      `json:"time"`
	Quantity  string      `json:"quantity"`
	Check     string      `json:"check"`
	TxID      string      `json:"txId,omitempty"`
	Block     uint64      `json:"block,omitempty"`
}

// LedgerVerdict sums up the verification of every event on the journey.
type LedgerVerdict struct {
	trace.LedgerInfo
	Verdict string `json:"verdict"`
}

func (s *Server) mountWeb(r *gin.Engine) {
	r.SetHTMLTemplate(web.Templates())
	r.StaticFS("/static", http.FS(web.Static()))
}

// scanUnit resolves a unit's Digital Link: the page a phone opens from a QR label.
func (s *Server) scanUnit(c *gin.Context) {
	ctx := c.Request.Context()
	in := scan.Label{
		GTIN: c.Param("gtin"), Lot: c.Param("lot"), Serial: c.Param("serial"), KeyID: c.Query("k"), Signature: c.Query("s"),
		Client: s.client(c), Region: region(c), Time: time.Now().UTC(),
	}
	res, err := s.Judge.Unit(ctx, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := Provenance{Serial: in.Serial, LotID: trace.LotID(in.GTIN, in.Lot)}
	if res.Unit != nil {
		p.Unit = res.Unit
		if err := s.provenance(ctx, &p, &res, res.Unit.Lot); err != nil {
			s.fail(c, err)
			return
		}
	}
	p.Verdict, p.Reasons = res.Verdict, res.Reasons
	s.recordScan(c, in, trace.LotID(in.GTIN, in.Lot), res)
	s.render(c, &p)
}

// scanLot resolves a lot-level Digital Link, as printed on bags and drums.
func (s *Server) scanLot(c *gin.Context) {
	ctx := c.Request.Context()
	in := scan.Label{GTIN: c.Param("gtin"), Lot: c.Param("lot"), Client: s.client(c), Region: region(c), Time: time.Now().UTC()}
	res := scan.Result{Verdict: scan.Genuine}
	p := Provenance{LotID: trace.LotID(in.GTIN, in.Lot)}
	err := s.provenance(ctx, &p, &res, trace.LotID(in.GTIN, in.Lot))
	switch {
	case trace.ErrorCode(err) == trace.ENOTFOUND:
		res.UnknownLot()
	case err != nil:
		s.fail(c, err)
		return
	case p.Lot.Status == trace.LotRecalled:
		res.LotRecalledFinding()
	}
	p.Verdict, p.Reasons = res.Verdict, res.Reasons
	s.recordScan(c, in, trace.LotID(in.GTIN, in.Lot), res)
	s.render(c, &p)
}

// client tells an inspector, who scans with the regulator's key, from a consumer.
func (s *Server) client(c *gin.Context) string {
	if org, ok, _ := s.bearer(c); ok && org.Has(trace.RoleRegulator) {
		return scan.Inspector
	}
	return scan.Consumer
}

// region is the coarse place a scan comes from, as the page's script or the
// inspector's scanner reports it; anything but a division code is ignored.
func region(c *gin.Context) string {
	r := c.Query("region")
	if trace.ValidateRegion("region", r) != nil {
		return ""
	}
	return r
}

// provenance fills p with the lot, its upstream journey and its verification,
// and adds to res what the ledger says.
func (s *Server) provenance(ctx context.Context, p *Provenance, res *scan.Result, lotID string) error {
	lots, err := s.Service.Upstream(ctx, lotID)
	if err != nil {
		return err
	}
	lot := lots[0]
	p.Lot = &lot
	if prod, err := s.Store.Product(ctx, lot.GTIN); err == nil {
		p.Product = &prod
	}
	names := s.orgNames(ctx)
	ledger := verify.Verified
	type sortKey struct {
		at    time.Time
		depth int
	}
	keys := map[*Step]sortKey{}
	var steps []*Step
	for depth, l := range lots {
		if l.Origin != nil && len(l.Parents) == 0 {
			p.Origins = append(p.Origins, *l.Origin)
		}
		report, err := s.Verifier.Lot(ctx, l.ID)
		if err != nil {
			return err
		}
		p.Ledger = &LedgerVerdict{LedgerInfo: report.Ledger}
		ledger = verify.Worst(ledger, report.Verdict)
		checks := map[int64]verify.Check{}
		for _, ch := range report.Events {
			checks[ch.Seq] = ch
		}
		events, err := s.Store.Events(ctx, l.ID)
		if err != nil {
			return err
		}
		for _, e := range events {
			ch := checks[e.Seq]
			step := &Step{
				Lot: e.Lot, Seq: e.Seq, Type: e.Type, Actor: e.Actor, ActorName: or(names[e.Actor], e.Actor), Place: e.Place,
				Time: e.Time.In(chinaTime).Format("2006-01-02 15:04"), Quantity: quantity(e.Quantity, l.BaseUnit),
				Check: ch.Verdict, TxID: ch.TxID, Block: ch.Block,
			}
			keys[step] = sortKey{e.Time, depth}
			steps = append(steps, step)
		}
		keys := make([]string, 0, len(l.Attributes))
		for k := range l.Attributes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p.Quality = append(p.Quality, Quality{Lot: l.Number, Key: k, Value: l.Attributes[k]})
		}
	}
	// The journey reads in time order; events of the same instant (a transform
	// touches several lots at once) read upstream first.
	sort.SliceStable(steps, func(i, j int) bool {
		a, b := keys[steps[i]], keys[steps[j]]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		return a.depth > b.depth
	})
	for _, st := range steps {
		p.Steps = append(p.Steps, *st)
	}
	p.Ledger.Verdict = ledger
	switch ledger {
	case verify.Mismatch, verify.Missing:
		res.LedgerAltered()
	case verify.Pending:
		if res.Verdict == scan.Genuine {
			res.Verdict = scan.Pending
		}
	}
	return nil
}

// chinaTime shows times as the people scanning read clocks.
var chinaTime = time.FixedZone("CST", 8*3600)

func quantity(q int64, base string) string {
	switch base {
	case "g":
		if q >= 1_000_000 {
			return fmt.Sprintf("%.3f t", float64(q)/1e6)
		}
		return fmt.Sprintf("%.3f kg", float64(q)/1e3)
	case "mL":
		return fmt.Sprintf("%.1f L", float64(q)/1e3)
	}
	return fmt.Sprintf("%d pcs", q)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *Server) orgNames(ctx context.Context) map[string]string {
	orgs, err := s.Store.Orgs(ctx)
	names := map[string]string{}
	if err != nil {
		s.Log.Warn("list organizations for a page", "err", err)
		return names
	}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	return names
}

// recordScan keeps every scan; a scan that cannot be recorded still gets its
// answer, since the person holding the bottle is owed one.
func (s *Server) recordScan(c *gin.Context, in scan.Label, lotID string, res scan.Result) {
	sc := trace.Scan{
		ID: newID(), Serial: in.Serial, Lot: lotID, Time: in.Time, Region: in.Region,
		Client: in.Client, Verdict: res.Verdict,
	}
	for _, r := range res.Reasons {
		sc.Reasons = append(sc.Reasons, r.Code)
	}
	if err := s.Store.AddScan(c.Request.Context(), sc); err != nil {
		s.Log.Error("record scan", "err", err, "serial", in.Serial)
	}
	if res.Alert() {
		s.Log.Warn("suspicious scan", "serial", in.Serial, "lot", lotID, "verdict", res.Verdict, "reasons", sc.Reasons, "region", in.Region)
	}
}

func (s *Server) render(c *gin.Context, p *Provenance) {
	p.ScannedAt = time.Now().In(chinaTime).Format("2006-01-02 15:04:05")
	status := http.StatusOK
	if wantsJSON(c) {
		c.JSON(status, p)
		return
	}
	p.Lang = web.Lang(c.Query("lang"), c.GetHeader("Accept-Language"))
	q := c.Request.URL.Query()
	q.Set("lang", map[string]string{"zh": "en", "en": "zh"}[p.Lang])
	p.OtherLangURL = template.URL((&url.URL{Path: c.Request.URL.Path, RawQuery: q.Encode()}).String())
	c.HTML(status, "scan.html", p)
}

func wantsJSON(c *gin.Context) bool {
	accept := c.GetHeader("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}
