package audit_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/audit"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
)

const (
	seedLot   = "06901234500017.RS2605A"
	oilLot    = "06901234500024.OIL2605"
	bottleLot = "06901234500048.B2605"
	serial    = "B2605-000137"
	// description is long enough to wrap over several lines of the PDF.
	description = "在昭君镇一家小卖部买的兴山压榨菜籽油5L，瓶身标签模糊，扫码显示已在其他地区售出。油色发浑，有明显哈喇味，怀疑是回收旧瓶灌装的假冒产品，请市场监管部门核查。"
	altered     = "events in the store do not match the ledger: the records were altered"
)

// report is an audit of a bottle of rapeseed oil with a complaint, an altered
// lot and a counterfeit scan, as the Auditor would assemble it.
func report() audit.Report {
	t := time.Date(2026, 6, 3, 2, 15, 0, 0, time.UTC)
	fabric := trace.LedgerInfo{Kind: "fabric", Channel: "agritrace", Chaincode: "custody"}
	return audit.Report{
		Subject: "C20260603K7QD", SubjectKind: "complaint", GeneratedAt: t, Ledger: fabric, Verdict: audit.Findings,
		Findings: []audit.Finding{
			{Severity: audit.Info, Code: "sold", Subject: serial, Message: "sold by zhaojun-shop on 2026-05-28"},
			{Severity: audit.High, Code: "records_altered", Subject: oilLot, Message: altered},
			{Severity: audit.Medium, Code: "scan_suspicious", Subject: serial, Message: "consumer scan in region 110105 on 2026-06-02 20:41: [copied_label sold_elsewhere]"},
			{Severity: audit.Medium, Code: "complaint_investigating", Subject: "C20260603K7QD", Message: "counterfeit complaint: " + description},
		},
		Unit: &trace.Unit{Serial: serial, Lot: bottleLot, GTIN: "06901234500048", LotNumber: "B2605", KeyID: "k2026a",
			Status: trace.UnitSold, SoldBy: "zhaojun-shop", SoldAt: t.Add(-6 * 24 * time.Hour), CreatedAt: t.Add(-9 * 24 * time.Hour)},
		Complaint: &audit.ComplaintView{
			Complaint: trace.Complaint{ID: "C20260603K7QD", Serial: serial, Kind: "counterfeit", Description: description,
				Evidence: []string{"9f2c", "41ab"}, Region: "420526102", Reporter: "consumer", Status: trace.ComplaintInvestigating,
				Assignee: "王建国", Seq: 2, CreatedAt: t.Add(-time.Hour)},
			Trail: []trace.ComplaintEntry{
				{Seq: 0, Action: "filed", Actor: "consumer", Time: t.Add(-time.Hour)},
				{Seq: 1, Action: "assign", Actor: "xingshan-amr", Time: t.Add(-40 * time.Minute)},
				{Seq: 2, Action: "note", Actor: "xingshan-amr", Time: t.Add(-10 * time.Minute)},
			},
			Ledger: verify.Verified,
		},
		Graph: trace.Graph{
			Root: bottleLot,
			Nodes: []trace.Lot{
				{ID: bottleLot, GTIN: "06901234500048", Quantity: 200, Available: 37, BaseUnit: "piece", Status: trace.LotActive,
					Producer: "gufu-mill", Custodian: "zhaojun-shop", Parents: []trace.Portion{{Lot: oilLot, Quantity: 1_000_000}}},
				{ID: oilLot, GTIN: "06901234500024", Quantity: 3_930_000, Available: 2_930_000, BaseUnit: "mL", Status: trace.LotActive,
					Producer: "gufu-mill", Custodian: "gufu-mill", Parents: []trace.Portion{{Lot: seedLot, Quantity: 6_000_000}}},
				{ID: seedLot, GTIN: "06901234500017", Quantity: 6_000_000, BaseUnit: "g", Status: trace.LotConsumed,
					Producer: "xingshan-cc", Custodian: "gufu-mill",
					Origin: &trace.Origin{Region: "420526101201", Village: "桃园村", Farm: "桃园村油菜种植专业合作社", HarvestDate: "2026-05-12"}},
			},
			Edges: []trace.Edge{{From: oilLot, To: bottleLot, Quantity: 1_000_000}, {From: seedLot, To: oilLot, Quantity: 6_000_000}},
		},
		Verification: []verify.Report{
			{Kind: "event", Key: bottleLot, Ledger: fabric, Verdict: verify.Verified, Events: []verify.Check{{Seq: 0, Verdict: verify.Verified}, {Seq: 1, Verdict: verify.Verified}}},
			{Kind: "event", Key: oilLot, Ledger: fabric, Verdict: verify.Mismatch, Events: []verify.Check{
				{Seq: 0, Type: "transform", Verdict: verify.Verified},
				{Seq: 1, Type: "inspect", Verdict: verify.Mismatch, Reason: "the stored record no longer matches its recorded hash: it was edited"},
				{Seq: 2, Type: "pack", Verdict: verify.Pending, Reason: "waiting to be anchored on the ledger"},
			}},
			{Kind: "event", Key: seedLot, Ledger: fabric, Verdict: verify.Verified, Events: []verify.Check{{Seq: 0, Verdict: verify.Verified}}},
		},
		Quantities: []audit.QuantityCheck{
			{Lot: bottleLot, BaseUnit: "piece", Quantity: 200, Sold: 163, Available: 37, Units: 200, UnitsSold: 163, OK: true},
			{Lot: oilLot, BaseUnit: "mL", Quantity: 3_930_000, ToLots: 1_000_000, Available: 2_930_000, OK: true},
			{Lot: seedLot, BaseUnit: "g", Quantity: 6_000_000, ToLots: 6_500_000, OK: false,
				Problem: "6500000 g went into other lots and 0 were sold, but the lot only held 6000000"},
		},
		Scans: []trace.Scan{{ID: "s1", Serial: serial, Lot: bottleLot, Time: t.Add(-6 * time.Hour), Region: "110105",
			Client: "consumer", Verdict: "suspicious", Reasons: []string{"copied_label", "sold_elsewhere"}}},
		Complaints: []audit.ComplaintView{{Complaint: trace.Complaint{ID: "C20260603K7QD", Kind: "counterfeit",
			Status: trace.ComplaintInvestigating, Description: description}, Ledger: verify.Verified}},
		Orgs: map[string]string{
			"taoyuan-coop": "桃园村油菜种植专业合作社", "xingshan-cc": "兴山县农产品集配中心", "gufu-mill": "古夫镇菜籽油坊",
			"zhaojun-shop": "昭君镇商贸中心超市", "xingshan-amr": "兴山县市场监督管理局",
		},
	}
}

