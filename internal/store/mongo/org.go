package mongo

import (
	"context"
	"fmt"
	"slices"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CreateOrg implements trace.Store.
func (s *Store) CreateOrg(ctx context.Context, o trace.Org) error {
	return s.insertOne(ctx, cOrgs, bson.M{"_id": o.ID, "doc": mustJSON(o)}, "organization "+o.ID+" already exists")
}

// Org implements trace.Store.
func (s *Store) Org(ctx context.Context, id string) (trace.Org, error) {
	var o trace.Org
	return o, s.getDoc(ctx, cOrgs, bson.M{"_id": id}, &o, "organization "+id)
}

// Orgs implements trace.Store.
func (s *Store) Orgs(ctx context.Context) ([]trace.Org, error) {
	return listDocs[trace.Org](ctx, s.c(cOrgs), bson.M{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
}

// CreateAPIKey implements trace.Store.
func (s *Store) CreateAPIKey(ctx context.Context, k trace.APIKey) error {
	return s.insertOne(ctx, cKeys, bson.M{"_id": k.ID, "org": k.OrgID, "hash": k.Hash, "doc": mustJSON(k)}, "API key "+k.ID+" already exists")
}

// OrgByAPIKey implements trace.Store.
func (s *Store) OrgByAPIKey(ctx context.Context, hash string) (trace.Org, error) {
	var k trace.APIKey
	if err := s.getDoc(ctx, cKeys, bson.M{"hash": hash}, &k, "API key"); err != nil {
		if trace.ErrorCode(err) == trace.ENOTFOUND {
			return trace.Org{}, trace.Errorf(trace.EUNAUTHORIZED, "unknown API key")
		}
		return trace.Org{}, err
	}
	if k.Revoked() {
		return trace.Org{}, trace.Errorf(trace.EUNAUTHORIZED, "API key %s was revoked", k.ID)
	}
	return s.Org(ctx, k.OrgID)
}

// UpdateOrg implements trace.Store.
func (s *Store) UpdateOrg(ctx context.Context, o trace.Org) error {
	return s.replaceDoc(ctx, cOrgs, o.ID, bson.M{"doc": mustJSON(o)}, "organization "+o.ID)
}

// APIKeys implements trace.Store.
func (s *Store) APIKeys(ctx context.Context, org string) ([]trace.APIKey, error) {
	keys, err := listDocs[trace.APIKey](ctx, s.c(cKeys), bson.M{"org": org})
	slices.SortStableFunc(keys, func(a, b trace.APIKey) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return keys, err
}

// UpdateAPIKey implements trace.Store.
func (s *Store) UpdateAPIKey(ctx context.Context, k trace.APIKey) error {
	return s.replaceDoc(ctx, cKeys, k.ID, bson.M{"doc": mustJSON(k)}, "API key "+k.ID)
}

// replaceDoc sets fields of document id, ENOTFOUND naming what when absent.
func (s *Store) replaceDoc(ctx context.Context, coll, id string, fields bson.M, what string) error {
	res, err := s.c(coll).UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": fields})
	if err != nil {
		return fmt.Errorf("mongo: update %s: %w", what, err)
	}
	if res.MatchedCount == 0 {
		return trace.Errorf(trace.ENOTFOUND, "%s not found", what)
	}
	return nil
}

// CreateProduct implements trace.Store.
func (s *Store) CreateProduct(ctx context.Context, p trace.Product) error {
	return s.insertOne(ctx, cProducts, bson.M{"_id": p.GTIN, "doc": mustJSON(p)}, "product "+p.GTIN+" already exists")
}

// Product implements trace.Store.
func (s *Store) Product(ctx context.Context, gtin string) (trace.Product, error) {
	var p trace.Product
	return p, s.getDoc(ctx, cProducts, bson.M{"_id": gtin}, &p, "product "+gtin)
}

// Products implements trace.Store.
func (s *Store) Products(ctx context.Context) ([]trace.Product, error) {
	return listDocs[trace.Product](ctx, s.c(cProducts), bson.M{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
}
