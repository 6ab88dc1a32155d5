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
// its records are anchored on (a single row), who is running, and the hits
// counted against shared rate limits. A SQLite store has one process, but
// it keeps the same records as any store, so that its contract is the same.
const fleetTables = `
CREATE TABLE ledger_claim (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	doc TEXT NOT NULL
);
CREATE TABLE beats (
	instance TEXT PRIMARY KEY,
	at       TEXT NOT NULL
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

// Beat implements trace.Store.
func (s *Store) Beat(ctx context.Context, instance string, at time.Time) error {
	if _, err := s.write(ctx, `INSERT INTO beats (instance, at) VALUES (?, ?) ON CONFLICT (instance) DO UPDATE SET at = excluded.at`,
		instance, at.UTC().Format(sortable)); err != nil {
		return fmt.Errorf("sqlite: beat of %s: %w", instance, err)
	}
	return nil
}

// Instances implements trace.Store.
func (s *Store) Instances(ctx context.Context, since time.Time) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT instance FROM beats WHERE at >= ? ORDER BY instance`, since.UTC().Format(sortable))
	if err != nil {
		return nil, fmt.Errorf("sqlite: instances: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("sqlite: instances: %w", err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: instances: %w", err)
	}
	return out, nil
}

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