func writePDF(t *testing.T, r audit.Report, opts audit.PDFOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := audit.WritePDF(&buf, r, opts); err != nil {
		t.Fatalf("WritePDF: %v", err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("%PDF-")) || len(b) < 5000 {
		t.Fatalf("not a PDF report: %d bytes starting %q", len(b), b[:min(len(b), 16)])
	}
	if path := os.Getenv("AUDIT_PDF_OUT"); path != "" {
		// For looking at the layout: AUDIT_PDF_OUT=/tmp/r.pdf go test -run TestWritePDF$
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// require skips a test that needs something the machine lacks, except in CI,
// where the install step is expected to provide it.
func require(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing", what)
	}
	t.Skipf("%s is missing", what)
}

// text extracts the text of a PDF with pdftotext (poppler-utils).
func text(t *testing.T, pdf []byte) string {
	t.Helper()
	_, err := exec.LookPath("pdftotext")
	require(t, err == nil, "pdftotext (apt package poppler-utils)")
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestWritePDF(t *testing.T) {
	require(t, audit.DefaultFontPath() != "", "a CJK font (apt package fonts-droid-fallback)")
	got := text(t, writePDF(t, report(), audit.PDFOptions{}))
	// Table cells wrap, so compare without white space; that also checks that
	// no character is lost where a line breaks.
	for _, want := range []string{
		"农产品溯源审计报告", "Traceability audit report", "桃园村油菜种植专业合作社", "兴山县市场监督管理局", description,
		altered, "FINDINGS", "2026-06-03 10:15:00", "it was edited", "6,000,000 g", "Page 1 / 3", "Page 3 / 3",
	} {
		if !strings.Contains(flat(got), flat(want)) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	if strings.Contains(got, "No Chinese font") || strings.Contains(got, "??") {
		t.Errorf("the PDF fell back to Helvetica:\n%s", got)
	}
}

func flat(s string) string { return strings.Join(strings.Fields(s), "") }

func TestWritePDFWithoutFont(t *testing.T) {
	for name, path := range map[string]string{"missing": filepath.Join(t.TempDir(), "none.ttf"), "broken": broken(t)} {
		t.Run(name, func(t *testing.T) {
			got := text(t, writePDF(t, report(), audit.PDFOptions{FontPath: path}))
			for _, want := range []string{"Traceability audit report", "No Chinese font", altered, "????????? (zhaojun-shop)"} {
				if !strings.Contains(flat(got), flat(want)) {
					t.Errorf("the PDF's text lacks %q", want)
				}
			}
		})
	}
}

// broken is a file named like a font that is not one.
func broken(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "broken.ttf")
	if err := os.WriteFile(path, []byte("\x00\x01\x00\x00 not a font"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWritePDFEmptyReport(t *testing.T) {
	r := audit.Report{Subject: "06901234500017.X1", SubjectKind: "lot", Verdict: audit.Clean, GeneratedAt: time.Now()}
	got := text(t, writePDF(t, r, audit.PDFOptions{}))
	if !strings.Contains(got, "CLEAN") {
		t.Errorf("a clean report does not say CLEAN:\n%s", got)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWritePDFWriteError(t *testing.T) {
	if err := audit.WritePDF(failingWriter{}, report(), audit.PDFOptions{}); err == nil {
		t.Fatal("WritePDF succeeded on a failing writer")
	}
}

// A long report breaks pages between table rows and repeats the header.
func TestWritePDFLong(t *testing.T) {
	require(t, audit.DefaultFontPath() != "", "a CJK font (apt package fonts-droid-fallback)")
	r := report()
	for i := range 90 {
		r.Findings = append(r.Findings, audit.Finding{Severity: audit.Medium, Code: "scan_suspicious", Subject: fmt.Sprintf("B2605-%06d", i),
			Message: "inspector scan in region 420526102 on 2026-06-02 20:41: [far_from_market] 距销售地 1200 公里"})
	}
	r.Complaint.Description = strings.Repeat(description, 2000/len([]rune(description)))
	got := text(t, writePDF(t, r, audit.PDFOptions{}))
	if n := strings.Count(got, "说明 Message"); n < 2 {
		t.Errorf("the findings header is printed %d times, want it on every page of the table", n)
	}
	if !strings.Contains(flat(body(got)), flat(r.Complaint.Description)) {
		t.Error("the long description is not printed whole across pages")
	}
}

// body drops the footers, which pdftotext puts between the lines of text that
// runs on to the next page.
func body(s string) string {
	lines := strings.Split(s, "\n")
	lines = slices.DeleteFunc(lines, func(l string) bool {
		return strings.Contains(l, "Traceability audit report ·") || strings.Contains(l, "页 · Page")
	})
	return strings.Join(lines, "\n")
}
