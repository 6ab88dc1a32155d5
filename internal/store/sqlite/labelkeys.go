package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// LabelKeyring implements trace.Store.
func (s *Store) LabelKeyring(ctx context.Context) (trace.SealedKeyring, error) {
	var k trace.SealedKeyring
	var created string
	err := s.read.QueryRowContext(ctx, `SELECT version, sealed, created FROM label_keyrings ORDER BY version DESC LIMIT 1`).
		Scan(&k.Version, &k.Sealed, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return k, trace.Errorf(trace.ENOTFOUND, "no label keyring in the store")
	}
	if err != nil {
		return k, fmt.Errorf("sqlite: read label keyring: %w", err)
	}
	if k.CreatedAt, err = time.Parse(sortable, created); err != nil {
		return k, fmt.Errorf("sqlite: label keyring %d: %w", k.Version, err)
	}
	return k, nil
}

// PutLabelKeyring implements trace.Store: the version is the primary key, so
// of two writers of one version the second is refused.
func (s *Store) PutLabelKeyring(ctx context.Context, k trace.SealedKeyring) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `INSERT INTO label_keyrings (version, sealed, created) VALUES (?, ?, ?)`,
			k.Version, k.Sealed, k.CreatedAt.UTC().Format(sortable))
		return err
	})
	if isUnique(err) {
		return trace.Errorf(trace.ECONFLICT, "label keyring version %d was written by another instance", k.Version)
	}
	if err != nil {
		return fmt.Errorf("sqlite: store label keyring %d: %w", k.Version, err)
	}
	return nil
}
