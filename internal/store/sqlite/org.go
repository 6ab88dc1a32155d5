package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
)

// CreateOrg implements trace.Store.
func (s *Store) CreateOrg(ctx context.Context, o trace.Org) error {
	return s.insert(ctx, trace.Errorf(trace.ECONFLICT, "organization %s already exists", o.ID), "org "+o.ID,
		`INSERT INTO orgs (id, doc) VALUES (?, ?)`, o.ID, mustJSON(o))
}

// Org implements trace.Store.
func (s *Store) Org(ctx context.Context, id string) (trace.Org, error) {
	var o trace.Org
	err := getDoc(ctx, s.read, &o, "organization "+id, qOrg, id)
	return o, err
}

// Orgs implements trace.Store.
func (s *Store) Orgs(ctx context.Context) ([]trace.Org, error) {
	return listDocs[trace.Org](ctx, s.db, `SELECT doc FROM orgs ORDER BY id`)
}

// CreateAPIKey implements trace.Store.
func (s *Store) CreateAPIKey(ctx context.Context, k trace.APIKey) error {
	return s.insert(ctx, trace.Errorf(trace.ECONFLICT, "API key %s already exists", k.ID), "API key for "+k.OrgID,
		`INSERT INTO api_keys (id, org, hash, doc) VALUES (?, ?, ?, ?)`, k.ID, k.OrgID, k.Hash, mustJSON(k))
}

// OrgByAPIKey implements trace.Store.
func (s *Store) OrgByAPIKey(ctx context.Context, hash string) (trace.Org, error) {
	var kdoc, odoc string
	err := s.read.QueryRowContext(ctx, qOrgByKey, hash).Scan(&kdoc, &odoc)
	if errors.Is(err, sql.ErrNoRows) {
		return trace.Org{}, trace.Errorf(trace.EUNAUTHORIZED, "unknown API key")
	}
	if err != nil {
		return trace.Org{}, fmt.Errorf("sqlite: look up API key: %w", err)
	}
	var k trace.APIKey
	var o trace.Org
	if err := errors.Join(json.Unmarshal([]byte(kdoc), &k), json.Unmarshal([]byte(odoc), &o)); err != nil {
		return trace.Org{}, fmt.Errorf("sqlite: decode API key: %w", err)
	}
	if k.Revoked() {
		return trace.Org{}, trace.Errorf(trace.EUNAUTHORIZED, "API key %s was revoked", k.ID)
	}
	return o, nil
}

// UpdateOrg implements trace.Store.
func (s *Store) UpdateOrg(ctx context.Context, o trace.Org) error {
	return s.replace(ctx, "organization "+o.ID, `UPDATE orgs SET doc = ? WHERE id = ?`, mustJSON(o), o.ID)
}

// APIKeys implements trace.Store.
func (s *Store) APIKeys(ctx context.Context, org string) ([]trace.APIKey, error) {
	return listDocs[trace.APIKey](ctx, s.db, `SELECT doc FROM api_keys WHERE org = ? ORDER BY rowid`, org)
}

// UpdateAPIKey implements trace.Store.
func (s *Store) UpdateAPIKey(ctx context.Context, k trace.APIKey) error {
	return s.replace(ctx, "API key "+k.ID, `UPDATE api_keys SET doc = ? WHERE id = ?`, mustJSON(k), k.ID)
}

// replace runs an UPDATE of one row, ENOTFOUND naming what when none matched.
func (s *Store) replace(ctx context.Context, what, query string, args ...any) error {
	res, err := s.write(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlite: update %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: update %s: %w", what, err)
	} else if n == 0 {
		return trace.Errorf(trace.ENOTFOUND, "%s not found", what)
	}
	return nil
}

// CreateProduct implements trace.Store.
func (s *Store) CreateProduct(ctx context.Context, p trace.Product) error {
	return s.insert(ctx, trace.Errorf(trace.ECONFLICT, "product %s already exists", p.GTIN), "product "+p.GTIN,
		`INSERT INTO products (gtin, doc) VALUES (?, ?)`, p.GTIN, mustJSON(p))
}

// Product implements trace.Store.
func (s *Store) Product(ctx context.Context, gtin string) (trace.Product, error) {
	var p trace.Product
	err := getDoc(ctx, s.read, &p, "product "+gtin, qProduct, gtin)
	return p, err
}

// Products implements trace.Store.
func (s *Store) Products(ctx context.Context) ([]trace.Product, error) {
	return listDocs[trace.Product](ctx, s.db, `SELECT doc FROM products ORDER BY gtin`)
}
