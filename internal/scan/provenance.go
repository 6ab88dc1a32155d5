package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/agritrace/agritrace/internal/standard"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
)

// Provenance is what a scan shows: the page renders it, and JSON clients get
// it as is.
type Provenance struct {
	// Serial and LotID are what was scanned, known or not.
	Serial  string   `json:"serial,omitempty"`
	LotID   string   `json:"lotId"`
	Verdict string   `json:"verdict"`
	Reasons []Reason `json:"reasons,omitempty"`
	Place   Place    `json:"place"`
	// Scanners is how many distinct consumers have scanned this label.
	Scanners int            `json:"scanners,omitempty"`
	Unit     *trace.Unit    `json:"unit,omitempty"`
	Lot      *trace.Lot     `json:"lot,omitempty"`
	Product  *trace.Product `json:"product,omitempty"`
	// Origins are as the public may see them: a grower's name only with
	// the grower's consent (trace.Origin.Public).
	Origins []trace.Origin `json:"origins,omitempty"`
	// Maker is the processor that made or packed the product.
	Maker     *Maker         `json:"maker,omitempty"`
	Recall    *Recall        `json:"recall,omitempty"`
	Quality   []Quality      `json:"quality,omitempty"`
	Journey   []Chapter      `json:"journey,omitempty"`
	Ledger    *LedgerVerdict `json:"ledger,omitempty"`
	ScannedAt string         `json:"scannedAt"`
	// Record is the scan to keep.
	Record trace.Scan `json:"-"`
	// memo holds what was made from a kept provenance, shared by every scan
	// that reuses it; nil for one computed for this scan alone.
	memo *sync.Map

	// Certificates are the 承诺达标合格证 issued for any lot of the journey.
	Certificates []Certified `json:"certificates,omitempty"`
}

// Memo returns what build returns for key: made once per kept provenance,
// such as a rendering of its history in one language, and made afresh for
// a provenance that is not kept. build must depend on nothing but the
// provenance's own history and the key.
func (p *Provenance) Memo(key string, build func() (string, error)) (string, error) {
	if p.memo != nil {
		if v, ok := p.memo.Load(key); ok {
			return v.(string), nil
		}
	}
	v, err := build()
	if err == nil && p.memo != nil {
		p.memo.Store(key, v)
	}
	return v, err
}

// In what capacity a test result was recorded.
const (
	CapacityRegulator = "regulator"
	CapacityLab       = "lab"
	CapacityHolder    = "holder"
)

// Quality is one test result on a lot in the product's history, with who
// recorded it, in what capacity and when. Every result is listed, so a
// holder's later figure sits beside a regulator's, never in its place.
type Quality struct {
	Lot      string `json:"lot"`
	Key      string `json:"key"`
	Value    any    `json:"value"`
	By       string `json:"by"`
	ByName   string `json:"byName"`
	Capacity string `json:"capacity"`
	// Official marks a regulator's or accredited lab's result.
	Official bool   `json:"official"`
	Time     string `json:"time"`
	// Limit is what the applicable national standard allows, and Verdict
	// (standard.Pass or Fail) whether Value meets it; both are absent for a
	// result no standard in our table covers.
	Limit   *standard.Limit `json:"limit,omitempty"`
	Verdict string          `json:"verdict,omitempty"`
	at      time.Time
}

// Step is one custody event on the journey, with its ledger verdict.
type Step struct {
	Lot       string      `json:"lot"`
	Seq       int64       `json:"seq"`
	Type      string      `json:"type"`
	Actor     string      `json:"actor"`
	ActorName string      `json:"actorName"`
	Place     trace.Place `json:"place"`
	// To and ToName are whom a shipment went to.
	To       string `json:"to,omitempty"`
	ToName   string `json:"toName,omitempty"`
	Time     string `json:"time"`
	Quantity string `json:"quantity"`
	Check    string `json:"check"`
	TxID     string `json:"txId,omitempty"`
	Block    uint64 `json:"block,omitempty"`
}

// LedgerVerdict sums up the verification of every event on the journey.
type LedgerVerdict struct {
	trace.LedgerInfo
	Verdict string `json:"verdict"`
}

