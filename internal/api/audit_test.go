package api_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/audit"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// pdfText extracts a PDF's text with pdftotext, without white space (table
// cells wrap anywhere).
func pdfText(t *testing.T, pdf string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext (poppler-utils) is missing")
		}
		t.Skip("pdftotext (poppler-utils) is missing")
	}
	path := filepath.Join(t.TempDir(), "audit.pdf")
	if err := os.WriteFile(path, []byte(pdf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

func finding(r audit.Report, code string) (audit.Finding, int) {
	var found audit.Finding
	n := 0
	for _, f := range r.Findings {
		if f.Code == code {
			found, n = f, n+1
		}
	}
	return found, n
}

// TestComplaintsReachTheirAudit: a report naming only the serial on the
// bottle is linked to its lot, so the lot's audit lists it with its confirmed
// finding; the PDF prints the regulator's notes; findings are in Chinese and
// English; forty suspicious scans are one finding with a count.
func TestComplaintsReachTheirAudit(t *testing.T) {
	e := start(t)
	st := e.story(t)
	var filed struct{ ID string }
	if err := e.as("").Do(bg, "POST", "/api/v1/complaints", trace.FileInput{Serial: st.Sold[1], Kind: "counterfeit", Description: "标签模糊"}, &filed); err != nil {
		t.Fatal(err)
	}
	reg := e.as(demo.Regulator)
	for _, w := range []trace.WorkInput{
		{Action: "note", Note: "现场核实瓶盖无防伪膜"},
		{Action: "close", Resolution: trace.ComplaintConfirmed, Note: "回收瓶灌装已立案"},
	} {
		expect(t, reg, "POST", "/api/v1/complaints/"+filed.ID+"/actions", w, 200, "", "")
	}
	// Each scan comes from a new scanner (no cookie kept): the first five are
	// ordinary, the forty after them trip many_scans.
	for range 45 {
		scanAs(t, e, "", st.ShelfURL, gongan)
	}

	var rep audit.Report
	if err := reg.Do(bg, "GET", "/api/v1/audits/lots/"+st.BottleLot, nil, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Complaints) != 1 || rep.Complaints[0].ID != filed.ID || rep.Complaints[0].Lot != st.BottleLot {
		t.Fatalf("the lot's audit lists complaints %+v", rep.Complaints)
	}
	confirmed, n := finding(rep, "complaint_confirmed")
	if n != 1 || confirmed.Severity != audit.High || !strings.Contains(confirmed.MessageZH, "假冒投诉") {
		t.Errorf("confirmed finding: %d %+v", n, confirmed)
	}
	scans, n := finding(rep, "scan_suspicious")
	if n != 1 || scans.Count != 40 || scans.First.IsZero() || scans.Last.Before(scans.First) {
		t.Errorf("suspicious scans: %d findings, %+v", n, scans)
	}
	for _, f := range rep.Findings {
		if f.Message == "" || f.MessageZH == "" || f.Count < 1 {
			t.Errorf("finding %s lacks a message in both languages or a count: %+v", f.Code, f)
		}
	}

	status, pdf := get(t, e.URL+"/api/v1/audits/lots/"+st.BottleLot+"?format=pdf", "Authorization", "Bearer "+e.Keys[demo.Regulator])
	if status != 200 {
		t.Fatalf("PDF audit: %d", status)
	}
	text := pdfText(t, pdf)
	for _, want := range []string{"现场核实瓶盖无防伪膜", "回收瓶灌装已立案", "共40次", "40times", "假冒投诉", "counterfeitcomplaint"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
}
