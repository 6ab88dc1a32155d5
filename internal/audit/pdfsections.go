package audit

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
)

// The sections of the printed report, in the order they appear.

var severityRank = map[string]int{High: 0, Medium: 1, Info: 2}

var kindZH = map[string]string{"lot": "批次", "serial": "单品序列号", "complaint": "投诉"}

func (d *doc) header() {
	r := d.r
	pw, _ := d.pdf.GetPageSize()
	d.style(16, true, black)
	d.para("农产品溯源审计报告", 8)
	d.style(12, false, gray)
	d.para("Traceability audit report", 6)
	d.pdf.SetY(d.pdf.GetY() + 3)
	if d.font == nil {
		d.style(8, false, red)
		d.para("No Chinese font was available: characters outside Windows-1252 are printed as '?'.", 4)
		d.pdf.SetY(d.pdf.GetY() + 1)
	}
	ledger := r.Ledger.Kind
	if r.Ledger.Channel != "" {
		ledger += " · channel " + r.Ledger.Channel
	}
	if r.Ledger.Chaincode != "" {
		ledger += " · chaincode " + r.Ledger.Chaincode
	}
	d.fields([][2]string{
		{"审计对象 Subject", strings.TrimSpace(kindZH[r.SubjectKind] + " " + r.SubjectKind + " " + r.Subject)},
		{"生成时间 Generated", r.GeneratedAt.In(china).Format("2006-01-02 15:04:05") + " 北京时间 (UTC+8)"},
		{"账本 Ledger", or(ledger, "-")},
	})
	counts := map[string]int{}
	for _, f := range r.Findings {
		counts[f.Severity]++
	}
	verdict, fill, ink := "结论 Verdict:  无异常  CLEAN", [3]int{225, 243, 228}, green
	if r.Verdict != Clean {
		verdict, fill, ink = "结论 Verdict:  发现问题  FINDINGS", [3]int{253, 228, 228}, red
	}
	verdict += fmt.Sprintf("   (高 high %d · 中 medium %d · 提示 info %d)", counts[High], counts[Medium], counts[Info])
	y := d.pdf.GetY() + 3
	d.pdf.SetFillColor(fill[0], fill[1], fill[2])
	d.pdf.SetDrawColor(ink[0], ink[1], ink[2])
	d.pdf.Rect(margin, y, pw-2*margin, 10, "FD")
	d.pdf.SetDrawColor(lineGray, lineGray, lineGray)
	d.style(11, true, ink)
	d.text(margin+3, y, pw-2*margin-6, 10, verdict, 'L')
	d.pdf.SetXY(margin, y+12)
}

func (d *doc) findings() {
	d.heading("发现", "Findings")
	fs := slices.Clone(d.r.Findings)
	slices.SortStableFunc(fs, func(a, b Finding) int { return severityRank[a.Severity] - severityRank[b.Severity] })
	rows := make([][]string, len(fs))
	for i, f := range fs {
		rows[i] = []string{f.Severity, f.Code, f.subjects(), f.summary(true) + "\n" + f.summary(false)}
	}
	d.table([]column{{"级别 Severity", 18, 'L'}, {"代码 Code", 30, 'L'}, {"对象 Subject", 38, 'L'}, {"说明 Message", 94, 'L'}}, rows,
		func(i int) [3]int {
			if fs[i].Severity == High {
				return red
			}
			return black
		})
}

func (d *doc) unit(u trace.Unit) {
	d.heading("单品", "Unit")
	sold := "-"
	if u.SoldBy != "" {
		sold = d.nameID(u.SoldBy) + " · " + when(u.SoldAt)
	}
	d.fields([][2]string{
		{"序列号 Serial", u.Serial},
		{"批次 Lot", u.Lot},
		{"GTIN / 批号 Lot number", u.GTIN + " / " + u.LotNumber},
		{"状态 Status", u.Status},
		{"售出 Sold", sold},
		{"赋码时间 Labelled", when(u.CreatedAt)},
		{"签名密钥 Key", u.KeyID},
	})
}

