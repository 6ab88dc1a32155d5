package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// maxBatchBody bounds POST /batch: trace.MaxBatch events of up to about 3 KB
// each (a transform with a handful of inputs and outputs is well under 1 KB).
const maxBatchBody = 32 << 20

type batchRequest struct {
	Events []batchEvent `json:"events"`
}

type batchEvent struct {
	Op   string          `json:"op"`
	Lot  string          `json:"lot"`
	Body json.RawMessage `json:"body"`
}

// batchOps are the writes a batch may carry, each the REST endpoint's own
// domain method with the endpoint's body: the table beside routes.go's.
var batchOps = map[string]func(a trace.Org, lot string, body []byte) trace.BatchStep{
	"commission": step((*trace.Service).Commission),
	"transform":  step((*trace.Service).Transform),
	"merge":      step((*trace.Service).Merge),
	"inspect":    lotStep((*trace.Service).Inspect),
	"certify":    lotStep((*trace.Service).Certify),
	"ship":       lotStep((*trace.Service).Ship),
	"receive":    lotStep((*trace.Service).Receive),
	"split":      lotStep((*trace.Service).Split),
	"pack":       lotStep((*trace.Service).Pack),
	"sell":       lotStep((*trace.Service).Sell),
	"recall":     lotStep((*trace.Service).Recall),
}

// step makes a batch event of a write whose path names no lot.
func step[In any](op func(*trace.Service, context.Context, trace.Org, In) (trace.Result, error)) func(trace.Org, string, []byte) trace.BatchStep {
	return func(a trace.Org, _ string, body []byte) trace.BatchStep {
		return func(ctx context.Context, s *trace.Service) (trace.Result, error) {
			var in In
			if err := decodeBody(body, &in); err != nil {
				return trace.Result{}, err
			}
			return op(s, ctx, a, in)
		}
	}
}

// lotStep makes a batch event of a write on the lot the path names.
func lotStep[In any](op func(*trace.Service, context.Context, trace.Org, string, In) (trace.Result, error)) func(trace.Org, string, []byte) trace.BatchStep {
	return func(a trace.Org, lot string, body []byte) trace.BatchStep {
		return func(ctx context.Context, s *trace.Service) (trace.Result, error) {
			if lot == "" {
				return trace.Result{}, trace.FieldErrorf(trace.EINVALID, "lot", "name the lot this event is about (gtin.lot)")
			}
			var in In
			if err := decodeBody(body, &in); err != nil {
				return trace.Result{}, err
			}
			return op(s, ctx, a, lot, in)
		}
	}
}

// refused is a batch event that cannot run at all.
func refused(err error) trace.BatchStep {
	return func(context.Context, *trace.Service) (trace.Result, error) { return trace.Result{}, err }
}

// decodeBody is bind for one event's body, already checked as I-JSON with the
// whole request.
func decodeBody(b []byte, v any) error {
	if len(b) == 0 {
		b = []byte("{}")
	}
	return decodeStrict(b, v)
}

type batchAnswer struct {
	Accepted int         `json:"accepted"`
	Rejected int         `json:"rejected"`
	Results  []batchItem `json:"results"`
}

type batchItem struct {
	Index  int           `json:"index"`
	Status int           `json:"status"`
	Result *trace.Result `json:"result,omitempty"`
	Error  *errorDetail  `json:"error,omitempty"`
}

// batchView is the answer to a batch: per event, what its REST endpoint would
// have answered.
func batchView(v any) any {
	out := v.([]trace.BatchOutcome)
	a := batchAnswer{Results: make([]batchItem, len(out))}
	for i, o := range out {
		a.Results[i] = batchItem{Index: i, Status: http.StatusCreated, Result: o.Result}
		if o.Err != nil {
			code := trace.ErrorCode(o.Err)
			a.Results[i] = batchItem{Index: i, Status: statuses[code], Error: &errorDetail{Code: code, Message: trace.ErrorMessage(o.Err), Field: trace.ErrorField(o.Err)}}
			a.Rejected++
			continue
		}
		a.Accepted++
	}
	return a
}

// batch is POST /batch: many writes in one request, one commit.
func (s *Server) batch(c *gin.Context) {
	var req batchRequest
	if err := decode(c, &req, maxBatchBody); err != nil {
		s.fail(c, err)
		return
	}
	a := actor(c)
	steps := make([]trace.BatchStep, len(req.Events))
	for i, e := range req.Events {
		if mk, ok := batchOps[e.Op]; ok {
			steps[i] = mk(a, e.Lot, e.Body)
		} else {
			steps[i] = refused(trace.FieldErrorf(trace.EINVALID, "op", "unknown op %q: one of commission, inspect, ship, receive, split, pack, sell, recall, transform, merge", e.Op))
		}
	}
	answer(c, http.StatusOK, batchView)
	out, err := s.Service.Batch(c.Request.Context(), steps)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.committed()
	c.JSON(http.StatusOK, batchView(out))
}