// Unit judges a scan of a unit label and returns everything its page shows.
func (j Judge) Unit(ctx context.Context, l Label) (Provenance, error) {
	r, err := j.unit(ctx, l)
	if err != nil {
		return Provenance{}, err
	}
	p := Provenance{Serial: l.Serial, LotID: trace.LotID(l.GTIN, l.Lot)}
	if r.Unit != nil {
		p.Unit = r.Unit
		if err := j.provenance(ctx, &p, &r, r.Unit.Lot); err != nil {
			return Provenance{}, err
		}
	}
	return j.finish(p, l, r), nil
}

// Lot judges a scan of a lot-level link, as printed on bags and drums.
func (j Judge) Lot(ctx context.Context, l Label) (Provenance, error) {
	r := Result{Verdict: Genuine, Place: j.locate(l)}
	p := Provenance{LotID: trace.LotID(l.GTIN, l.Lot)}
	err := j.provenance(ctx, &p, &r, p.LotID)
	switch {
	case trace.ErrorCode(err) == trace.ENOTFOUND:
		r.add(NotGenuine, UnknownSerial, "未知批次：从未登记", "unknown lot: it was never registered")
	case err != nil:
		return Provenance{}, err
	default:
		if p.Lot.Status == trace.LotRecalled {
			r.add(Recalled, LotRecalled, "该批次已被召回，请勿食用", "this lot has been recalled: do not consume")
		}
		if err := j.findings(ctx, &r, "", p.LotID); err != nil {
			return Provenance{}, err
		}
	}
	return j.finish(p, l, r), nil
}

func (j Judge) finish(p Provenance, l Label, r Result) Provenance {
	p.Verdict, p.Reasons, p.Place, p.Scanners = r.Verdict, r.Reasons, r.Place, r.Scanners
	p.ScannedAt = l.Time.In(chinaTime).Format("2006-01-02 15:04:05")
	p.Record = trace.Scan{
		Serial: l.Serial, Lot: p.LotID, Time: l.Time, Region: r.Place.Region,
		RegionSource: r.Place.Source, ReportedRegion: r.Place.Reported, Scanner: scannerID(l),
		Client: l.Client, Verdict: r.Verdict,
	}
	for _, rs := range r.Reasons {
		p.Record.Reasons = append(p.Record.Reasons, rs.Code)
	}
	return p
}

// provenance fills p with the lot, its upstream journey, its test results
// and its verification, and adds to r what the ledger says.
func (j Judge) provenance(ctx context.Context, p *Provenance, r *Result, lotID string) error {
	counter, counts := j.Store.(WriteCounter)
	var gen uint64
	if counts {
		gen = counter.LotWrites()
	}
	if counts && j.Cache != nil {
		lot, err := j.Store.Lot(ctx, lotID)
		if err != nil {
			return err
		}
		if kept, ok := j.Cache.unmoved(lot, gen); ok {
			p.setLot(lot)
			p.useKept(kept)
			return nil
		}
	}
	lots, err := j.Service.Upstream(ctx, lotID)
	if err != nil {
		return err
	}
	lot := lots[0]
	p.setLot(lot)
	if kept, ok := j.Cache.verified(lots); ok {
		p.useKept(kept)
		return nil
	}
	if prod, err := j.Store.Product(ctx, lot.GTIN); err == nil {
		p.Product = &prod
	}
	orgs, err := j.Store.Orgs(ctx)
	if err != nil {
		return fmt.Errorf("provenance of %s: %w", lotID, err)
	}
	byID := map[string]trace.Org{}
	for _, o := range orgs {
		byID[o.ID] = o
	}
	ledger := verify.Verified
	// Chapters read from the fields to the shelf: the deepest upstream lot
	// first, the scanned lot last.
	for depth := len(lots) - 1; depth >= 0; depth-- {
		l := lots[depth]
		if l.Origin != nil && len(l.Parents) == 0 {
			p.Origins = append(p.Origins, l.Origin.Public())
		}
		report, err := j.Verifier.Lot(ctx, l.ID)
		if err != nil {
			return err
		}
		p.Ledger = &LedgerVerdict{LedgerInfo: report.Ledger}
		ledger = verify.Worst(ledger, report.Verdict)
		events, err := j.Store.Events(ctx, l.ID)
		if err != nil {
			return err
		}
		// A lot whose product is not registered still has a journey to show.
		prod, _ := j.Store.Product(ctx, l.GTIN)
		p.Journey = append(p.Journey, chapter(l, prod, events, report.Events, byID))
		p.Quality = append(p.Quality, results(l, prod.Category, events, byID)...)
		p.Certificates = append(p.Certificates, certified(events, report.Events)...)
		if depth == 0 {
			p.Recall = recallOf(events, byID)
		}
		// The processor nearest the scanned lot (the one that packed it) is
		// the maker, so later chapters overwrite earlier ones.
		if o := byID[l.Producer]; o.Has(trace.RoleProcessor) {
			p.Maker = &Maker{ID: o.ID, Name: o.Name, NameEN: o.NameEN, SCCode: o.SCCode}
		}
	}
	// Results read by test, official ones first, then in time order.
	sort.SliceStable(p.Quality, func(i, j int) bool {
		a, b := p.Quality[i], p.Quality[j]
		switch {
		case a.Key != b.Key:
			return a.Key < b.Key
		case a.Official != b.Official:
			return a.Official
		}
		return a.at.Before(b.at)
	})
	p.Ledger.Verdict = ledger
	j.Cache.keep(lots, gen, Provenance{
		Product: p.Product, Origins: p.Origins, Maker: p.Maker, Recall: p.Recall,
		Quality: p.Quality, Journey: p.Journey, Ledger: p.Ledger, Certificates: p.Certificates, memo: &sync.Map{},
	}, ledger == verify.Verified)
	switch ledger {
	case verify.Mismatch, verify.Missing:
		r.ledgerAltered()
	case verify.Pending:
		if r.Verdict == Genuine {
			r.Verdict = Pending
		}
	}
	return nil
}

