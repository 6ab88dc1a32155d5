package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
)

// Replay implements trace.Store.
func (s *Store) Replay(ctx context.Context, scope, key string) (trace.Replay, error) {
	var r trace.Replay
	err := getDoc(ctx, s.read, &r, "idempotency key "+key, qReplay, scope, key)
	return r, err
}

// SaveReplay implements trace.Store.
func (s *Store) SaveReplay(ctx context.Context, r trace.Replay) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return s.insertReplay(ctx, tx, r) })
}

// insertReplay stores r unless a live answer for its key exists; expired
// answers are purged first, so their keys can be used again.
func (s *Store) insertReplay(ctx context.Context, tx *sql.Tx, r trace.Replay) error {
	if _, err := s.exec(ctx, tx, wPurgeReplays, r.CreatedAt.UTC().Format(sortable)); err != nil {
		return fmt.Errorf("sqlite: purge expired idempotency keys: %w", err)
	}
	_, err := s.exec(ctx, tx, wInsertReplay,
		r.Scope, r.Key, r.ExpiresAt.UTC().Format(sortable), mustJSON(r))
	if isUnique(err) {
		return trace.ErrReplayExists
	}
	if err != nil {
		return fmt.Errorf("sqlite: store idempotency key %s: %w", r.Key, err)
	}
	return nil
}
