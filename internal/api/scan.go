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

	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
	"github.com/agritrace/agritrace/web"
	"github.com/gin-gonic/gin"
)

// Scan verdicts, as the page and the JSON show them.
const (
	verdictGenuine    = "genuine"
	verdictPending    = "pending"
	verdictSuspicious = "suspicious"
	verdictNotGenuine = "not_genuine"
	verdictRecalled   = "recalled"
)

// Provenance is what a scan shows: the page renders it, and JSON clients get it as is.
type Provenance struct {
	Verdict      string         `json:"verdict"`
	Reasons      []string       `json:"reasons,omitempty"`
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

// scan resolves a unit's Digital Link: the page a phone opens from a QR label.
func (s *Server) scan(c *gin.Context) {
	ctx := c.Request.Context()
	link := label.Link{GTIN: c.Param("gtin"), Lot: c.Param("lot"), Serial: c.Param("serial"), KeyID: c.Query("k"), Signature: c.Query("s")}
	p := Provenance{Verdict: verdictGenuine}
	u, err := s.Store.Unit(ctx, link.Serial)
	switch {
	case trace.ErrorCode(err) == trace.ENOTFOUND:
		p.notGenuine("unknown serial: no such label was ever issued")
	case err != nil:
		s.fail(c, err)
		return
	case u.GTIN != link.GTIN || u.LotNumber != link.Lot:
		p.notGenuine("the serial belongs to another product or lot: the label was copied")
	case link.Signature == "":
		p.notGenuine("the label carries no signature")
	case !s.Keys.Verify(link.KeyID, link.GTIN, link.Lot, link.Serial, link.Signature):
		p.notGenuine("the label signature is not valid: the label was forged or altered")
	default:
		p.Unit = &u
		if err := s.provenance(ctx, &p, u.Lot); err != nil {
			s.fail(c, err)
			return
		}
	}
	lotID := trace.LotID(link.GTIN, link.Lot)
	s.recordScan(c, p, link.Serial, lotID)
	s.render(c, &p)
}

// scanLot resolves a lot-level Digital Link, as printed on bags and drums.
func (s *Server) scanLot(c *gin.Context) {
	ctx := c.Request.Context()
	lotID := trace.LotID(c.Param("gtin"), c.Param("lot"))
	p := Provenance{Verdict: verdictGenuine}
	if err := s.provenance(ctx, &p, lotID); trace.ErrorCode(err) == trace.ENOTFOUND {
		p.notGenuine("unknown lot: it was never registered")
	} else if err != nil {
		s.fail(c, err)
		return
	}
	s.recordScan(c, p, "", lotID)
	s.render(c, &p)
}

func (p *Provenance) notGenuine(reason string) {
	p.Verdict = verdictNotGenuine
	p.Reasons = append(p.Reasons, reason)
}

// provenance fills p with the lot, its upstream journey and its verification.
func (s *Server) provenance(ctx context.Context, p *Provenance, lotID string) error {
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
	switch {
	case lot.Status == trace.LotRecalled:
		p.Verdict = verdictRecalled
		p.Reasons = append(p.Reasons, "this lot has been recalled")
	case ledger == verify.Mismatch || ledger == verify.Missing:
		p.Verdict = verdictSuspicious
		p.Reasons = append(p.Reasons, "the records of this product do not match the ledger: they were altered")
	case ledger == verify.Pending && p.Verdict == verdictGenuine:
		p.Verdict = verdictPending
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
func (s *Server) recordScan(c *gin.Context, p Provenance, serial, lotID string) {
	client := "consumer"
	if org, ok, _ := s.bearer(c); ok && org.Has(trace.RoleRegulator) {
		client = "inspector"
	}
	sc := trace.Scan{
		ID: newID(), Serial: serial, Lot: lotID, Time: time.Now().UTC(), Region: c.Query("region"),
		Client: client, Verdict: p.Verdict, Reasons: p.Reasons,
	}
	if err := s.Store.AddScan(c.Request.Context(), sc); err != nil {
		s.Log.Error("record scan", "err", err, "serial", serial)
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
