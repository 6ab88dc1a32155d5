package mongo

import (
	"context"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// Test hooks.

// Name is the database name.
func (s *Store) Name() string { return s.db.Name() }

// DropDatabase removes the test database.
func (s *Store) DropDatabase(ctx context.Context) error { return s.db.Drop(ctx) }

// CrashMidCommit applies c as Commit does but stops before completing it,
// with the journal dated at.
func (s *Store) CrashMidCommit(ctx context.Context, c trace.Change, at time.Time) error {
	j := newJournal(c, at)
	if _, err := s.c(cJournal).InsertOne(ctx, j); err != nil {
		return err
	}
	return s.apply(ctx, j.ID, c, 0)
}
