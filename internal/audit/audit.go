// Package audit assembles the regulator's report on a lot, a serial or a
// complaint: the provenance graph, ledger verification of every event, the
// quantity checks that catch more product sold than was ever made, anomalous
// scans and the complaints filed, with findings that say what is wrong.
package audit

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/agritrace/agritrace/internal/region"
	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
)

// Severities of findings.
const (
	High   = "high"
	Medium = "medium"
	Info   = "info"
)

// QuantityCheck compares what a lot held with what left it.
type QuantityCheck struct {
	Lot       string `json:"lot"`
	BaseUnit  string `json:"baseUnit"`
	Quantity  int64  `json:"quantity"`
	ToLots    int64  `json:"toLots"`
	Sold      int64  `json:"sold"`
	Available int64  `json:"available"`
	Units     int    `json:"units,omitempty"`
	UnitsSold int    `json:"unitsSold,omitempty"`
	OK        bool   `json:"ok"`
	Problem   string `json:"problem,omitempty"`
	ProblemZH string `json:"problemZH,omitempty"`
}

// ComplaintView is a complaint with the verdict on its trail.
type ComplaintView struct {
	trace.Complaint
	Trail  []trace.ComplaintEntry `json:"trail"`
	Ledger string                 `json:"ledger"`
}

// Report is one audit.
type Report struct {
	Subject      string            `json:"subject"`
	SubjectKind  string            `json:"subjectKind"`
	GeneratedAt  time.Time         `json:"generatedAt"`
	Ledger       trace.LedgerInfo  `json:"ledger"`
	Verdict      string            `json:"verdict"`
	Findings     []Finding         `json:"findings"`
	Unit         *trace.Unit       `json:"unit,omitempty"`
	Complaint    *ComplaintView    `json:"complaint,omitempty"`
	Graph        trace.Graph       `json:"graph"`
	Verification []verify.Report   `json:"verification"`
	Quantities   []QuantityCheck   `json:"quantities"`
	Scans        []trace.Scan      `json:"scans"`
	Complaints   []ComplaintView   `json:"complaints"`
	Orgs         map[string]string `json:"orgs"`
}

// Verdicts of a report.
const (
	Clean    = "clean"
	Findings = "findings"
)

// Auditor reads everything an audit needs.
type Auditor struct {
	Service  *trace.Service
	Store    trace.Store
	Verifier verify.Verifier
	Now      func() time.Time
}

// Lot audits a lot and everything up- and downstream of it.
func (a Auditor) Lot(ctx context.Context, lotID string) (Report, error) {
	r := a.start("lot", lotID)
	if err := a.lots(ctx, &r, lotID); err != nil {
		return Report{}, err
	}
	return a.finish(ctx, r)
}

// Serial audits one unit: its lot's audit, with all of the unit's scans.
func (a Auditor) Serial(ctx context.Context, serial string) (Report, error) {
	u, err := a.Store.Unit(ctx, serial)
	if err != nil {
		return Report{}, err
	}
	r := a.start("serial", serial)
	r.Unit = &u
	if err := a.lots(ctx, &r, u.Lot); err != nil {
		return Report{}, err
	}
	scans, err := a.Store.Scans(ctx, trace.ScanFilter{Serial: serial})
	if err != nil {
		return Report{}, err
	}
	r.Scans = mergeScans(r.Scans, scans)
	if u.Status == trace.UnitSold {
		r.addAt(Info, "sold", serial, fmt.Sprintf("sold by %s on %s", u.SoldBy, u.SoldAt.Format(time.DateOnly)),
			fmt.Sprintf("已由 %s 于 %s 售出", u.SoldBy, u.SoldAt.In(china).Format(time.DateOnly)), u.SoldAt)
	}
	return a.finish(ctx, r)
}

