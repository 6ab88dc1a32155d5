package scan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// Queue takes the recording of scans off the scan's path: AddScan queues the
// record, and one writer stores queued records in batches, one store call
// (one transaction, one fsync) per batch, when a batch fills or Every has
// passed. Everything else passes through to the store, except that reading
// scans first waits for those queued, and a label's summary includes them,
// so two scans a moment apart are judged as if the first were stored.
//
// A crash loses at most the records still queued: never a custody event,
// which does not pass through here.
type Queue struct {
	trace.Store
	opts QueueOptions

	mu sync.Mutex
	// pending are the records queued and not yet stored, oldest first.
	pending []trace.Scan
	// queued and stored count records ever queued and ever stored; stored
	// closes (and replaces) changed when it moves.
	queued, stored uint64
	changed        chan struct{}
	dropped        int
	// closed is set once the writer has stored its last batch.
	closed bool

	room chan struct{}
	// full says a batch has filled; flush asks for everything queued.
	full, flush chan struct{}
	stop        chan struct{}
	stopped     chan struct{}

	// complaints and lots count commits that wrote a complaint, and lots,
	// events or units (WriteCounter).
	complaints, lots atomic.Uint64
}

// QueueOptions tune a Queue; zero values take the defaults.
type QueueOptions struct {
	// Batch is the most records one write stores (default 256).
	Batch int
	// Every is how long a record waits at most for its batch to fill
	// (default 50 ms).
	Every time.Duration
	// Capacity is how many records may wait; a scan that finds the queue
	// full waits up to Wait for room (defaults 8192 and 2 s).
	Capacity int
	Wait     time.Duration
	Log      *slog.Logger
}

// NewQueue starts the writer; Close stops it after storing what is queued.
func NewQueue(st trace.Store, o QueueOptions) *Queue {
	o.Batch, o.Every = cmp.Or(o.Batch, 256), cmp.Or(o.Every, 50*time.Millisecond)
	o.Capacity, o.Wait = cmp.Or(o.Capacity, 8192), cmp.Or(o.Wait, 2*time.Second)
	if o.Log == nil {
		o.Log = slog.Default()
	}
	q := &Queue{
		Store: st, opts: o, changed: make(chan struct{}),
		room: make(chan struct{}, o.Capacity), full: make(chan struct{}, 1), flush: make(chan struct{}, 1),
		stop: make(chan struct{}), stopped: make(chan struct{}),
	}
	go q.run()
	return q
}

// ErrQueueFull is returned for a scan record that found no room in the
// queue within its wait: the writer is behind or the store is failing.
var ErrQueueFull = errors.New("scan queue full")

// AddScan queues a scan record. A full queue holds the caller back for up
// to Wait rather than losing the record silently; a record still without
// room then is dropped, counted and logged. Once the writer has stopped,
// records are stored directly.
func (q *Queue) AddScan(ctx context.Context, sc trace.Scan) error {
	wait := time.NewTimer(q.opts.Wait)
	defer wait.Stop()
	select {
	case q.room <- struct{}{}:
	case <-ctx.Done():
		return q.drop(sc, ctx.Err())
	case <-wait.C:
		return q.drop(sc, ErrQueueFull)
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		<-q.room
		return q.Store.AddScans(ctx, []trace.Scan{sc})
	}
	q.pending = append(q.pending, sc)
	q.queued++
	filled := len(q.pending) >= q.opts.Batch
	q.mu.Unlock()
	if filled {
		signal(q.full)
	}
	return nil
}

