package demo

import (
	"context"
	"encoding/json"
)

// BatchEvent is one event of a POST /api/v1/batch: a write of the REST API by
// its op, the lot its path would name, and its body.
type BatchEvent struct {
	Op   string `json:"op"`
	Lot  string `json:"lot,omitempty"`
	Body any    `json:"body"`
}

// BatchItem is what became of one event of a batch.
type BatchItem struct {
	Index  int             `json:"index"`
	Status int             `json:"status"`
	Result json.RawMessage `json:"result"`
	Error  *APIError       `json:"error"`
}

// BatchAnswer is the answer to a batch.
type BatchAnswer struct {
	Accepted int         `json:"accepted"`
	Rejected int         `json:"rejected"`
	Results  []BatchItem `json:"results"`
}

// Batch sends events as one batch.
func (c Client) Batch(ctx context.Context, events []BatchEvent) (BatchAnswer, error) {
	var a BatchAnswer
	err := c.Do(ctx, "POST", "/api/v1/batch", map[string]any{"events": events}, &a)
	return a, err
}
