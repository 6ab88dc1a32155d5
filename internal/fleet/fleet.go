// Package fleet is what AgriTrace instances sharing one store tell each
// other through it: which ledger the store's records are anchored on,
// checked when an instance starts (ledger.go), and how many instances are
// running, as the store judges from its own registry of live instances
// (trace.Store.LiveInstances), by which each divides the limits it keeps in
// memory.
package fleet

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// Every is how often an instance counts again the instances running.
const Every = 10 * time.Second

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

// Join counts the instances running, and goes on counting every Every until
// Close. That name is running is the store's to record: a MongoDB store
// registers the instance that opens it, under the same name.
func Join(ctx context.Context, st trace.Store, name string, log *slog.Logger) (*Fleet, error) {
	f := &Fleet{store: st, name: name, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	f.live.Store(1)
	if err := f.Refresh(ctx); err != nil {
		return nil, err
	}
	go f.run()
	return f, nil
}

// Refresh counts the instances running; a store that names none (SQLite)
// counts as this one alone.
func (f *Fleet) Refresh(ctx context.Context) error {
	names, err := f.store.LiveInstances(ctx)
	if err != nil {
		return fmt.Errorf("fleet: count instances: %w", err)
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
			if err := f.Refresh(ctx); err != nil {
				// The last count stands until the next succeeds.
				f.log.Warn("fleet: count failed", "instance", f.name, "err", err)
			}
			cancel()
		}
	}
}

// Live is how many instances, this one included, were running at the last
// count.
func (f *Fleet) Live() int { return int(f.live.Load()) }

// Name is this instance's name.
func (f *Fleet) Name() string { return f.name }

// Close stops counting. The others count one fewer once the store that
// registered this instance closes.
func (f *Fleet) Close() error {
	f.once.Do(func() {
		close(f.stop)
		<-f.done
	})
	return nil
}