func (q *Queue) drop(sc trace.Scan, err error) error {
	q.mu.Lock()
	q.dropped++
	n := q.dropped
	q.mu.Unlock()
	q.opts.Log.Error("scan record dropped", "serial", sc.Serial, "lot", sc.Lot, "err", err, "dropped", n)
	return fmt.Errorf("record scan of %s%s: %w", sc.Serial, sc.Lot, err)
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Flush waits until every record queued before the call is stored.
func (q *Queue) Flush(ctx context.Context) error {
	q.mu.Lock()
	target := q.queued
	q.mu.Unlock()
	signal(q.flush)
	for {
		q.mu.Lock()
		stored, changed := q.stored, q.changed
		q.mu.Unlock()
		if stored >= target {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for queued scans: %w", ctx.Err())
		}
	}
}

// Scans implements trace.Store, including the records queued before the call.
func (q *Queue) Scans(ctx context.Context, f trace.ScanFilter) ([]trace.Scan, error) {
	wait, cancel := context.WithTimeout(ctx, q.opts.Wait)
	defer cancel()
	if err := q.Flush(wait); err != nil {
		return nil, err
	}
	return q.Store.Scans(ctx, f)
}

// ScanSummary implements trace.Store, with the label's queued records
// folded in.
func (q *Queue) ScanSummary(ctx context.Context, serial string) (trace.ScanSummary, error) {
	// The queued records are taken before the store is read: a batch stored
	// in between is then counted twice, which a summary ignores, rather than
	// not at all.
	var mine []trace.Scan
	q.mu.Lock()
	for _, sc := range q.pending {
		if sc.Serial == serial {
			mine = append(mine, sc)
		}
	}
	q.mu.Unlock()
	sum, err := q.Store.ScanSummary(ctx, serial)
	if err != nil {
		return sum, err
	}
	for _, sc := range mine {
		sum.Add(sc)
	}
	return sum, nil
}

// Commit passes a change to the store and counts what it writes after the
// store has answered: whatever a scan read before then is kept under the old
// count and so is never used.
func (q *Queue) Commit(ctx context.Context, ch trace.Change) error {
	err := q.Store.Commit(ctx, ch)
	if len(ch.Complaints) > 0 {
		q.complaints.Add(1)
	}
	if len(ch.Lots) > 0 || len(ch.Events) > 0 || len(ch.Units) > 0 {
		q.lots.Add(1)
	}
	return err
}

// ComplaintWrites is how many commits through q wrote a complaint.
func (q *Queue) ComplaintWrites() uint64 { return q.complaints.Load() }

// LotWrites is how many commits through q wrote lots, events or units.
func (q *Queue) LotWrites() uint64 { return q.lots.Load() }

// Close stores what is queued, stops the writer and closes the store.
func (q *Queue) Close() error {
	close(q.stop)
	<-q.stopped
	return q.Store.Close()
}

func (q *Queue) run() {
	defer close(q.stopped)
	tick := time.NewTicker(q.opts.Every)
	defer tick.Stop()
	for {
		select {
		case <-q.full:
			q.write(true)
		case <-q.flush:
			q.write(false)
		case <-tick.C:
			q.write(false)
		case <-q.stop:
			q.drain()
			return
		}
	}
}

// drain stores what is queued at shutdown, retrying a failing store a few
// times before giving up on the records, loudly.
func (q *Queue) drain() {
	for range 5 {
		q.write(false)
		q.mu.Lock()
		if len(q.pending) == 0 {
			q.closed = true
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		time.Sleep(q.opts.Every)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.opts.Log.Error("scan records lost at shutdown: the store would not take them", "records", len(q.pending))
}

// write stores queued records a batch at a time: only full batches when
// fullOnly, else all of them. A batch that fails stays queued and is tried
// again on the next tick.
func (q *Queue) write(fullOnly bool) {
	for {
		q.mu.Lock()
		n := len(q.pending)
		if n == 0 || fullOnly && n < q.opts.Batch {
			q.mu.Unlock()
			return
		}
		batch := q.pending[:min(n, q.opts.Batch)]
		q.mu.Unlock()
		if !q.store(batch) {
			return
		}
	}
}

// store writes one batch and takes it off the queue.
func (q *Queue) store(batch []trace.Scan) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := q.Store.AddScans(ctx, batch); err != nil {
		q.opts.Log.Error("store scan records", "records", len(batch), "err", err)
		return false
	}
	q.mu.Lock()
	q.pending = q.pending[len(batch):]
	q.stored += uint64(len(batch))
	close(q.changed)
	q.changed = make(chan struct{})
	q.mu.Unlock()
	for range batch {
		<-q.room
	}
	return true
}
