package sqlite

import (
	"context"
	"database/sql"
	"strings"
)

// rowsPerInsert is how many rows one INSERT carries. A batch commits
// thousands of events and anchor records at once, and parsing one statement
// per row was most of its commit's time; SQLite binds up to 32,766
// parameters per statement, far above 200 rows of a few columns.
const rowsPerInsert = 200

// insertRows inserts n rows, row i with the values of args(i), into
// table (cols), one statement per rowsPerInsert rows. When a statement breaks
// a constraint it is undone (SQLite undoes a failed statement, not its
// transaction) and its rows are inserted one by one, so that the error comes
// with the index of the row that broke it; earlier rows stay inserted. A
// single row's statement is the text of wInsertEvent or wInsertAnchor, so
// the one-event writes of ingest run prepared.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, table, cols string, n int, args func(i int) []any) (int, error) {
	width := strings.Count(cols, ",") + 1
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	head := "INSERT INTO " + table + " (" + cols + ") VALUES "
	for from := 0; from < n; from += rowsPerInsert {
		to := min(from+rowsPerInsert, n)
		vals := make([]any, 0, (to-from)*width)
		for i := from; i < to; i++ {
			vals = append(vals, args(i)...)
		}
		q := head + strings.TrimSuffix(strings.Repeat(row+", ", to-from), ", ")
		if _, err := s.exec(ctx, tx, q, vals...); err == nil {
			continue
		} else if !isUnique(err) {
			return from, err
		}
		for i := from; i < to; i++ {
			if _, err := s.exec(ctx, tx, head+row, args(i)...); err != nil {
				return i, err
			}
		}
	}
	return 0, nil
}
