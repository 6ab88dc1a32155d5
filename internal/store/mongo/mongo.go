// Package mongo is the MongoDB store, for deployments that scale out behind a
// load balancer. Like the SQLite store it keeps each domain object as the JSON
// document the domain wrote (so an event reads back byte for byte as it was
// hashed) beside the fields that index it.
//
// Commit is all-or-nothing without multi-document transactions, which
// FerretDB and standalone servers lack. It works from a journal:
//
//  1. A journal document lists what the change will insert and which
//     documents it will replace.
//  2. The change takes a lock per document it replaces: an insert into
//     "locks" whose unique _id every server enforces, so of two writers racing
//     on one lot the second fails with ECONFLICT before writing anything. The
//     guarded update (seq = PrevSeq) alone would not do: FerretDB applies
//     updates as read, modify, write, without isolation.
//  3. Each document to replace is checked against the version the writer read
//     and must not carry another change's tag; its before-image goes into the
//     journal.
//  4. New documents are inserted and old ones replaced, each tagged with the
//     journal's id in "txn". A duplicate key is ECONFLICT.
//  5. The commit point is inserting the outcome "commit" under the journal's
//     id. A recovery that gives up on a change inserts "abort" under the same
//     id; whichever comes first decides.
//  6. Tags and locks are dropped, then the journal, then the outcome: until
//     the journal is gone, its outcome still says how to resolve it.
//
// On any failure before the commit point the change is rolled back: inserted
// documents still carrying its tag are deleted and before-images restored.
// A journal left by a crash is resolved by the next Open, or by the first
// writer that runs into its locks once it is older than a minute: rolled
// forward if its outcome is commit, back otherwise.
//
// Isolation is read-uncommitted: readers may briefly see a change that is
// still being applied, and may yet be rolled back. Writers never build on one
// (step 3), and the anchoring worker never sees its outbox records, which
// PendingAnchors hides while they are tagged.
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
	// instance names this process among those sharing the database: the
	// changes and claims it leaves behind carry it.
	instance string
	outbox   outbox
	// beforeCommitPoint, when set by a test, runs just before Commit decides,
	// where a slow writer would be overtaken by a recovery.
	beforeCommitPoint func()
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
	cReplays    = "replays"
	cJournal    = "journal"
	cOutcomes   = "journal_outcomes"
	cLocks      = "locks"
	cCounters   = "counters"
	cMigrations = "migrations"
	cCaptured   = "captured_events"
)

// Option adjusts a Store as Open makes it.
type Option func(*Store)

// WithInstance names the instance opening the store. An instance restarted
// under its old name finishes its own unfinished work at once; without a name,
// Open makes one that no other process uses.
func WithInstance(name string) Option {
	return func(s *Store) {
		if name != "" {
			s.instance = name
		}
	}
}

// Open connects to uri, creates the indexes and resolves the changes a crash
// left half-applied.
func Open(ctx context.Context, uri, dbName string, opts ...Option) (*Store, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(30 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("mongo: connect: %w", err)
	}
	s := &Store{client: client, db: client.Database(dbName), instance: bson.NewObjectID().Hex()}
	for _, o := range opts {
		o(s)
	}
	if err := s.Ping(ctx); err != nil {
		client.Disconnect(ctx)
		return nil, err
	}
	if err := s.createIndexes(ctx); err != nil {
		client.Disconnect(ctx)
		return nil, err
	}
	if err := s.once(ctx, scanVerdictsFilled, s.fillScanVerdicts); err != nil {
		client.Disconnect(ctx)
		return nil, err
	}
	if err := s.once(ctx, scanSummariesFilled, s.summarizeScans); err != nil {
		client.Disconnect(ctx)
		return nil, err
	}
	if err := s.once(ctx, eventTimesFilled, s.fillEventTimes); err != nil {
		client.Disconnect(ctx)
		return nil, err
	}
	if err := s.recover(ctx, time.Now().Add(-staleJournal)); err != nil {
		client.Disconnect(ctx)
		return nil, err
	}
	return s, nil
}

// index is one secondary index: keys as "field" or "-field" for descending.
type index struct {
	coll   string
	keys   []string
	unique bool
}