func (d *doc) complaint(c ComplaintView) {
	d.heading("投诉", "Complaint")
	product := c.Serial
	if c.Lot != "" {
		product = strings.TrimSpace(product + " " + c.Lot)
	}
	d.fields([][2]string{
		{"编号 ID", c.ID},
		{"类型 Kind", c.Kind},
		{"状态 Status", c.Status},
		{"产品 Product", product},
		{"地区 Region", or(c.Region, "-")},
		{"举报人 Reporter", d.nameID(c.Reporter)},
		{"承办人 Assignee", or(c.Assignee, "-")},
		{"提交时间 Filed", when(c.CreatedAt)},
		{"证据 Evidence", fmt.Sprintf("%d 张照片 photos", len(c.Evidence))},
		{"描述 Description", c.Description},
	})
	d.pdf.SetY(d.pdf.GetY() + 2)
	rows := make([][]string, len(c.Trail))
	for i, e := range c.Trail {
		rows[i] = []string{strconv.FormatInt(e.Seq, 10), e.Action, d.actor(e.Actor, e.Person), when(e.Time), or(entryNote(e), "-")}
	}
	d.table([]column{{"序号 Seq", 14, 'R'}, {"操作 Action", 20, 'L'}, {"操作人 Actor", 50, 'L'}, {"时间 Time (UTC+8)", 30, 'L'}, {"备注 Note", 66, 'L'}}, rows,
		func(int) [3]int { return black })
	d.style(9, true, ledgerColor(c.Ledger))
	d.para("投诉记录账本核验 Trail on the ledger: "+or(c.Ledger, "-"), 5)
	d.style(9, false, black)
}

func (d *doc) graph() {
	g := d.r.Graph
	d.heading("溯源图", "Provenance")
	units := map[string]string{}
	rows := make([][]string, len(g.Nodes))
	for i, l := range g.Nodes {
		units[l.ID] = l.BaseUnit
		id := l.ID
		if l.ID == g.Root {
			id += "\n(审计批次 audited)"
		}
		origin := "-"
		if o := l.Origin; o != nil {
			parts := []string{o.Village, o.Farm}
			if o.HarvestDate != "" {
				parts = append(parts, "收获 "+o.HarvestDate)
			}
			origin = strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), " · ")
		}
		rows[i] = []string{id, l.GTIN, qty(l.Quantity, l.BaseUnit), l.Status, d.name(l.Custodian), d.name(l.Producer), origin}
	}
	d.style(9, true, black)
	d.para("批次 Lots", 6)
	d.table([]column{{"批次 Lot", 34, 'L'}, {"GTIN", 25, 'L'}, {"数量 Quantity", 22, 'R'}, {"状态 Status", 18, 'L'},
		{"持有方 Custodian", 27, 'L'}, {"生产方 Producer", 27, 'L'}, {"产地 Origin", 27, 'L'}}, rows,
		func(i int) [3]int {
			if g.Nodes[i].Status == trace.LotRecalled {
				return red
			}
			return black
		})
	rows = make([][]string, len(g.Edges))
	for i, e := range g.Edges {
		rows[i] = []string{e.From + "  ->  " + e.To, qty(e.Quantity, or(units[e.From], units[e.To]))}
	}
	d.style(9, true, black)
	d.para("流向 Edges", 6)
	d.table([]column{{"来源 -> 去向 From -> To", 140, 'L'}, {"数量 Quantity", 40, 'R'}}, rows, func(int) [3]int { return black })
}

func (d *doc) verification() {
	d.heading("账本核验", "Ledger verification")
	var rows, problems [][]string
	var problemColors [][3]int
	for _, v := range d.r.Verification {
		n := map[string]int{}
		for _, c := range v.Events {
			n[c.Verdict]++
			if c.Verdict == verify.Mismatch || c.Verdict == verify.Missing {
				problems = append(problems, []string{v.Key, strconv.FormatInt(c.Seq, 10), or(c.Type, "-"), c.Verdict, c.Reason})
				problemColors = append(problemColors, red)
			}
		}
		rows = append(rows, []string{v.Key, v.Verdict, strconv.Itoa(n[verify.Verified]), strconv.Itoa(n[verify.Pending]),
			strconv.Itoa(n[verify.Missing]), strconv.Itoa(n[verify.Mismatch])})
	}
	d.table([]column{{"批次 Lot", 60, 'L'}, {"结论 Verdict", 28, 'L'}, {"已核验 Verified", 23, 'R'}, {"待上链 Pending", 23, 'R'},
		{"缺失 Missing", 23, 'R'}, {"不符 Mismatch", 23, 'R'}}, rows,
		func(i int) [3]int { return ledgerColor(d.r.Verification[i].Verdict) })
	if len(problems) > 0 {
		d.style(9, true, black)
		d.para("不符与缺失的记录 Records that do not match or are missing", 6)
		d.table([]column{{"批次 Lot", 50, 'L'}, {"序号 Seq", 14, 'R'}, {"事件 Event", 22, 'L'}, {"结论 Verdict", 20, 'L'}, {"原因 Reason", 74, 'L'}},
			problems, func(i int) [3]int { return problemColors[i] })
	}
}

