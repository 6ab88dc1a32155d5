package trace

import (
	"context"
	"math/rand/v2"
	"time"
)

// Back-off between attempts of a write that lost a race with another
// instance: the in-process lot turns (lotLocks) cannot order writers in other
// processes, and retrying at once mostly loses again to the same writer.
const (
	backoffStart = 2 * time.Millisecond
	backoffCap   = 250 * time.Millisecond
	// backoffBudget bounds the time one write spends waiting in all, so that
	// a lot that stays contended is answered with ECONFLICT in seconds.
	backoffBudget = 2 * time.Second
)

// backoff spaces out the attempts of one write: each wait is drawn at
// random from the upper half of a ceiling that doubles from backoffStart up
// to backoffCap, so that writers that collided spread apart. The zero value
// is ready; the first attempt never waits.
type backoff struct {
	ceiling, spent time.Duration
}

// wait sleeps before the next attempt and reports whether one should be
// made: false once the budget is spent or ctx is done.
func (b *backoff) wait(ctx context.Context) bool {
	b.ceiling = min(max(2*b.ceiling, backoffStart), backoffCap)
	d := b.ceiling/2 + rand.N(b.ceiling/2+1)
	if b.spent+d > backoffBudget {
		return false
	}
	b.spent += d
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
