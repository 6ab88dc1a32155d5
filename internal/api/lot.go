package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// write handles a POST that changes lots: decode into In, run the domain
// operation, answer 201 with what was recorded. The answer comes only after the
// store has committed, which is what makes a 2xx a durable acknowledgement.
func write[In any](s *Server, op func(context.Context, trace.Org, In) (trace.Result, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in In
		if err := bind(c, &in); err != nil {
			s.fail(c, err)
			return
		}
		answer(c, http.StatusCreated, func(v any) any { return v })
		r, err := op(c.Request.Context(), actor(c), in)
		if err != nil {
			s.fail(c, err)
			return
		}
		s.committed()
		c.JSON(http.StatusCreated, r)
	}
}

// lotWrite is write for operations on the lot named in the path.
func lotWrite[In any](s *Server, op func(context.Context, trace.Org, string, In) (trace.Result, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Param("id")
		write(s, func(ctx context.Context, a trace.Org, in In) (trace.Result, error) { return op(ctx, a, id, in) })(c)
	}
}

func (s *Server) getLot(c *gin.Context) {
	l, err := s.Service.ReadLot(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, l)
}

// listLimit is a list's ?limit=: 500 by default, held to 1–5,000.
func listLimit(c *gin.Context) int {
	limit, _ := strconv.Atoi(c.DefaultQuery("limit", "500"))
	return min(max(limit, 1), 5000)
}

func (s *Server) listLots(c *gin.Context) {
	lots, err := s.Service.Lots(c.Request.Context(), actor(c), trace.LotFilter{
		Custodian: c.Query("custodian"), Status: c.Query("status"), GTIN: c.Query("gtin"), Limit: listLimit(c),
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"lots": lots})
}

// eventView is an event with where its hash stands on the ledger.
type eventView struct {
	trace.Event
	Anchor *trace.Anchor `json:"anchor,omitempty"`
}

// history returns a lot's events, each with its anchor status.
func (s *Server) history(ctx context.Context, lotID string) ([]eventView, error) {
	events, err := s.Store.Events(ctx, lotID)
	if err != nil {
		return nil, err
	}
	anchors, err := s.Store.Anchors(ctx, custody.KindEvent, lotID)
	if err != nil {
		return nil, err
	}
	bySeq := map[uint64]trace.Anchor{}
	for _, a := range anchors {
		bySeq[a.Seq] = a
	}
	out := make([]eventView, len(events))
	for i, e := range events {
		out[i] = eventView{Event: e}
		if a, ok := bySeq[uint64(e.Seq)]; ok {
			out[i].Anchor = &a
		}
	}
	return out, nil
}

func (s *Server) lotEvents(c *gin.Context) {
	ctx := c.Request.Context()
	l, err := s.Service.ReadLot(ctx, actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	events, err := s.history(ctx, l.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"lot": l, "events": events})
}

func (s *Server) traceLot(c *gin.Context) {
	g, err := s.Service.TraceFor(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, g)
}

func (s *Server) verifyLot(c *gin.Context) {
	r, err := s.Verifier.Lot(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (s *Server) listRecalls(c *gin.Context) {
	lots, err := s.Service.Recalls(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"recalls": lots})
}

func (s *Server) listScans(c *gin.Context) {
	scans, err := s.Service.Scans(c.Request.Context(), actor(c), trace.ScanFilter{Serial: c.Query("serial"), Lot: c.Query("lot"), Limit: 1000})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"scans": scans})
}

// listAlerts is the regulator's view of scans that need a look: labels that
// are not ours, recalled stock, and patterns of cloning or refilling.
func (s *Server) listAlerts(c *gin.Context) {
	alerts, err := s.Service.Scans(c.Request.Context(), actor(c), trace.ScanFilter{Verdicts: scan.AlertVerdicts, Limit: listLimit(c)})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"alerts": alerts})
}

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

func (s *Server) readyz(c *gin.Context) {
	for _, p := range s.Ready {
		if err := p.Ping(c.Request.Context()); err != nil {
			s.Log.WarnContext(c.Request.Context(), "not ready", "err", err)
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable"})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
