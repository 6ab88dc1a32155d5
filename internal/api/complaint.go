package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// maxComplaintBody fits three 2 MiB photos in base64 and the text.
const maxComplaintBody = 9 << 20

// fileComplaint takes a report from anyone: a consumer from the scan page
// (no login) or an inspector with the regulator's key, each rate-limited by
// the route (s.complaints).
func (s *Server) fileComplaint(c *gin.Context) {
	reporter, ok, err := s.bearer(c)
	if err != nil {
		s.fail(c, err)
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

// Pages of the complaint queue: a page holds complaintPage complaints unless
// the caller asks for fewer or more, up to maxComplaintPage.
const (
	complaintPage    = 50
	maxComplaintPage = 200
)

// listComplaints answers a page of the queue, newest first, with the cursor
// of the next page when there is one.
func (s *Server) listComplaints(c *gin.Context) {
	f := trace.ComplaintFilter{Status: c.Query("status"), Lot: c.Query("lot"), Serial: c.Query("serial")}
	limit, err := strconv.Atoi(c.DefaultQuery("limit", strconv.Itoa(complaintPage)))
	if err != nil || limit < 1 || limit > maxComplaintPage {
		s.fail(c, trace.FieldErrorf(trace.EINVALID, "limit", "limit must be 1 to %d", maxComplaintPage))
		return
	}
	if a := c.Query("after"); a != "" {
		if f.After, err = parseCursor(a); err != nil {
			s.fail(c, err)
			return
		}
	}
	f.Limit = limit + 1
	list, err := s.Service.Complaints(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	page := gin.H{"complaints": list}
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		page = gin.H{"complaints": list, "next": strconv.FormatInt(last.CreatedAt.UnixMilli(), 10) + "." + last.ID}
	}
	c.JSON(http.StatusOK, page)
}

// parseCursor reads a next cursor as listComplaints writes it: the last
// complaint's filing time in Unix milliseconds, a dot, and its id.
func parseCursor(a string) (*trace.ComplaintCursor, error) {
	ms, id, ok := strings.Cut(a, ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return nil, trace.FieldErrorf(trace.EINVALID, "after", "after must be the next cursor of a previous page")
	}
	return &trace.ComplaintCursor{CreatedAt: time.UnixMilli(n), ID: id}, nil
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
