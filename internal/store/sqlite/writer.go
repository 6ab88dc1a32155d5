package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/agritrace/agritrace/internal/trace"
)

// maxBatch bounds how many queued writes share one transaction, so that one
// fsync never waits on an unbounded amount of work.
const maxBatch = 256

// savepoint is the name each write runs under inside a batch.
const savepoint = "agritrace_write"

// errClosed answers writes that arrive after Close.
var errClosed = errors.New("sqlite: store is closed")

// writer is the one goroutine that writes. SQLite lets one connection write
// at a time; a writer per request made them queue in SQLite's busy handler and
// fsync once each. Here concurrent writes share one transaction and one fsync
// (group commit), and each runs under its own savepoint, so one that fails is
// undone alone and answered with its own error.
type writer struct {
	db      *sql.DB // its only connection is the write connection
	reqs    chan *request
	quit    chan struct{}
	stopped chan struct{}
	stop    sync.Once
}

// request is one write waiting for the writer.
type request struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan error
}

func (r *request) answer(err error) { r.done <- err }

func newWriter(db *sql.DB) *writer {
	// Unbuffered: a request handed over is always answered, even at Close.
	w := &writer{db: db, reqs: make(chan *request), quit: make(chan struct{}), stopped: make(chan struct{})}
	go w.loop()
	return w
}

// tx runs fn in the writer's transaction under its own savepoint and returns
// once the transaction holding it is durable (or fn's error, which undid only
// fn's changes). A ctx cancelled before fn starts means fn never runs.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	r := &request{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.w.reqs <- r:
	case <-ctx.Done():
		return fmt.Errorf("sqlite: write not started: %w", ctx.Err())
	case <-s.w.stopped:
		return errClosed
	}
	// Once handed over the write may commit, so its outcome is awaited even
	// if ctx ends: the caller must not report a failure that is in fact durable.
	err := <-r.done
	if isFull(err) {
		return fmt.Errorf("%w (%v)", errFull, err)
	}
	if isBusy(err) {
		// fn's changes were rolled back with its savepoint or transaction, so
		// the caller may send the same write again.
		return fmt.Errorf("sqlite: %w", trace.Errorf(trace.EUNAVAILABLE, "the database is locked by another process; nothing was written, try again shortly"))
	}
	return err
}

func (w *writer) loop() {
	defer close(w.stopped)
	for {
		var first *request
		select {
		case first = <-w.reqs:
		case <-w.quit:
			return
		}
		// Taking the connection before gathering the batch means that writes
		// arriving while another holder (a test's DB()) has it join this batch.
		conn, err := w.db.Conn(context.Background())
		if err != nil {
			first.answer(fmt.Errorf("sqlite: write connection: %w", err))
			continue
		}
		batch := []*request{first}
	gather:
		for len(batch) < maxBatch {
			select {
			case r := <-w.reqs:
				batch = append(batch, r)
			default:
				break gather
			}
		}
		w.run(conn, batch)
		conn.Close()
	}
}

// close stops the writer after the batch it is running.
func (w *writer) close() {
	w.stop.Do(func() { close(w.quit) })
	<-w.stopped
}

// run commits a batch and answers every request in it. A write whose failure
// took the whole transaction with it (an interrupted statement does that) is
// answered with its error and the others are run again without it.
func (w *writer) run(conn *sql.Conn, batch []*request) {
	for len(batch) > 0 {
		batch = w.attempt(conn, batch)
	}
}

// attempt runs batch in one transaction. It returns the requests still to be
// run when the transaction was lost under them, and nil when every request
// has been answered.
func (w *writer) attempt(conn *sql.Conn, batch []*request) []*request {
	bg := context.Background()
	tx, err := conn.BeginTx(bg, nil)
	if err != nil {
		for _, r := range batch {
			r.answer(fmt.Errorf("sqlite: begin: %w", err))
		}
		return nil
	}
	var ran []*request
	// Writes refused by the database are answered after the COMMIT: a caller
	// that lost a race re-reads and retries, and must then see the winner.
	var refused []*request
	var reasons []error
	defer func() {
		for i, r := range refused {
			r.answer(reasons[i])
		}
	}()
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.answer(fmt.Errorf("sqlite: write not started: %w", err))
			continue
		}
		lost, err := runOne(tx, r.fn)
		if lost {
			tx.Rollback()
			// Whatever ran before r is undone; r is answered, the rest retried.
			r.answer(err)
			return append(ran, batch[i+1:]...)
		}
		if err != nil {
			refused, reasons = append(refused, r), append(reasons, err)
			continue
		}
		ran = append(ran, r)
	}
	if err := tx.Commit(); err != nil {
		// A failed COMMIT can leave the transaction open on the connection;
		// end it so that nothing of the batch survives and the next can begin.
		conn.ExecContext(bg, "ROLLBACK")
		err = fmt.Errorf("sqlite: commit: %w", err)
		for _, r := range ran {
			r.answer(err)
		}
		return nil
	}
	for _, r := range ran {
		r.answer(nil)
	}
	return nil
}

// runOne runs fn under a savepoint. lost reports that the transaction itself
// is gone, so the savepoint could be neither released nor rolled back to.
func runOne(tx *sql.Tx, fn func(*sql.Tx) error) (lost bool, err error) {
	bg := context.Background()
	if _, err := tx.ExecContext(bg, "SAVEPOINT "+savepoint); err != nil {
		return true, fmt.Errorf("sqlite: savepoint: %w", err)
	}
	if ferr := fn(tx); ferr != nil {
		if _, err := tx.ExecContext(bg, "ROLLBACK TO "+savepoint); err != nil {
			return true, errors.Join(ferr, fmt.Errorf("sqlite: roll back write: %w", err))
		}
		if _, err := tx.ExecContext(bg, "RELEASE "+savepoint); err != nil {
			return true, errors.Join(ferr, fmt.Errorf("sqlite: release write: %w", err))
		}
		return false, ferr
	}
	if _, err := tx.ExecContext(bg, "RELEASE "+savepoint); err != nil {
		return true, fmt.Errorf("sqlite: release write: %w", err)
	}
	return false, nil
}
