package resolver

import (
	"context"
	"encoding/json"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// Recall is a lot's recall status, the resource a gs1:recallStatus link
// points at: public, since everyone holding the product must be able to
// learn that it is recalled.
type Recall struct {
	Lot      string `json:"lot"`
	Recalled bool   `json:"recalled"`
	// Time is when the recall reached this lot (RFC 3339, UTC).
	Time   *time.Time `json:"time,omitempty"`
	Reason string     `json:"reason,omitempty"`
	Advice string     `json:"advice,omitempty"`
	// By is the organization that ordered the recall.
	By string `json:"by,omitempty"`
	// Origin is the lot the recall was ordered on, when this lot is recalled
	// as made from it.
	Origin string `json:"origin,omitempty"`
}

// RecallStatus returns whether lot lotID is recalled, and if so when, why
// and what to do. It returns ENOTFOUND for a lot with no records.
func (r Resolver) RecallStatus(ctx context.Context, lotID string) (Recall, error) {
	lot, err := r.Store.Lot(ctx, lotID)
	if err != nil {
		return Recall{}, err
	}
	rs := Recall{Lot: lot.ID, Recalled: lot.Status == trace.LotRecalled}
	if !rs.Recalled {
		return rs, nil
	}
	events, err := r.Store.Events(ctx, lotID)
	if err != nil {
		return Recall{}, err
	}
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.Type != trace.EventRecall {
			continue
		}
		var body struct{ Reason, Advice, Origin string }
		if err := json.Unmarshal(e.Payload, &body); err != nil {
			return Recall{}, trace.Errorf(trace.EINTERNAL, "recall event %s/%d has an unreadable payload: %v", e.Lot, e.Seq, err)
		}
		t := e.Time.UTC()
		rs.Time, rs.Reason, rs.Advice, rs.By = &t, body.Reason, body.Advice, e.Actor
		if rs.Advice == "" {
			rs.Advice = trace.DefaultRecallAdvice
		}
		if body.Origin != lot.ID {
			rs.Origin = body.Origin
		}
		break
	}
	return rs, nil
}

// Description is the resolver description file served at
// /.well-known/gs1resolver (GS1-Conformant resolver standard, with the
// fields of GS1's description-file schema).
type Description struct {
	Name                        string      `json:"name"`
	ResolverRoot                string      `json:"resolverRoot"`
	SupportedPrimaryKeys        []string    `json:"supportedPrimaryKeys"`
	SupportedLinkType           []Namespace `json:"supportedLinkType"`
	LinkTypeDefaultCanBeLinkset bool        `json:"linkTypeDefaultCanBeLinkset"`
	JSONLDContextLocation       string      `json:"jsonLdContextLocation"`
}

// Namespace is a link type namespace the resolver recognises, with the
// prefix its CURIEs use.
type Namespace struct {
	Namespace string `json:"namespace"`
	Prefix    string `json:"prefix"`
}

// Description describes this resolver: GTINs (AI 01) only, GS1 link types.
func (r Resolver) Description() Description {
	return Description{
		Name:                  "AgriTrace GS1-Conformant resolver",
		ResolverRoot:          r.Base,
		SupportedPrimaryKeys:  []string{"01"},
		SupportedLinkType:     []Namespace{{Namespace: Vocab, Prefix: "gs1:"}},
		JSONLDContextLocation: ContextURL,
	}
}
