package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
)

// AddScans implements trace.Store: the scans and their labels' summaries in
// one transaction, so one fsync records a whole batch.
func (s *Store) AddScans(ctx context.Context, scans []trace.Scan) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		summaries := map[string]*trace.ScanSummary{}
		var order []string
		for _, sc := range scans {
			res, err := s.exec(ctx, tx, wInsertScan, sc.ID, sc.Serial, sc.Lot, sc.Time.UTC().Format(sortable), sc.Verdict, mustJSON(sc))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 || sc.Serial == "" {
				continue
			}
			sum := summaries[sc.Serial]
			if sum == nil {
				if sum, err = summaryIn(ctx, tx, sc.Serial); err != nil {
					return err
				}
				summaries[sc.Serial] = sum
				order = append(order, sc.Serial)
			}
			sum.Add(sc)
		}
		for _, serial := range order {
			if _, err := s.exec(ctx, tx, wPutSummary, serial, mustJSON(summaries[serial])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: add %d scans: %w", len(scans), err)
	}
	return nil
}

// ScanSummary implements trace.Store.
func (s *Store) ScanSummary(ctx context.Context, serial string) (trace.ScanSummary, error) {
	sum, err := summaryIn(ctx, s.read, serial)
	if err != nil {
		return trace.ScanSummary{}, fmt.Errorf("sqlite: scan summary of %s: %w", serial, err)
	}
	return *sum, nil
}

func summaryIn(ctx context.Context, q querier, serial string) (*trace.ScanSummary, error) {
	sum := &trace.ScanSummary{Serial: serial}
	var doc string
	err := q.QueryRowContext(ctx, qSummary, serial).Scan(&doc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return sum, nil
	case err != nil:
		return nil, err
	}
	return sum, json.Unmarshal([]byte(doc), sum)
}

// scanSummaries creates the summaries table and fills it from the scans an
// older database already holds, so an upgraded label is judged on its whole
// history.
func scanSummaries(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `CREATE TABLE scan_summaries (serial TEXT PRIMARY KEY, doc TEXT NOT NULL)`); err != nil {
		return err
	}
	scans, err := listDocs[trace.Scan](ctx, tx, `SELECT doc FROM scans WHERE serial != '' ORDER BY serial, time`)
	if err != nil {
		return err
	}
	for i := 0; i < len(scans); {
		sum := trace.ScanSummary{Serial: scans[i].Serial}
		for ; i < len(scans) && scans[i].Serial == sum.Serial; i++ {
			sum.Add(scans[i])
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO scan_summaries (serial, doc) VALUES (?, ?)`, sum.Serial, mustJSON(sum)); err != nil {
			return err
		}
	}
	return nil
}
