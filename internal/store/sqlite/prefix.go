package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
)

// CreatePrefix implements trace.Store.
func (s *Store) CreatePrefix(ctx context.Context, p trace.Prefix) error {
	return s.insert(ctx, trace.FieldErrorf(trace.ECONFLICT, "prefix", "prefix %s is already declared", p.Prefix), "prefix "+p.Prefix,
		`INSERT INTO prefixes (prefix, org, doc) VALUES (?, ?, ?)`, p.Prefix, p.Org, mustJSON(p))
}

// UpdatePrefix implements trace.Store.
func (s *Store) UpdatePrefix(ctx context.Context, p trace.Prefix) error {
	return s.replace(ctx, "prefix "+p.Prefix, `UPDATE prefixes SET org = ?, doc = ? WHERE prefix = ?`, p.Org, mustJSON(p), p.Prefix)
}

// Prefixes implements trace.Store.
func (s *Store) Prefixes(ctx context.Context) ([]trace.Prefix, error) {
	return listDocs[trace.Prefix](ctx, s.read, qPrefixes)
}

// LicenceEntries implements trace.Store.
func (s *Store) LicenceEntries(ctx context.Context, gtin string) ([]trace.LicenceEntry, error) {
	return listDocs[trace.LicenceEntry](ctx, s.read, qLicences, gtin)
}

func writeLicences(ctx context.Context, tx *sql.Tx, entries []trace.LicenceEntry) error {
	for _, e := range entries {
		_, err := tx.ExecContext(ctx, `INSERT INTO licence_entries (gtin, seq, doc) VALUES (?, ?, ?)`, e.GTIN, e.Seq, mustJSON(e))
		if isUnique(err) {
			return trace.Errorf(trace.ECONFLICT, "GTIN %s already has licence entry %d; retry", e.GTIN, e.Seq)
		}
		if err != nil {
			return fmt.Errorf("sqlite: insert licence entry %s/%d: %w", e.GTIN, e.Seq, err)
		}
	}
	return nil
}
