package api

import (
	"net/http"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// maxComplaintBody fits three 2 MiB photos in base64 and the text.
const maxComplaintBody = 9 << 20

// fileComplaint takes a report from anyone: a consumer from the scan page
// (no login, rate-limited per client) or an inspector with the regulator's key.
func (s *Server) fileComplaint(c *gin.Context) {
	reporter, ok, err := s.bearer(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !ok && !s.complaints.allow(c.ClientIP()) {
		c.Header("Retry-After", "3600")
		c.AbortWithStatusJSON(http.StatusTooManyRequests, errorBody{Error: errorDetail{Code: "rate_limited", Message: "too many reports from this address; try again later"}})
		return
	}
	var in trace.FileInput
	if err := decode(c, &in, maxComplaintBody); err != nil {
		s.fail(c, err)
		return
	}
	var by *trace.Org
	if ok {
		by = &reporter
	}
	answer(c, http.StatusCreated, func(v any) any { return filed(v.(trace.Complaint)) })
	cp, err := s.Service.File(c.Request.Context(), by, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.committed()
	c.JSON(http.StatusCreated, filed(cp))
}

// filed is the answer to a filed complaint: enough to follow it up.
func filed(cp trace.Complaint) gin.H {
	return gin.H{"id": cp.ID, "status": cp.Status, "createdAt": cp.CreatedAt}
}

func (s *Server) listComplaints(c *gin.Context) {
	list, err := s.Service.Complaints(c.Request.Context(), actor(c), trace.ComplaintFilter{Status: c.Query("status"), Lot: c.Query("lot"), Serial: c.Query("serial")})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"complaints": list})
}

// getComplaint returns a complaint with its audit trail and the trail's
// verification against the ledger.
func (s *Server) getComplaint(c *gin.Context) {
	ctx := c.Request.Context()
	cp, trail, err := s.Service.ReadComplaint(ctx, actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	report, err := s.Verifier.Complaint(ctx, cp.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"complaint": cp, "trail": trail, "verification": report})
}

func (s *Server) workComplaint(c *gin.Context) {
	var in trace.WorkInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	answer(c, http.StatusOK, func(v any) any { return v })
	cp, err := s.Service.Work(c.Request.Context(), actor(c), c.Param("id"), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.committed()
	c.JSON(http.StatusOK, cp)
}

func (s *Server) getEvidence(c *gin.Context) {
	ev, err := s.Service.ReadEvidence(c.Request.Context(), actor(c), c.Param("hash"))
	if err != nil {
		s.fail(c, err)
		return
	}
	// Photos stored before they were checked by content may be anything: a
	// type other than the two pictures is served as bytes to download, and
	// no browser may sniff, frame or run what it is sent.
	ct := ev.ContentType
	if ct != "image/jpeg" && ct != "image/png" {
		ct = "application/octet-stream"
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Content-Security-Policy", "default-src 'none'; sandbox")
	c.Data(http.StatusOK, ct, ev.Data)
}
