package sqlite

import (
	"context"

	"github.com/agritrace/agritrace/internal/trace"
)

// The id lists travel as one JSON array parameter expanded by json_each, so a
// level of any width is one statement with one variable: no chunking under
// SQLite's variable limit, and one statement text for the statement cache.

// LotsByID implements trace.Store.
func (s *Store) LotsByID(ctx context.Context, ids []string) ([]trace.Lot, error) {
	if len(ids) == 0 {
		return []trace.Lot{}, nil
	}
	return listDocs[trace.Lot](ctx, s.db, `SELECT doc FROM lots WHERE id IN (SELECT value FROM json_each(?))`, mustJSON(ids))
}

// ChildLots implements trace.Store.
func (s *Store) ChildLots(ctx context.Context, parents []string) ([]trace.Lot, error) {
	if len(parents) == 0 {
		return []trace.Lot{}, nil
	}
	return listDocs[trace.Lot](ctx, s.db, `SELECT doc FROM lots WHERE id IN
		(SELECT lot FROM lot_parents WHERE parent IN (SELECT value FROM json_each(?))) ORDER BY id`, mustJSON(parents))
}