// setLot shows the scanned lot, whose origin goes out to the public too.
func (p *Provenance) setLot(lot trace.Lot) {
	p.Lot = &lot
	if lot.Origin != nil {
		public := lot.Origin.Public()
		p.Lot.Origin = &public
	}
}

// useKept takes what a Cache kept of the lot's provenance.
func (p *Provenance) useKept(kept Provenance) {
	p.Product, p.Origins, p.Maker, p.Recall = kept.Product, kept.Origins, kept.Maker, kept.Recall
	p.Quality, p.Journey, p.Ledger, p.memo = kept.Quality, kept.Journey, kept.Ledger, kept.memo
	p.Certificates = kept.Certificates
}

// results lists a lot's test results: the attributes declared when it was
// made, by the organization that made it, and every inspection's results by
// whoever recorded them.
func results(l trace.Lot, category string, events []trace.Event, orgs map[string]trace.Org) []Quality {
	var out []Quality
	add := func(e trace.Event, vals map[string]any) {
		ks := make([]string, 0, len(vals))
		for k := range vals {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		o := orgs[e.Actor]
		capacity := capacityOf(o)
		for _, k := range ks {
			q := Quality{
				Lot: l.Number, Key: k, Value: vals[k], By: e.Actor, ByName: or(o.Name, e.Actor), Capacity: capacity,
				Official: capacity != CapacityHolder, Time: e.Time.In(chinaTime).Format("2006-01-02 15:04"), at: e.Time,
			}
			if lim, ok := standard.For(category, k); ok {
				q.Limit, q.Verdict = &lim, lim.Judge(vals[k])
			}
			out = append(out, q)
		}
	}
	for _, e := range events {
		switch {
		case e.Seq == 0 && len(l.Attributes) > 0:
			add(e, l.Attributes)
		case e.Type == trace.EventInspect:
			var body struct {
				Results map[string]any `json:"results"`
			}
			d := json.NewDecoder(bytes.NewReader(e.Payload))
			d.UseNumber() // a figure reads as it was recorded
			if d.Decode(&body) == nil {
				add(e, body.Results)
			}
		}
	}
	return out
}

func capacityOf(o trace.Org) string {
	switch {
	case o.Has(trace.RoleRegulator):
		return CapacityRegulator
	case o.Has(trace.RoleLab):
		return CapacityLab
	}
	return CapacityHolder
}

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
