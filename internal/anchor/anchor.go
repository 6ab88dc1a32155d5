// Package anchor drains the outbox: records that the store committed with
// their events are sent to the ledger chain by chain in seq order, retried
// until the ledger has them, and settled with the ledger's receipt. Sending a
// record twice is harmless because ledgers accept an identical record again.
//
// The worker claims the chains it sends (trace.Store.ClaimAnchors), so that
// instances sharing a store share the work instead of each sending it all. A
// chain the ledger will not take yet, because its next record does not follow
// what the ledger holds, or that fails on its own, is set aside for a while
// that doubles up to MaxBackoff, and the worker goes on with the others.
//
// A node that holds only some organizations' ledger identities (each
// organization running its own node on the shared store) sends, of each
// chain, the records up to the first it cannot sign, and hands the rest of
// the chain to the instance that can (see signer).
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
	// Handoff is how long a chain whose next record another instance must
	// sign is left to it before this one looks again.
	Handoff time.Duration
	kick    chan struct{}
	// aside holds the chains set aside; only Drain's goroutine uses it.
	aside map[trace.AnchorChain]retry
}

// retry is when a chain set aside is tried again, and how long it waits if
// that fails too.
type retry struct {
	at   time.Time
	wait time.Duration
}

// New returns a worker with working defaults.
func New(s trace.Store, l trace.Ledger, log *slog.Logger) *Worker {
	return &Worker{Store: s, Ledger: l, Log: log, Batch: 2000, Idle: 2 * time.Second, MaxBackoff: 30 * time.Second, Handoff: 2 * time.Second,
		kick: make(chan struct{}, 1)}
}

// signer is a ledger that holds the identities of only some ledger
// organizations: it can send a record only when it Signs the record's By.
// A ledger that does not implement it signs everything.
type signer interface {
	Signs(by string) bool
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

// Drain sends pending records until none are left that this instance may
// send now, and returns how many were settled. It stops at the first error
// worth retrying: the store's, or the ledger's when nothing could be sent.
// Chains set aside, or left to the instance that signs their next record,
// are not errors; they are tried again in their time.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		claimed, err := w.Store.ClaimAnchors(ctx, w.Batch, w.skipped(time.Now()))
		if err != nil || len(claimed) == 0 {
			return total, err
		}
		recs, handed, gone := w.signable(claimed)
		// Chains with nothing to send here go back at once, so that the
		// instance that signs their next record need not wait for the claims
		// to lapse.
		if err := w.Store.ReleaseAnchors(ctx, gone); err != nil {
			return total, err
		}
		var outcomes []trace.AnchorOutcome
		var aside []trace.AnchorChain
		if len(recs) > 0 {
			outcomes, aside, err = w.send(ctx, recs)
		}
		if len(outcomes) > 0 {
			serr := w.Store.SettleAnchors(ctx, outcomes)
			if serr == nil {
				total += len(outcomes)
			}
			err = errors.Join(err, serr)
		}
		w.setAside(aside, outcomes, time.Now())
		w.handOff(handed, time.Now())
		// Released even when ctx has ended, so that another instance need not
		// wait for the claims to lapse.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		rerr := w.Store.ReleaseAnchors(rctx, chainsOf(recs))
		cancel()
		if err = errors.Join(err, rerr); err != nil {
			return total, err
		}
	}
}

// send anchors one batch of whole chains, and returns what to settle and
// which chains to set aside. An error comes back only when no chain got
// through, more likely a ledger down than a chain stuck; the chain it failed
// on is set aside all the same.
func (w *Worker) send(ctx context.Context, recs []custody.Record) ([]trace.AnchorOutcome, []trace.AnchorChain, error) {
	b := batch{info: w.Ledger.Info()}
	err := w.split(ctx, &b, splitChains(recs), recs)
	return b.out, b.aside, err
}

// batch is what send has learnt so far.
type batch struct {
	info  trace.LedgerInfo
	out   []trace.AnchorOutcome
	aside []trace.AnchorChain
}

