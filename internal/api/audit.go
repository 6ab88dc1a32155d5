package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/agritrace/agritrace/internal/audit"
	"github.com/gin-gonic/gin"
)

// auditOf serves one kind of audit, as JSON or, with ?format=pdf or
// Accept: application/pdf, as a printable PDF.
func (s *Server) auditOf(subject string, run func(audit.Auditor, context.Context, string) (audit.Report, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := s.Service.MayAudit(c.Request.Context(), actor(c), subject, c.Param("id")); err != nil {
			s.fail(c, err)
			return
		}
		a := audit.Auditor{Service: s.Service, Store: s.Store, Verifier: s.Verifier}
		r, err := run(a, c.Request.Context(), c.Param("id"))
		if err != nil {
			s.fail(c, err)
			return
		}
		if c.Query("format") != "pdf" && !strings.Contains(c.GetHeader("Accept"), "application/pdf") {
			c.JSON(http.StatusOK, r)
			return
		}
		var buf bytes.Buffer
		if err := audit.WritePDF(&buf, r, audit.PDFOptions{FontPath: s.PDFFont}); err != nil {
			s.fail(c, err)
			return
		}
		c.Header("Content-Disposition", fmt.Sprintf(`inline; filename="audit-%s-%s.pdf"`, r.SubjectKind, r.Subject))
		c.Data(http.StatusOK, "application/pdf", buf.Bytes())
	}
}
