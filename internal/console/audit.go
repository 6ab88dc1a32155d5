package console

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"

	"github.com/agritrace/agritrace/internal/audit"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// auditRuns are the audits the console opens, by the subject in the path.
var auditRuns = map[string]func(audit.Auditor, context.Context, string) (audit.Report, error){
	trace.AuditLot:       audit.Auditor.Lot,
	trace.AuditSerial:    audit.Auditor.Serial,
	trace.AuditComplaint: audit.Auditor.Complaint,
}

// findingGroup is the findings of one severity, most serious first.
type findingGroup struct {
	Severity string
	Findings []audit.Finding
	Count    int
}

type auditData struct {
	Report audit.Report
	Groups []findingGroup
	Trace  template.HTML
	PDF    string
}

// auditPage opens an audit in the browser, under the same rule as the
// API's (trace.Service.MayAudit); with ?format=pdf it is the printable PDF,
// the same document the API serves.
func (c *Console) auditPage(g *gin.Context) {
	ctx, who := g.Request.Context(), signedIn(g)
	subject, id := g.Param("subject"), g.Param("id")
	run, ok := auditRuns[subject]
	if !ok {
		c.fail(g, trace.Errorf(trace.ENOTFOUND, "no audit of a %q", subject))
		return
	}
	if err := c.Service.MayAudit(ctx, who.Org, subject, id); err != nil {
		c.fail(g, err)
		return
	}
	r, err := run(audit.Auditor{Service: c.Service, Store: c.Store, Verifier: c.Verifier}, ctx, id)
	if err != nil {
		c.fail(g, err)
		return
	}
	if g.Query("format") == "pdf" {
		var buf bytes.Buffer
		if err := audit.WritePDF(&buf, r, audit.PDFOptions{FontPath: c.PDFFont}); err != nil {
			c.fail(g, err)
			return
		}
		g.Header("Cache-Control", "no-store")
		g.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="audit-%s-%s.pdf"`, r.SubjectKind, r.Subject))
		g.Data(http.StatusOK, "application/pdf", buf.Bytes())
		return
	}
	p := c.newPage(g, "audit.title")
	d := auditData{Report: r, PDF: g.Request.URL.Path + "?format=pdf"}
	for _, sev := range []string{audit.High, audit.Medium, audit.Info} {
		grp := findingGroup{Severity: sev}
		for _, f := range r.Findings {
			if f.Severity == sev {
				grp.Findings = append(grp.Findings, f)
				grp.Count += max(f.Count, 1)
			}
		}
		if len(grp.Findings) > 0 {
			d.Groups = append(d.Groups, grp)
		}
	}
	if d.Trace, err = c.drawTrace(ctx, r.Graph, p.Lang); err != nil {
		c.fail(g, err)
		return
	}
	p.Subtitle, p.Data = r.Subject, d
	c.render(g, http.StatusOK, "audit", p)
}
