package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/agritrace/agritrace/internal/epcis"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// epcisHeaders states the versions every EPCIS answer states, as the REST
// binding asks.
func (s *Server) epcisHeaders(c *gin.Context) {
	s.epcisOnce.Do(func() {
		s.epcis = &epcis.Service{Trace: s.Service, Exporter: epcis.Exporter{Base: strings.TrimRight(s.BaseURL, "/")}}
	})
	c.Header("GS1-EPCIS-Version", "2.0.0")
	c.Header("GS1-CBV-Version", "2.0.0")
	c.Next()
}

// epcisEvents is GET /epcis/events.
func (s *Server) epcisEvents(c *gin.Context) {
	s.epcisQuery(c, func(q epcis.Query) (epcis.Page, error) {
		return s.epcis.Events(c.Request.Context(), actor(c), q)
	})
}

// epcisLotEvents is GET /epcis/lots/{id}/events.
func (s *Server) epcisLotEvents(c *gin.Context) {
	s.epcisQuery(c, func(q epcis.Query) (epcis.Page, error) {
		return s.epcis.LotEvents(c.Request.Context(), actor(c), c.Param("id"), q)
	})
}

// epcisEPCEvents is GET /epcis/epcs/{epc}/events, the EPC percent-encoded.
func (s *Server) epcisEPCEvents(c *gin.Context) {
	epc, ok := strings.CutSuffix(strings.TrimPrefix(c.Param("epc"), "/"), "/events")
	if !ok {
		s.epcisFail(c, trace.Errorf(trace.ENOTFOUND, "no such resource: %s", c.Request.URL.Path))
		return
	}
	s.epcisQuery(c, func(q epcis.Query) (epcis.Page, error) {
		return s.epcis.EPCEvents(c.Request.Context(), actor(c), epc, q)
	})
}

// epcisQuery answers a query with an EPCISQueryDocument, and a Link to the
// next page with the same parameters and its nextPageToken.
func (s *Server) epcisQuery(c *gin.Context, run func(epcis.Query) (epcis.Page, error)) {
	q, err := epcis.ParseQuery(c.Request.URL.Query())
	if err != nil {
		s.epcisFail(c, err)
		return
	}
	p, err := run(q)
	if err != nil {
		s.epcisFail(c, err)
		return
	}
	if p.Next != "" {
		next := c.Request.URL.Query()
		next.Set("nextPageToken", p.Next)
		next.Set("perPage", strconv.Itoa(q.PerPage))
		c.Header("Link", "<"+c.Request.URL.Path+"?"+next.Encode()+`>; rel="next"`)
	}
	c.JSON(http.StatusOK, epcis.QueryDocument(p.Events, trace.Now(s.Service.Now())))
}

// epcisCapture is POST /epcis/capture: the document's events are applied and
// committed before the answer, 202 with the capture job's Location.
func (s *Server) epcisCapture(c *gin.Context) {
	b, err := jsonBody(c, maxBatchBody, "application/json", "application/ld+json")
	if err != nil {
		s.epcisFail(c, err)
		return
	}
	job, err := s.epcis.Capture(c.Request.Context(), actor(c), b, c.GetHeader("GS1-Capture-Error-Behaviour"))
	if err != nil {
		s.epcisFail(c, err)
		return
	}
	if job.Events > 0 {
		s.committed()
	}
	c.Header("Location", "/epcis/capture/"+job.ID)
	c.JSON(http.StatusAccepted, jobView(job))
}

// epcisCaptureJob is GET /epcis/capture/{captureID}.
func (s *Server) epcisCaptureJob(c *gin.Context) {
	job, err := s.epcis.Job(actor(c), c.Param("id"))
	if err != nil {
		s.epcisFail(c, err)
		return
	}
	c.JSON(http.StatusOK, jobView(job))
}

// captureJob is the REST binding's capture job resource.
type captureJob struct {
	CaptureID             string    `json:"captureID"`
	CreatedAt             string    `json:"createdAt"`
	FinishedAt            string    `json:"finishedAt,omitempty"`
	Running               bool      `json:"running"`
	Success               bool      `json:"success"`
	CaptureErrorBehaviour string    `json:"captureErrorBehaviour"`
	Errors                []problem `json:"errors"`
}

func jobView(j *epcis.Job) captureJob {
	v := captureJob{CaptureID: j.ID, CreatedAt: trace.FormatTime(j.CreatedAt), Running: j.Running, Success: j.Success,
		CaptureErrorBehaviour: j.Behaviour, Errors: []problem{}}
	if !j.FinishedAt.IsZero() {
		v.FinishedAt = trace.FormatTime(j.FinishedAt)
	}
	for _, e := range j.Errors {
		p := problemOf(e.Err, exValidation)
		p.Instance = "#/epcisBody/eventList/" + strconv.Itoa(e.Index)
		if e.EventID != "" {
			p.Detail = strings.TrimSpace(p.Detail + " (eventID " + e.EventID + ")")
		}
		v.Errors = append(v.Errors, p)
	}
	return v
}
