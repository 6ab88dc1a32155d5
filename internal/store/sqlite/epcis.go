package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
)

// epcisEvents gives events their time (Unix milliseconds) and type as
// columns, so the EPCIS query interface lists events of every lot by time
// through an index, and adds the table of captured EPCIS event identifiers.
// Older rows get theirs from the stored document.
func epcisEvents(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `
ALTER TABLE events ADD COLUMN ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN type TEXT NOT NULL DEFAULT '';
UPDATE events SET type = json_extract(doc, '$.type'),
	ms = CAST(round(unixepoch(json_extract(doc, '$.time'), 'subsec') * 1000) AS INTEGER);
CREATE INDEX IF NOT EXISTS events_time ON events (ms, lot, seq);
CREATE TABLE IF NOT EXISTS captured (id TEXT PRIMARY KEY);`)
	return err
}

// writeCaptured records captured EPCIS event identifiers in a commit.
func (s *Store) writeCaptured(ctx context.Context, tx *sql.Tx, ids []string) error {
	i, err := s.insertRows(ctx, tx, "captured", "id", len(ids), func(i int) []any { return []any{ids[i]} })
	if isUnique(err) {
		return trace.Errorf(trace.ECONFLICT, "EPCIS event %s was already captured", ids[i])
	}
	if err != nil {
		return fmt.Errorf("sqlite: record captured event %s: %w", ids[i], err)
	}
	return nil
}

// Captured implements trace.Store.
func (s *Store) Captured(ctx context.Context, ids []string) ([]string, error) {
	out := []string{}
	for from := 0; from < len(ids); from += rowsPerInsert {
		part := ids[from:min(from+rowsPerInsert, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		q := `SELECT id FROM captured WHERE id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ") + `)`
		rows, err := s.read.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: captured events: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: captured events: %w", err)
			}
			out = append(out, id)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sqlite: captured events: %w", err)
		}
	}
	return out, nil
}

// EventsPage implements trace.Store.
func (s *Store) EventsPage(ctx context.Context, f trace.EventFilter) ([]trace.Event, error) {
	var where []string
	var args []any
	if len(f.Types) > 0 {
		where = append(where, `type IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(f.Types)), ", ")+`)`)
		for _, t := range f.Types {
			args = append(args, t)
		}
	}
	if !f.From.IsZero() {
		where, args = append(where, `ms >= ?`), append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		where, args = append(where, `ms < ?`), append(args, f.To.UnixMilli())
	}
	if a := f.After; a != nil {
		where, args = append(where, `(ms, lot, seq) > (?, ?, ?)`), append(args, a.Time.UnixMilli(), a.Lot, a.Seq)
	}
	q := `SELECT doc FROM events`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY ms, lot, seq`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	return listDocs[trace.Event](ctx, s.read, q, args...)
}