// Complaint audits a complaint: its trail on the ledger and the product it names.
func (a Auditor) Complaint(ctx context.Context, id string) (Report, error) {
	c, err := a.Store.Complaint(ctx, id)
	if err != nil {
		return Report{}, err
	}
	view, err := a.complaintView(ctx, c)
	if err != nil {
		return Report{}, err
	}
	r := a.start("complaint", id)
	r.Complaint = &view
	if view.Ledger != verify.Verified && view.Ledger != verify.Pending {
		r.add(High, "complaint_altered", id, "the complaint's trail does not match the ledger: "+view.Ledger,
			"投诉处理记录与区块链账本不一致："+verdictZH[view.Ledger])
	}
	lotID := c.Lot
	if c.Serial != "" {
		u, err := a.Store.Unit(ctx, c.Serial)
		switch {
		case err == nil:
			r.Unit, lotID = &u, u.Lot
			scans, err := a.Store.Scans(ctx, trace.ScanFilter{Serial: c.Serial})
			if err != nil {
				return Report{}, err
			}
			r.Scans = mergeScans(r.Scans, scans)
		case trace.ErrorCode(err) == trace.ENOTFOUND:
			r.add(High, "unknown_serial", c.Serial, "the reported serial was never issued: the product is not genuine",
				"被投诉的序列号从未签发：产品不是正品")
		default:
			return Report{}, err
		}
	}
	if lotID != "" {
		err := a.lots(ctx, &r, lotID)
		if trace.ErrorCode(err) == trace.ENOTFOUND {
			r.add(High, "unknown_lot", lotID, "the reported lot was never registered", "被投诉的批次从未登记")
		} else if err != nil {
			return Report{}, err
		}
	}
	return a.finish(ctx, r)
}

func (a Auditor) start(kind, id string) Report {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	return Report{Subject: id, SubjectKind: kind, GeneratedAt: now().UTC(), Ledger: a.Verifier.Ledger.Info(),
		Findings: []Finding{}, Quantities: []QuantityCheck{}, Scans: []trace.Scan{}, Complaints: []ComplaintView{}, Verification: []verify.Report{}}
}

// lots fills the graph and, for every lot in it, verification, quantities,
// anomalous scans and complaints.
func (a Auditor) lots(ctx context.Context, r *Report, lotID string) error {
	g, err := a.Service.Trace(ctx, lotID)
	if err != nil {
		return err
	}
	r.Graph = g
	if err := a.licences(ctx, r, g.Nodes); err != nil {
		return err
	}
	for _, l := range g.Nodes {
		v, err := a.Verifier.Lot(ctx, l.ID)
		if err != nil {
			return err
		}
		r.Verification = append(r.Verification, v)
		switch v.Verdict {
		case verify.Mismatch:
			r.add(High, "records_altered", l.ID, "events in the store do not match the ledger: the records were altered",
				"数据库中的事件与区块链账本不一致：记录被篡改")
		case verify.Missing:
			r.add(High, "records_missing", l.ID, "events are missing from the store or the ledger", "数据库或账本中缺少事件记录")
		case verify.Pending:
			r.add(Info, "anchoring_pending", l.ID, "some events are still waiting to be anchored", "部分事件尚待上链")
		}
		if l.Status == trace.LotRecalled {
			r.add(Info, "recalled", l.ID, "the lot is recalled", "该批次已召回")
		}
		q, err := a.quantities(ctx, l)
		if err != nil {
			return err
		}
		if !q.OK {
			r.add(High, "quantity_exceeded", l.ID, q.Problem, q.ProblemZH)
		}
		r.Quantities = append(r.Quantities, q)
		// Only the lot's alerting scans, found by verdict: a lot of bottles
		// has thousands of genuine scans that would push older alerts out.
		scans, err := a.Store.Scans(ctx, trace.ScanFilter{Lot: l.ID, Verdicts: scan.AlertVerdicts, Limit: 5000})
		if err != nil {
			return err
		}
		r.Scans = mergeScans(r.Scans, scans)
		complaints, err := a.Store.Complaints(ctx, trace.ComplaintFilter{Lot: l.ID})
		if err != nil {
			return err
		}
		for _, c := range complaints {
			if slices.ContainsFunc(r.Complaints, func(v ComplaintView) bool { return v.ID == c.ID }) {
				continue
			}
			view, err := a.complaintView(ctx, c)
			if err != nil {
				return err
			}
			r.Complaints = append(r.Complaints, view)
		}
	}
	return nil
}