func (d *doc) quantities() {
	d.heading("数量核对", "Quantity checks")
	qs := d.r.Quantities
	rows := make([][]string, len(qs))
	for i, q := range qs {
		result := "OK 一致"
		if !q.OK {
			result = q.Problem
		}
		units := "-"
		if q.Units > 0 {
			units = fmt.Sprintf("%d (售 sold %d)", q.Units, q.UnitsSold)
		}
		rows[i] = []string{q.Lot, qty(q.Quantity, q.BaseUnit), qty(q.ToLots, ""), qty(q.Sold, ""), qty(q.Available, ""), units, result}
	}
	d.table([]column{{"批次 Lot", 36, 'L'}, {"数量 Quantity", 24, 'R'}, {"转入批次 Into lots", 20, 'R'}, {"已售 Sold", 17, 'R'},
		{"剩余 Available", 20, 'R'}, {"单品 Units", 18, 'R'}, {"结果 Result", 45, 'L'}}, rows,
		func(i int) [3]int {
			if qs[i].OK {
				return green
			}
			return red
		})
}

func (d *doc) scans() {
	d.heading("异常扫码", "Anomalous scans")
	rows := make([][]string, len(d.r.Scans))
	for i, s := range d.r.Scans {
		rows[i] = []string{when(s.Time), or(s.Serial, s.Lot), s.Client, or(s.Region, "-"), s.Verdict, strings.Join(s.Reasons, "; ")}
	}
	d.table([]column{{"时间 Time (UTC+8)", 28, 'L'}, {"序列号/批次 Serial / lot", 40, 'L'}, {"来源 Client", 20, 'L'},
		{"地区 Region", 22, 'L'}, {"结论 Verdict", 24, 'L'}, {"原因 Reasons", 46, 'L'}}, rows, func(int) [3]int { return black })
}

func (d *doc) complaints() {
	d.heading("相关投诉", "Complaints")
	cs := d.r.Complaints
	rows := make([][]string, len(cs))
	for i, c := range cs {
		text := truncate(c.Description, 160)
		for _, e := range c.Trail {
			if n := entryNote(e); n != "" {
				text += "\n" + when(e.Time) + " " + e.Action + ": " + truncate(n, 160)
			}
		}
		rows[i] = []string{c.ID, c.Kind, c.Status, or(c.Ledger, "-"), text}
	}
	d.table([]column{{"编号 ID", 32, 'L'}, {"类型 Kind", 22, 'L'}, {"状态 Status", 24, 'L'}, {"账本 Ledger", 20, 'L'}, {"描述 Description", 82, 'L'}}, rows,
		func(i int) [3]int {
			if cs[i].Status == trace.ComplaintConfirmed {
				return red
			}
			return black
		})
}

// entryNote is what a trail entry says in words: the regulator's note, whom
// it was assigned to, how it was closed.
func entryNote(e trace.ComplaintEntry) string {
	var p struct {
		Note       string `json:"note"`
		Assignee   string `json:"assignee"`
		Resolution string `json:"resolution"`
	}
	if json.Unmarshal(e.Payload, &p) != nil {
		return ""
	}
	var parts []string
	if p.Assignee != "" {
		parts = append(parts, "指派 assigned to "+p.Assignee)
	}
	if p.Resolution != "" {
		parts = append(parts, "结论 resolution: "+verdictZH[p.Resolution]+" "+p.Resolution)
	}
	if p.Note != "" {
		parts = append(parts, p.Note)
	}
	return strings.Join(parts, "; ")
}
