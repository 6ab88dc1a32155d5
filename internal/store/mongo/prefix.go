package mongo

import (
	"context"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Collections of GS1 Company Prefixes and of licence chains.
const (
	cPrefixes = "prefixes"
	cLicences = "licence_entries"
)

// CreatePrefix implements trace.Store.
func (s *Store) CreatePrefix(ctx context.Context, p trace.Prefix) error {
	_, err := s.c(cPrefixes).InsertOne(ctx, bson.M{"_id": p.Prefix, "org": p.Org, "doc": mustJSON(p)})
	if mongo.IsDuplicateKeyError(err) {
		return trace.FieldErrorf(trace.ECONFLICT, "prefix", "prefix %s is already declared", p.Prefix)
	}
	if err != nil {
		return fmt.Errorf("mongo: create prefix %s: %w", p.Prefix, err)
	}
	return nil
}

// UpdatePrefix implements trace.Store.
func (s *Store) UpdatePrefix(ctx context.Context, p trace.Prefix) error {
	return s.replaceDoc(ctx, cPrefixes, p.Prefix, bson.M{"org": p.Org, "doc": mustJSON(p)}, "prefix "+p.Prefix)
}

// Prefixes implements trace.Store.
func (s *Store) Prefixes(ctx context.Context) ([]trace.Prefix, error) {
	return listDocs[trace.Prefix](ctx, s.c(cPrefixes), bson.M{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
}

// LicenceEntries implements trace.Store.
func (s *Store) LicenceEntries(ctx context.Context, gtin string) ([]trace.LicenceEntry, error) {
	return listDocs[trace.LicenceEntry](ctx, s.c(cLicences), bson.M{"gtin": gtin}, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}))
}

// licenceBatch lays out new licence entries for Commit; the _id makes a second
// entry at the same seq a duplicate key.
func licenceBatch(entries []trace.LicenceEntry) batch {
	b := batch{coll: cLicences}
	for _, e := range entries {
		b.add(eventID(e.GTIN, e.Seq), bson.M{"gtin": e.GTIN, "seq": e.Seq, "doc": mustJSON(e)}, fmt.Sprintf("GTIN %s already has licence entry %d; retry", e.GTIN, e.Seq))
	}
	return b
}
