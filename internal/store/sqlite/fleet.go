package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// fleetTables keep what instances sharing a store agree on: the one ledger
// its records are anchored on (a single row) and the hits counted against
// shared rate limits. A SQLite store has one process, but
// it keeps the same records as any store, so that its contract is the same.
const fleetTables = `
CREATE TABLE ledger_claim (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	doc TEXT NOT NULL
);
CREATE TABLE rate_hits (
	key TEXT NOT NULL,
	n   INTEGER NOT NULL,
	at  TEXT NOT NULL,
	PRIMARY KEY (key, n)
);
CREATE INDEX rate_hits_at ON rate_hits (at);
`

// ClaimLedger implements trace.Store.
func (s *Store) ClaimLedger(ctx context.Context, l trace.LedgerClaim) (trace.LedgerClaim, error) {
	var got trace.LedgerClaim
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `INSERT INTO ledger_claim (id, doc) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, mustJSON(l)); err != nil {
			return err
		}
		return getDoc(ctx, tx, &got, "ledger claim", `SELECT doc FROM ledger_claim WHERE id = 1`)
	})
	if err != nil {
		return trace.LedgerClaim{}, fmt.Errorf("sqlite: claim ledger: %w", err)
	}
	return got, nil
}

// ReplaceLedger implements trace.Store.
func (s *Store) ReplaceLedger(ctx context.Context, l trace.LedgerClaim) error {
	if _, err := s.write(ctx, `INSERT INTO ledger_claim (id, doc) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`, mustJSON(l)); err != nil {
		return fmt.Errorf("sqlite: record ledger: %w", err)
	}
	return nil
}

// LiveInstances implements trace.Store: the process that has the file open
// is the only one, and a SQLite store has no name for it.
func (s *Store) LiveInstances(context.Context) ([]string, error) { return nil, nil }

// TakeHit implements trace.Store. Hits of a key are numbered 0, 1, 2...;
// the next is allowed when the one limit places before it is out of the
// window. Read and insert share the writer's transaction, so they are one.
func (s *Store) TakeHit(ctx context.Context, key string, at time.Time, limit int, window time.Duration) (time.Duration, error) {
	var wait time.Duration
	err := s.tx(ctx, func(tx *sql.Tx) error {
		wait = 0
		var next int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(n) + 1, 0) FROM rate_hits WHERE key = ?`, key).Scan(&next); err != nil {
			return err
		}
		if next >= int64(limit) {
			var oldest string
			err := tx.QueryRowContext(ctx, `SELECT at FROM rate_hits WHERE key = ? AND n = ?`, key, next-int64(limit)).Scan(&oldest)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if err == nil {
				t, err := time.Parse(sortable, oldest)
				if err != nil {
					return err
				}
				if d := t.Add(window).Sub(at); d > 0 {
					wait = d
					return nil
				}
			}
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO rate_hits (key, n, at) VALUES (?, ?, ?)`, key, next, at.UTC().Format(sortable)); err != nil {
			return err
		}
		// Hits limit or more places back are never consulted again.
		_, err := s.exec(ctx, tx, `DELETE FROM rate_hits WHERE key = ? AND n <= ?`, key, next-int64(limit))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: rate-limit hit of %s: %w", key, err)
	}
	return wait, nil
}

// ExpireHits implements trace.Store.
func (s *Store) ExpireHits(ctx context.Context, before time.Time) error {
	if _, err := s.write(ctx, `DELETE FROM rate_hits WHERE at < ?`, before.UTC().Format(sortable)); err != nil {
		return fmt.Errorf("sqlite: expire rate-limit hits: %w", err)
	}
	return nil
}
