// Package fleet is what AgriTrace instances sharing one store tell each
// other through it: which ledger the store's records are anchored on,
// checked when an instance starts (ledger.go), and how many instances are
// running, from the beat each writes every few seconds, by which each
// divides the limits it keeps in memory.
package fleet

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

const (
	// Every is how often a running instance beats.
	Every = 10 * time.Second
	// Lapse is how long after its last beat an instance counts as running:
	// three beats, so that one slow or lost write does not drop it, and
	// instances' clocks may disagree by seconds.
	Lapse = 3 * Every
)

// Fleet is this instance's membership of the instances sharing a store.
type Fleet struct {
	store trace.Store
	name  string
	log   *slog.Logger
	live  atomic.Int64
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// Join beats once as name, counts the instances running, and goes on
// beating every Every until Close.
func Join(ctx context.Context, st trace.Store, name string, log *slog.Logger) (*Fleet, error) {
	f := &Fleet{store: st, name: name, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	f.live.Store(1)
	if err := f.Beat(ctx); err != nil {
		return nil, err
	}
	go f.run()
	return f, nil
}

// Beat records that this instance is running and counts those that are.
func (f *Fleet) Beat(ctx context.Context) error {
	now := time.Now()
	if err := f.store.Beat(ctx, f.name, now); err != nil {
		return err
	}
	names, err := f.store.Instances(ctx, now.Add(-Lapse))
	if err != nil {
		return err
	}
	f.live.Store(int64(max(1, len(names))))
	return nil
}

func (f *Fleet) run() {
	defer close(f.done)
	t := time.NewTicker(Every)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), Every)
			if err := f.Beat(ctx); err != nil {
				// The last count stands; a beat missed is made up by the next.
				f.log.Warn("fleet: beat failed", "instance", f.name, "err", err)
			}
			cancel()
		}
	}
}

// Live is how many instances, this one included, were running at the last
// beat.
func (f *Fleet) Live() int { return int(f.live.Load()) }

// Name is this instance's name.
func (f *Fleet) Name() string { return f.name }

// Close stops beating and records that this instance has stopped, so that
// the others count one fewer at their next beat instead of after Lapse.
func (f *Fleet) Close() error {
	var err error
	f.once.Do(func() {
		close(f.stop)
		<-f.done
		ctx, cancel := context.WithTimeout(context.Background(), Every)
		defer cancel()
		err = f.store.Beat(ctx, f.name, time.Time{})
	})
	return err
}
