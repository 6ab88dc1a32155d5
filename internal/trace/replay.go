package trace

import (
	"context"
	"errors"
	"time"
)

// ReplayTTL is how long the answer to a write sent with an Idempotency-Key is
// kept: a client retrying a lost answer does so within seconds or, after an
// outage, hours; a day covers both, and after it the key may be reused.
const ReplayTTL = 24 * time.Hour

// Replay is the stored answer to a write sent with an Idempotency-Key. Scope
// keeps one organization's keys apart from another's; Request is the SHA-256
// of the request's method, path and body, so a key reused for a different
// request is told apart from a retry.
type Replay struct {
	Scope     string    `json:"scope"`
	Key       string    `json:"key"`
	Request   string    `json:"request"`
	Status    int       `json:"status"`
	Body      []byte    `json:"body"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// ErrReplayExists is what a store returns when a Replay with the same scope
// and key, unexpired, is already stored: the write is a duplicate, and the
// caller answers with the stored reply instead.
var ErrReplayExists = &Error{Code: ECONFLICT, Message: "a request with this Idempotency-Key was already recorded"}

// Retry ties a write to the Idempotency-Key it was sent with.
type Retry struct {
	Scope, Key, Request string
	// Answer renders the write's result as the reply the client gets, so that
	// the reply is committed together with the write it answers.
	Answer func(result any) (status int, body []byte, err error)
}

type retryKey struct{}

// WithRetry returns ctx carrying r: the writes made under it store their reply.
func WithRetry(ctx context.Context, r *Retry) context.Context {
	return context.WithValue(ctx, retryKey{}, r)
}

// replayFor is the Replay a write under ctx commits with its change, or nil.
func replayFor(ctx context.Context, now time.Time, result any) (*Replay, error) {
	r, _ := ctx.Value(retryKey{}).(*Retry)
	if r == nil || r.Answer == nil {
		return nil, nil
	}
	status, body, err := r.Answer(result)
	if err != nil {
		return nil, err
	}
	return &Replay{Scope: r.Scope, Key: r.Key, Request: r.Request, Status: status, Body: body, CreatedAt: now, ExpiresAt: now.Add(ReplayTTL)}, nil
}

// isReplay reports whether err says the write was already recorded.
func isReplay(err error) bool { return errors.Is(err, ErrReplayExists) }
