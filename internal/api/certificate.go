package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/agritrace/agritrace/internal/certprint"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// certify issues a 承诺达标合格证 and answers 201 with it: its number, event
// seq and hash among its fields.
func (s *Server) certify(c *gin.Context) {
	var in trace.CertifyInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	view := func(v any) any {
		r := v.(trace.Result)
		cert, err := trace.CertificateOf(r.Events[len(r.Events)-1])
		if err != nil {
			return gin.H{"events": r.Events}
		}
		return cert
	}
	answer(c, http.StatusCreated, view)
	r, err := s.Service.Certify(c.Request.Context(), actor(c), c.Param("id"), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.committed()
	c.JSON(http.StatusCreated, view(r))
}

// lotCertificates lists a lot's certificates in full, for those who may read
// the lot.
func (s *Server) lotCertificates(c *gin.Context) {
	certs, err := s.Service.Certificates(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if certs == nil {
		certs = []trace.Certificate{}
	}
	c.JSON(http.StatusOK, gin.H{"lot": c.Param("id"), "certificates": certs})
}

// publicCertificates is what a certificate's trace code and the resolver's
// gs1:certificationInfo link lead to: a lot's certificates as the public may
// see them, with the ledger's verdict, or with ?format=pdf the printable
// certificates.
func (s *Server) publicCertificates(c *gin.Context) {
	r, err := s.Judge.Certificates(c.Request.Context(), c.Param("lotID"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if c.Query("format") != "pdf" && !strings.Contains(c.GetHeader("Accept"), "application/pdf") {
		c.JSON(http.StatusOK, r)
		return
	}
	certs := make([]trace.Certificate, len(r.Certificates))
	for i, cert := range r.Certificates {
		certs[i] = cert.Certificate
	}
	s.certificatePDF(c, r.Lot, certs)
}

// certificatePDF answers with certs printed, or only the one numbered by
// ?seq=, one page each.
func (s *Server) certificatePDF(c *gin.Context, lotID string, certs []trace.Certificate) {
	if q := c.Query("seq"); q != "" {
		seq, err := strconv.ParseInt(q, 10, 64)
		if err != nil {
			s.fail(c, trace.FieldErrorf(trace.EINVALID, "seq", "seq must be the event number of a certificate"))
			return
		}
		var one []trace.Certificate
		for _, cert := range certs {
			if cert.Seq == seq {
				one = append(one, cert)
			}
		}
		certs = one
	}
	if len(certs) == 0 {
		s.fail(c, trace.Errorf(trace.ENOTFOUND, "lot %s has no such certificate", lotID))
		return
	}
	var buf bytes.Buffer
	if err := certprint.Print(&buf, s.BaseURL, certs, s.PDFFont); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`inline; filename="certificate-%s.pdf"`, lotID))
	c.Data(http.StatusOK, "application/pdf", buf.Bytes())
}