// indexes serve the store's queries. The unique ones restate what the _id of
// events, entries and outbox records already encodes, so that a document
// written by hand with a wrong _id cannot fork a chain either.
var indexes = []index{
	{cKeys, []string{"hash"}, true},
	{cLots, []string{"custodian"}, false},
	{cLots, []string{"parents"}, false},
	{cLots, []string{"status"}, false},
	{cLots, []string{"gtin"}, false},
	{cLots, []string{"holders"}, false},
	{cLots, []string{"areas"}, false},
	{cEvents, []string{"lot", "seq"}, true},
	{cEvents, []string{"ms", "lot", "seq"}, false},
	{cUnits, []string{"lot"}, false},
	{cAnchors, []string{"status", "kind", "key", "seq"}, false},
	{cAnchors, []string{"kind", "key", "seq"}, true},
	{cScans, []string{"serial", "-time"}, false},
	{cScans, []string{"lot", "-time"}, false},
	{cScans, []string{"verdict", "-time"}, false},
	{cScans, []string{"-time"}, false},
	{cComplaints, []string{"status", "-created"}, false},
	{cComplaints, []string{"lot"}, false},
	{cComplaints, []string{"serial"}, false},
	{cEntries, []string{"complaint", "seq"}, true},
	{cLicences, []string{"gtin", "seq"}, true},
	{cJournal, []string{"at"}, false},
	{cReplays, []string{"expires"}, false},
	{cUsers, []string{"org"}, false},
	{cSessions, []string{"user"}, false},
}

func (s *Store) createIndexes(ctx context.Context) error {
	type named struct {
		name  string
		model mongo.IndexModel
	}
	byColl := map[string][]named{}
	var colls []string
	for _, ix := range indexes {
		keys, parts := bson.D{}, []string{}
		for _, k := range ix.keys {
			dir := 1
			if f, ok := strings.CutPrefix(k, "-"); ok {
				k, dir = f, -1
			}
			keys = append(keys, bson.E{Key: k, Value: dir})
			parts = append(parts, fmt.Sprintf("%s_%d", k, dir))
		}
		name := strings.Join(parts, "_")
		if ix.unique {
			name += "_unique"
		}
		if _, ok := byColl[ix.coll]; !ok {
			colls = append(colls, ix.coll)
		}
		byColl[ix.coll] = append(byColl[ix.coll], named{name, mongo.IndexModel{Keys: keys, Options: options.Index().SetName(name).SetUnique(ix.unique)}})
	}
	for _, coll := range colls {
		// Only the missing ones: asking again for existing indexes is a no-op on
		// MongoDB but crashes FerretDB 1.24's connection handler.
		specs, err := s.c(coll).Indexes().ListSpecifications(ctx)
		if err != nil {
			return fmt.Errorf("mongo: indexes of %s: %w", coll, err)
		}
		have := map[string]bool{}
		for _, sp := range specs {
			have[sp.Name] = true
		}
		var missing []mongo.IndexModel
		for _, m := range byColl[coll] {
			if !have[m.name] {
				missing = append(missing, m.model)
			}
		}
		if len(missing) == 0 {
			continue
		}
		if _, err := s.c(coll).Indexes().CreateMany(ctx, missing); err != nil {
			return fmt.Errorf("mongo: indexes of %s: %w", coll, err)
		}
	}
	return nil
}

// Instance is the name this store acts under among the instances sharing
// its database.
func (s *Store) Instance() string { return s.instance }

// Ping reports whether the server answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, nil); err != nil {
		return fmt.Errorf("mongo: ping: %w", err)
	}
	return nil
}

// Close disconnects.
func (s *Store) Close() error {
	s.stopBeats()
	return s.client.Disconnect(context.Background())
}

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

// once runs an upgrade step unless cMigrations records it as done, then
// records it, so later starts skip searching every document again. Instances
// starting together may both run a step, so each must be safe to repeat.
func (s *Store) once(ctx context.Context, marker string, step func(context.Context) error) error {
	err := s.c(cMigrations).FindOne(ctx, bson.M{"_id": marker}).Err()
	if err == nil {
		return nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("mongo: upgrade %s: %w", marker, err)
	}
	if err := step(ctx); err != nil {
		return fmt.Errorf("mongo: upgrade %s: %w", marker, err)
	}
	if _, err := s.c(cMigrations).InsertOne(ctx, bson.M{"_id": marker}); err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("mongo: upgrade %s: %w", marker, err)
	}
	return nil
}
