// Package mongo is the MongoDB store, for deployments that scale out behind a
// load balancer. Like the SQLite store it keeps each domain object as the
// JSON document the domain wrote (so an event reads back byte for byte as it
// was hashed) beside the fields that index it.
//
// Commit is all-or-nothing without multi-document transactions, which
// FerretDB and standalone servers lack: a journal document is written first,
// every document the change writes carries the journal's id in "txn", updates
// are guarded by the version the writer read (a lot's seq, a unit's status),
// and the before-image of each updated document is saved in the journal before
// it is overwritten. On any failure the change is rolled back from the
// journal; a journal left behind by a crash is rolled back by the next Open.
// Racing writers are told apart by claim documents named after the version
// they move on from, whose unique _id every server enforces.
// Outbox records stay invisible to the anchoring worker until their change is
// complete. Readers may briefly see a change that is still being applied.
package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Store implements trace.Store on MongoDB.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
}

var _ trace.Store = (*Store)(nil)

// Collection names.
const (
	cOrgs       = "orgs"
	cKeys       = "api_keys"
	cProducts   = "products"
	cLots       = "lots"
	cEvents     = "events"
	cUnits      = "units"
	cAnchors    = "anchors"
	cScans      = "scans"
	cComplaints = "complaints"
	cEntries    = "complaint_entries"
	cEvidence   = "evidence"
	cJournal    = "journal"
	cCounters   = "counters"
	cClaims     = "claims"
)

// staleJournal is how old a pending journal must be before Open rolls it back:
// older than any Commit can take, so another instance's change in flight is
// left alone.
const staleJournal = time.Minute

// Open connects to uri, creates the indexes and rolls back changes a crash
// left half-applied.
func Open(ctx context.Context, uri, dbName string) (*Store, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(30 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("mongo: connect: %w", err)
	}
	s := &Store{client: client, db: client.Database(dbName)}
	if err := s.Ping(ctx); err != nil {
		client.Disconnect(ctx)
		return nil, err
	}
	if err := s.createIndexes(ctx); err != nil {
		client.Disconnect(ctx)
		return nil, err
	}
	if err := s.recover(ctx, time.Now().Add(-staleJournal)); err != nil {
		client.Disconnect(ctx)
		return nil, err
	}
	return s, nil
}

func (s *Store) createIndexes(ctx context.Context) error {
	idx := map[string][]mongo.IndexModel{
		cKeys:       {{Keys: bson.D{{Key: "hash", Value: 1}}, Options: options.Index().SetUnique(true)}},
		cLots:       {{Keys: bson.D{{Key: "custodian", Value: 1}}}, {Keys: bson.D{{Key: "parents", Value: 1}}}, {Keys: bson.D{{Key: "status", Value: 1}}}, {Keys: bson.D{{Key: "gtin", Value: 1}}}},
		cEvents:     {{Keys: bson.D{{Key: "lot", Value: 1}, {Key: "seq", Value: 1}}}},
		cUnits:      {{Keys: bson.D{{Key: "lot", Value: 1}}}},
		cAnchors:    {{Keys: bson.D{{Key: "status", Value: 1}, {Key: "order", Value: 1}}}, {Keys: bson.D{{Key: "kind", Value: 1}, {Key: "key", Value: 1}, {Key: "seq", Value: 1}}}},
		cScans:      {{Keys: bson.D{{Key: "serial", Value: 1}, {Key: "time", Value: -1}}}, {Keys: bson.D{{Key: "lot", Value: 1}, {Key: "time", Value: -1}}}},
		cComplaints: {{Keys: bson.D{{Key: "status", Value: 1}, {Key: "created", Value: -1}}}, {Keys: bson.D{{Key: "lot", Value: 1}}}, {Keys: bson.D{{Key: "serial", Value: 1}}}},
		cEntries:    {{Keys: bson.D{{Key: "complaint", Value: 1}, {Key: "seq", Value: 1}}}},
	}
	for coll, models := range idx {
		// Only the missing ones: asking again for existing indexes is a no-op on
		// MongoDB but crashes FerretDB 1.24's connection handler.
		specs, err := s.db.Collection(coll).Indexes().ListSpecifications(ctx)
		if err != nil {
			return fmt.Errorf("mongo: indexes of %s: %w", coll, err)
		}
		have := map[string]bool{}
		for _, sp := range specs {
			have[sp.Name] = true
		}
		var missing []mongo.IndexModel
		for _, m := range models {
			var parts []string
			for _, k := range m.Keys.(bson.D) {
				parts = append(parts, fmt.Sprintf("%s_%v", k.Key, k.Value))
			}
			name := strings.Join(parts, "_")
			if m.Options == nil {
				m.Options = options.Index()
			}
			m.Options.SetName(name)
			if !have[name] {
				missing = append(missing, m)
			}
		}
		if len(missing) == 0 {
			continue
		}
		if _, err := s.db.Collection(coll).Indexes().CreateMany(ctx, missing); err != nil {
			return fmt.Errorf("mongo: indexes of %s: %w", coll, err)
		}
	}
	return nil
}

// Ping reports whether the server answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, nil); err != nil {
		return fmt.Errorf("mongo: ping: %w", err)
	}
	return nil
}

// Close disconnects.
func (s *Store) Close() error { return s.client.Disconnect(context.Background()) }

func (s *Store) c(name string) *mongo.Collection { return s.db.Collection(name) }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("mongo: encode %T: %v", v, err)) // domain types always encode
	}
	return string(b)
}

// getDoc reads the "doc" field of one document into v, or returns ENOTFOUND.
func (s *Store) getDoc(ctx context.Context, coll string, filter any, v any, what string) error {
	var d struct {
		Doc string `bson:"doc"`
	}
	err := s.c(coll).FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return trace.Errorf(trace.ENOTFOUND, "%s not found", what)
	}
	if err != nil {
		return fmt.Errorf("mongo: get %s: %w", what, err)
	}
	if err := json.Unmarshal([]byte(d.Doc), v); err != nil {
		return fmt.Errorf("mongo: decode %s: %w", what, err)
	}
	return nil
}

// listDocs decodes the "doc" field of every document a query returns.
func listDocs[T any](ctx context.Context, coll *mongo.Collection, filter any, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts...)
	if err != nil {
		return nil, fmt.Errorf("mongo: find in %s: %w", coll.Name(), err)
	}
	defer cur.Close(ctx)
	out := []T{}
	for cur.Next(ctx) {
		var d struct {
			Doc string `bson:"doc"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("mongo: decode %s: %w", coll.Name(), err)
		}
		var v T
		if err := json.Unmarshal([]byte(d.Doc), &v); err != nil {
			return nil, fmt.Errorf("mongo: decode %s: %w", coll.Name(), err)
		}
		out = append(out, v)
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("mongo: read %s: %w", coll.Name(), err)
	}
	return out, nil
}

// insertOne maps a duplicate key to ECONFLICT with msg.
func (s *Store) insertOne(ctx context.Context, coll string, doc any, msg string) error {
	_, err := s.c(coll).InsertOne(ctx, doc)
	if mongo.IsDuplicateKeyError(err) {
		return trace.Errorf(trace.ECONFLICT, "%s", msg)
	}
	if err != nil {
		return fmt.Errorf("mongo: insert into %s: %w", coll, err)
	}
	return nil
}