func (a Auditor) complaintView(ctx context.Context, c trace.Complaint) (ComplaintView, error) {
	trail, err := a.Store.ComplaintEntries(ctx, c.ID)
	if err != nil {
		return ComplaintView{}, err
	}
	v, err := a.Verifier.Complaint(ctx, c.ID)
	if err != nil {
		return ComplaintView{}, err
	}
	return ComplaintView{Complaint: c, Trail: trail, Ledger: v.Verdict}, nil
}

// finish adds findings from scans and complaints and the organization names.
func (a Auditor) finish(ctx context.Context, r Report) (Report, error) {
	for _, s := range r.Scans {
		if !(scan.Result{Verdict: s.Verdict}).Alert() {
			continue
		}
		subject := s.Serial
		if subject == "" {
			subject = s.Lot
		}
		r.addAt(Medium, "scan_"+s.Verdict, subject, fmt.Sprintf("%s scan in %s on %s: %v", s.Client, scanPlace(s.Region), s.Time.Format("2006-01-02 15:04"), s.Reasons),
			fmt.Sprintf("%s于%s扫码（%s）：%s %v", scanPlaceZH(s.Region), s.Time.In(china).Format("2006-01-02 15:04"), s.Client, verdictZH[s.Verdict], s.Reasons), s.Time)
	}
	for _, c := range r.Complaints {
		sev := Medium
		if c.Status == trace.ComplaintConfirmed {
			sev = High
		}
		r.addAt(sev, "complaint_"+c.Status, c.ID, fmt.Sprintf("%s complaint (%s): %s", c.Kind, c.Status, c.Description),
			fmt.Sprintf("%s投诉（%s）：%s", complaintKindZH[c.Kind], verdictZH[c.Status], c.Description), c.CreatedAt)
	}
	r.Findings = group(r.Findings)
	r.Verdict = Clean
	for _, f := range r.Findings {
		if f.Severity != Info {
			r.Verdict = Findings
		}
	}
	orgs, err := a.Store.Orgs(ctx)
	if err != nil {
		return r, err
	}
	r.Orgs = map[string]string{}
	for _, o := range orgs {
		r.Orgs[o.ID] = o.Name
	}
	return r, nil
}

func mergeScans(have, more []trace.Scan) []trace.Scan {
	for _, s := range more {
		if !slices.ContainsFunc(have, func(h trace.Scan) bool { return h.ID == s.ID }) {
			have = append(have, s)
		}
	}
	return have
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// scanPlaceZH is scanPlace in Chinese.
func scanPlaceZH(code string) string {
	if name := region.Name(code, "zh"); name != code {
		return fmt.Sprintf("%s（%s）", name, code)
	}
	return "地区 " + or(code, "未知")
}

// verdictZH names verdicts and complaint statuses in Chinese.
var verdictZH = map[string]string{
	verify.Verified: "已核验", verify.Pending: "待上链", verify.Missing: "记录缺失", verify.Mismatch: "记录不符",
	scan.Suspicious: "可疑", scan.NotGenuine: "非正品", scan.Recalled: "已召回",
	trace.ComplaintOpen: "待处理", trace.ComplaintAssigned: "已指派", trace.ComplaintInvestigating: "调查中",
	trace.ComplaintConfirmed: "已查实", trace.ComplaintUnfounded: "不成立",
}

// complaintKindZH names complaint kinds in Chinese.
var complaintKindZH = map[string]string{"counterfeit": "假冒", "refill": "回收灌装", "quality": "质量", "expired": "过期", "other": "其他"}

// scanPlace says where a scan came from: the division code and, where known,
// its name.
func scanPlace(code string) string {
	if name := region.Name(code, "en"); name != code {
		return fmt.Sprintf("region %s (%s)", code, name)
	}
	return "region " + or(code, "unknown")
}
