package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
)

func writeComplaints(ctx context.Context, tx *sql.Tx, c trace.Change) error {
	for _, w := range c.Complaints {
		cp := w.Complaint
		if w.PrevSeq < 0 {
			_, err := tx.ExecContext(ctx, `INSERT INTO complaints (id, status, lot, serial, created, seq, doc) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				cp.ID, cp.Status, cp.Lot, cp.Serial, cp.CreatedAt.UTC().Format(sortable), cp.Seq, mustJSON(cp))
			if isUnique(err) {
				return trace.Errorf(trace.ECONFLICT, "complaint %s already exists", cp.ID)
			}
			if err != nil {
				return fmt.Errorf("sqlite: insert complaint %s: %w", cp.ID, err)
			}
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE complaints SET status = ?, seq = ?, doc = ? WHERE id = ? AND seq = ?`,
			cp.Status, cp.Seq, mustJSON(cp), cp.ID, w.PrevSeq)
		if err != nil {
			return fmt.Errorf("sqlite: update complaint %s: %w", cp.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return trace.Errorf(trace.ECONFLICT, "complaint %s changed while this request was being handled; retry", cp.ID)
		}
	}
	for _, e := range c.ComplaintEntries {
		_, err := tx.ExecContext(ctx, `INSERT INTO complaint_entries (complaint, seq, doc) VALUES (?, ?, ?)`, e.Complaint, e.Seq, mustJSON(e))
		if isUnique(err) {
			return trace.Errorf(trace.ECONFLICT, "complaint %s already has entry %d", e.Complaint, e.Seq)
		}
		if err != nil {
			return fmt.Errorf("sqlite: insert complaint entry %s/%d: %w", e.Complaint, e.Seq, err)
		}
	}
	for _, ev := range c.Evidence {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO evidence (hash, content_type, data) VALUES (?, ?, ?)`, ev.Hash, ev.ContentType, ev.Data); err != nil {
			return fmt.Errorf("sqlite: store evidence %s: %w", ev.Hash, err)
		}
	}
	return nil
}

// Complaint implements trace.Store.
func (s *Store) Complaint(ctx context.Context, id string) (trace.Complaint, error) {
	var c trace.Complaint
	err := getDoc(ctx, s.db, &c, "complaint "+id, `SELECT doc FROM complaints WHERE id = ?`, id)
	return c, err
}

// Complaints implements trace.Store.
func (s *Store) Complaints(ctx context.Context, f trace.ComplaintFilter) ([]trace.Complaint, error) {
	var where []string
	var args []any
	for col, v := range map[string]string{"status": f.Status, "lot": f.Lot, "serial": f.Serial, "json_extract(doc, '$.kind')": f.Kind} {
		if v != "" {
			where, args = append(where, col+" = ?"), append(args, v)
		}
	}
	if !f.Since.IsZero() {
		where, args = append(where, "created >= ?"), append(args, f.Since.UTC().Format(sortable))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "created < ?"), append(args, f.Until.UTC().Format(sortable))
	}
	if f.After != nil {
		at := f.After.CreatedAt.UTC().Format(sortable)
		where, args = append(where, "(created < ? OR (created = ? AND id > ?))"), append(args, at, at, f.After.ID)
	}
	q := "SELECT doc FROM complaints"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	q += fmt.Sprintf(" ORDER BY created DESC, id LIMIT %d", limit)
	return listDocs[trace.Complaint](ctx, s.db, q, args...)
}

// ComplaintEntries implements trace.Store.
func (s *Store) ComplaintEntries(ctx context.Context, id string) ([]trace.ComplaintEntry, error) {
	return listDocs[trace.ComplaintEntry](ctx, s.db, `SELECT doc FROM complaint_entries WHERE complaint = ? ORDER BY seq`, id)
}

// Evidence implements trace.Store.
func (s *Store) Evidence(ctx context.Context, hash string) (trace.Evidence, error) {
	ev := trace.Evidence{Hash: hash}
	err := s.db.QueryRowContext(ctx, `SELECT content_type, data FROM evidence WHERE hash = ?`, hash).Scan(&ev.ContentType, &ev.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return ev, trace.Errorf(trace.ENOTFOUND, "evidence %s not found", hash)
	}
	if err != nil {
		return ev, fmt.Errorf("sqlite: evidence %s: %w", hash, err)
	}
	return ev, nil
}
