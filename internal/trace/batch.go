package trace

import (
	"context"
	"fmt"
)

// MaxBatch is the most events one batch may carry: enough to amortize a
// commit over thousands of events, small enough that a batch stays one
// transaction of a few megabytes that is answered in well under a second.
const MaxBatch = 10000

// BatchStep is one event of a batch: one of the REST API's writes, run on the
// Service it is given (the batch's view of the store), as the actor.
type BatchStep func(ctx context.Context, s *Service) (Result, error)

// BatchOutcome is what became of one event of a batch: its Result, or the
// error that refused it (and then it changed nothing).
type BatchOutcome struct {
	Result *Result
	Err    error
}

// Batch applies steps in order, each through the same rules as its REST
// endpoint and against the state the batch's earlier accepted events left; a
// refused step is reported in its outcome and the others go on. Everything
// accepted is committed as one Change, anchored like any other, with the
// batch's answer for its Idempotency-Key.
//
// An internal error (a store that cannot be read) fails the whole batch with
// nothing written. When the commit loses a race with a concurrent writer the
// batch runs again from fresh reads after a back-off, until the back-off
// budget is spent, and then returns ECONFLICT with nothing written. ErrReplayExists means the batch was
// already recorded under its Idempotency-Key.
func (s *Service) Batch(ctx context.Context, steps []BatchStep) ([]BatchOutcome, error) {
	return s.batch(ctx, steps, nil, false)
}

// batch is Batch, and Capture when ids (one list per step) is given: then a
// step with an id captured before, or earlier in the batch, is refused
// ECONFLICT without running, and the ids of accepted steps are committed
// with their events. With all, a batch with a refused step writes nothing.
func (s *Service) batch(ctx context.Context, steps []BatchStep, ids [][]string, all bool) ([]BatchOutcome, error) {
	if len(steps) == 0 {
		return nil, FieldErrorf(EINVALID, "events", "give at least one event")
	}
	if len(steps) > MaxBatch {
		return nil, FieldErrorf(EINVALID, "events", "a batch carries at most %d events; this one has %d", MaxBatch, len(steps))
	}
	// The steps' own writes must not store the batch's answer: that is
	// committed once, with the merged change.
	stepCtx := WithRetry(ctx, nil)
	var wait backoff
	for attempts := 1; ; attempts++ {
		ov := newOverlay(s.Store)
		view := s.over(ov)
		seen, err := s.captured(ctx, ids)
		if err != nil {
			return nil, err
		}
		var kept []string
		out := make([]BatchOutcome, len(steps))
		refused := false
		for i, step := range steps {
			if dup := firstSeen(seen, ids, i); dup != "" {
				out[i].Err = FieldErrorf(ECONFLICT, "eventID", "event %s was already captured", dup)
				refused = true
				continue
			}
			r, err := step(stepCtx, view)
			if ErrorCode(err) == EINTERNAL {
				return nil, fmt.Errorf("batch event %d: %w", i, err)
			}
			if err != nil {
				out[i].Err = err
				refused = true
				continue
			}
			out[i].Result = &r
			if ids != nil {
				for _, id := range ids[i] {
					seen[id] = true
				}
				kept = append(kept, ids[i]...)
			}
		}
		if all && refused {
			return out, nil
		}
		c := ov.change()
		c.Captured = kept
		replay, err := replayFor(ctx, Now(s.Now()), out)
		if err != nil {
			return nil, err
		}
		c.Replay = replay
		err = s.Store.Commit(ctx, c)
		if ErrorCode(err) != ECONFLICT || isReplay(err) {
			return out, err
		}
		if !wait.wait(ctx) {
			return nil, Errorf(ECONFLICT, "the batch lost %d races with concurrent writes to the same lots and nothing of it was written; send it again", attempts)
		}
	}
}
