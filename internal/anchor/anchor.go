// Package anchor drains the outbox: records that the store committed with
// their events are sent to the ledger in order, retried until the ledger has
// them, and settled with the ledger's receipt. Sending a record twice is
// harmless because ledgers accept an identical record again.
package anchor

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
)

// Worker anchors pending records in the background.
type Worker struct {
	Store  trace.Store
	Ledger trace.Ledger
	Log    *slog.Logger
	// Batch is how many records go to the ledger in one call.
	Batch int
	// Idle is how long the worker sleeps when there is nothing to do and nobody
	// kicks it; MaxBackoff caps the wait after a failure.
	Idle       time.Duration
	MaxBackoff time.Duration
	kick       chan struct{}
}

// New returns a worker with working defaults.
func New(s trace.Store, l trace.Ledger, log *slog.Logger) *Worker {
	return &Worker{Store: s, Ledger: l, Log: log, Batch: 2000, Idle: 2 * time.Second, MaxBackoff: 30 * time.Second, kick: make(chan struct{}, 1)}
}

// Kick wakes the worker after a commit, without blocking the caller.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run anchors until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	backoff := time.Second
	for {
		_, err := w.Drain(ctx)
		wait := w.Idle
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.Log.Warn("anchoring failed; will retry", "err", err, "retry_in", backoff)
			wait, backoff = backoff, min(backoff*2, w.MaxBackoff)
		} else {
			backoff = time.Second
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.kick:
			t.Stop()
			if err != nil {
				// A kick is no reason to hammer a ledger that is down.
				if !sleep(ctx, wait) {
					return
				}
			}
		case <-t.C:
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Drain sends pending records until none are left and returns how many were
// settled. It stops at the first error worth retrying.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		recs, err := w.Store.PendingAnchors(ctx, w.Batch)
		if err != nil || len(recs) == 0 {
			return total, err
		}
		outcomes, err := w.send(ctx, recs)
		if len(outcomes) > 0 {
			if serr := w.Store.SettleAnchors(ctx, outcomes); serr != nil {
				return total, serr
			}
			total += len(outcomes)
		}
		if err != nil {
			return total, err
		}
	}
}

// send anchors one batch. When the ledger refuses the batch, the records go
// one by one so that only the refused ones, and the records chained after them,
// are settled as rejected; a gap is waited out instead.
func (w *Worker) send(ctx context.Context, recs []custody.Record) ([]trace.AnchorOutcome, error) {
	info := w.Ledger.Info()
	receipts, err := w.Ledger.Anchor(ctx, recs)
	if err == nil {
		now := time.Now().UTC()
		out := make([]trace.AnchorOutcome, len(recs))
		for i, r := range recs {
			out[i] = trace.AnchorOutcome{Record: r, Ledger: info.Kind, Receipt: receipts[i], At: now}
		}
		return out, nil
	}
	if !Refused(err) {
		return nil, err
	}
	var out []trace.AnchorOutcome
	var gap error
	waiting := map[string]bool{}
	for _, r := range recs {
		chain := r.Kind + "/" + r.Key
		if waiting[chain] {
			continue
		}
		got, err := w.Ledger.Anchor(ctx, []custody.Record{r})
		now := time.Now().UTC()
		switch {
		case err == nil:
			out = append(out, trace.AnchorOutcome{Record: r, Ledger: info.Kind, Receipt: got[0], At: now})
		case errors.Is(err, custody.ErrGap):
			// The record before it is not on the ledger yet: still on its way
			// from a change being committed, or not yet visible to this peer.
			// Its chain waits; the others go on.
			waiting[chain], gap = true, err
		case Refused(err):
			w.Log.Error("ledger refused a record", "kind", r.Kind, "key", r.Key, "seq", r.Seq, "err", err)
			out = append(out, trace.AnchorOutcome{Record: r, Ledger: info.Kind, Refused: err.Error(), At: now})
		default:
			return out, err
		}
	}
	return out, gap
}

// Refused reports whether err is the ledger refusing a record by the custody
// rules, which no retry can change.
func Refused(err error) bool {
	return errors.Is(err, custody.ErrGap) || errors.Is(err, custody.ErrPrevHash) ||
		errors.Is(err, custody.ErrOverwrite) || errors.Is(err, custody.ErrInvalid)
}