// split sends chains, whose records are recs, in one call. When the ledger
// refuses it, each half goes on its own, down to a single chain, which goes
// record by record: a chain stuck in a batch of n costs about 2·log2(n)
// calls, not n. When the ledger fails it, the chains go one at a time, and
// the first to fail before any got through ends the batch.
func (w *Worker) split(ctx context.Context, b *batch, chains [][]custody.Record, recs []custody.Record) error {
	got, err := w.Ledger.Anchor(ctx, recs)
	switch {
	case err == nil:
		b.out = append(b.out, settled(b.info, recs, got)...)
		return nil
	case ctx.Err() != nil:
		return err
	case Refused(err) && len(chains) == 1:
		done, stuck := w.oneByOne(ctx, b.info, recs)
		b.out = append(b.out, done...)
		if stuck {
			b.aside = append(b.aside, trace.ChainOf(recs[0]))
		}
		return nil
	case Refused(err):
		half := len(chains) / 2
		if err := w.split(ctx, b, chains[:half], join(chains[:half])); err != nil {
			return err
		}
		return w.split(ctx, b, chains[half:], join(chains[half:]))
	case len(chains) == 1:
		b.aside = append(b.aside, trace.ChainOf(recs[0]))
		if len(b.out) == 0 {
			// Nothing got through: most likely the ledger is down, and
			// trying every chain would only wait out its timeout again.
			return err
		}
		return nil
	}
	for _, c := range chains {
		if err := w.split(ctx, b, [][]custody.Record{c}, c); err != nil {
			return err
		}
	}
	return nil
}

func join(chains [][]custody.Record) []custody.Record {
	var out []custody.Record
	for _, c := range chains {
		out = append(out, c...)
	}
	return out
}

// oneByOne sends a refused chain a record at a time. A refused record is
// settled as rejected, which no retry can change; the chain is stuck at a
// gap (the record before is not on the ledger: still being committed, not yet
// visible to this peer, or itself rejected) or at a failure.
func (w *Worker) oneByOne(ctx context.Context, info trace.LedgerInfo, chain []custody.Record) (out []trace.AnchorOutcome, stuck bool) {
	for _, r := range chain {
		got, err := w.Ledger.Anchor(ctx, []custody.Record{r})
		switch {
		case err == nil:
			out = append(out, settled(info, []custody.Record{r}, got)...)
		case errors.Is(err, custody.ErrGap) || !Refused(err):
			w.Log.Warn("ledger cannot take a chain's next record yet; the chain waits", "kind", r.Kind, "key", r.Key, "seq", r.Seq, "err", err)
			return out, true
		default:
			w.Log.Error("ledger refused a record", "kind", r.Kind, "key", r.Key, "seq", r.Seq, "err", err)
			out = append(out, trace.AnchorOutcome{Record: r, Ledger: info.Kind, Refused: err.Error(), At: time.Now().UTC()})
		}
	}
	return out, false
}

func settled(info trace.LedgerInfo, recs []custody.Record, receipts []trace.Receipt) []trace.AnchorOutcome {
	now := time.Now().UTC()
	out := make([]trace.AnchorOutcome, len(recs))
	for i, r := range recs {
		out[i] = trace.AnchorOutcome{Record: r, Ledger: info.Kind, Receipt: receipts[i], At: now}
	}
	return out
}

// skipped lists the chains still set aside at now, and forgets those whose
// time came long ago without their failing again: settled since, by this
// instance or another.
func (w *Worker) skipped(now time.Time) []trace.AnchorChain {
	var out []trace.AnchorChain
	for c, r := range w.aside {
		switch {
		case now.Before(r.at):
			out = append(out, c)
		case now.Sub(r.at) > 2*w.MaxBackoff:
			delete(w.aside, c)
		}
	}
	return out
}

// setAside sets chains aside, each for twice its last wait, and forgets the
// chains that got records onto the ledger.
func (w *Worker) setAside(chains []trace.AnchorChain, outcomes []trace.AnchorOutcome, now time.Time) {
	for _, o := range outcomes {
		if o.Refused == "" {
			delete(w.aside, trace.ChainOf(o.Record))
		}
	}
	if w.aside == nil {
		w.aside = map[trace.AnchorChain]retry{}
	}
	for _, c := range chains {
		wait := min(max(2*w.aside[c].wait, time.Second), w.MaxBackoff)
		w.aside[c] = retry{at: now.Add(wait), wait: wait}
	}
}

// splitChains cuts records ordered chain by chain into their chains.
func splitChains(recs []custody.Record) [][]custody.Record {
	var out [][]custody.Record
	start := 0
	for i := range recs {
		if i == len(recs)-1 || trace.ChainOf(recs[i+1]) != trace.ChainOf(recs[i]) {
			out = append(out, recs[start:i+1])
			start = i + 1
		}
	}
	return out
}

func chainsOf(recs []custody.Record) []trace.AnchorChain {
	var out []trace.AnchorChain
	for _, c := range splitChains(recs) {
		out = append(out, trace.ChainOf(c[0]))
	}
	return out
}

// Refused reports whether err is the ledger refusing a record by the custody
// rules, which no retry can change.
func Refused(err error) bool {
	return errors.Is(err, custody.ErrGap) || errors.Is(err, custody.ErrPrevHash) ||
		errors.Is(err, custody.ErrOverwrite) || errors.Is(err, custody.ErrInvalid) ||
		errors.Is(err, custody.ErrForbidden)
}
