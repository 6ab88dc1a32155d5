// Package mongo is the MongoDB store, for deployments that scale out behind a
// load balancer. Like the SQLite store it keeps each domain object as the JSON
// document the domain wrote (so an event reads back byte for byte as it was
// hashed) beside the fields that index it.
//
// Commit is all-or-nothing without multi-document transactions, which
// FerretDB and standalone servers lack. It works from a journal:
//
//  1. The documents the change replaces are read and checked against the
//     version the writer read; one carrying another change's tag is that
//     change's work in progress, and a conflict.
//  2. One ordered insert into "journal" writes the journal (what the change
//     inserts, what it locks, and the before-images of step 1, under the
//     writer's instance name) and then a lock per document to replace: a
//     document whose unique _id every server enforces, so of two writers
//     racing on a lot the second fails with ECONFLICT before writing
//     anything. The guarded update alone would not do: FerretDB applies
//     updates as read, modify, write, without isolation.
//  3. New documents are inserted and old ones replaced, each tagged with the
//     journal's id in "txn"; a replace matches only the exact document
//     journalled as its before-image. A duplicate key is ECONFLICT.
//  4. The commit point is inserting the outcome "commit" under the journal's
//     id. A recovery that gives up on a change inserts "abort" under the same
//     id; whichever comes first decides.
//  5. Tags are dropped where anything reads them, then the journal and its
//     locks in one delete. The commit outcome is dropped later by a sweep,
//     once its journal is gone: until then it says how to resolve it.
//
// On any failure before the commit point the change is rolled back: inserted
// documents still carrying its tag are deleted and before-images restored.
//
// Whether an unfinished change is in flight or abandoned is judged by its
// instance, never by comparing clocks: every store bumps a counter in
// "instances" every few seconds, and an instance whose counter has stood
// still for deadAfter of the observer's own clock is dead. Open settles every
// change of its own instance at once (a starting instance has nothing in
// flight); a writer that runs into a dead instance's lock or tag settles that
// change and tries again; each heartbeat sweeps the rest. A journal is rolled
// forward if its outcome is commit, back otherwise, so a writer taken for dead
// while merely slow finds "abort" at its commit point and undoes itself. (Its
// writes between being given up and its commit point are not isolated from a
// writer that took over its locks: deadAfter must be far longer than any
// pause a live instance makes.)
//
// Open prepares the database (indexes, one-time upgrades) holding a start-up
// lock, so that instances starting together never create indexes at once,
// which crashes FerretDB 1.24's connection handler.
//
// Isolation is read-uncommitted: readers may briefly see a change that is
// still being applied, and may yet be rolled back. Writers never build on one
// (step 1), and the anchoring worker never sees its outbox records, which
// PendingAnchors hides while they are tagged.
package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
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
	// beat is how often this instance bumps its counter in cInstances;
	// deadAfter how long another's must stand still to be taken for dead.
	beat, deadAfter time.Duration
	watch           watch
	stopBeating     func()
	// purged is when a write last purged expired idempotency answers.
	purgeMu sync.Mutex
	purged  time.Time
	// monitor, when set by a test, sees every command the client sends.
	monitor *event.CommandMonitor
	outbox  outbox
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

// Open connects to uri, registers the instance, prepares the database
// (indexes and upgrades, one instance at a time) and settles the changes this
// instance left unfinished when it last stopped.
func Open(ctx context.Context, uri, dbName string, opts ...Option) (*Store, error) {
	s := &Store{instance: bson.NewObjectID().Hex(), beat: defaultBeat, deadAfter: defaultDeadAfter, watch: watch{seen: map[string]sighting{}}}
	for _, o := range opts {
		o(s)
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(30 * time.Second).SetMonitor(s.monitor))
	if err != nil {
		return nil, fmt.Errorf("mongo: connect: %w", err)
	}
	s.client, s.db = client, client.Database(dbName)
	if err := s.open(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) open(ctx context.Context) error {
	if err := s.Ping(ctx); err != nil {
		return err
	}
	if err := s.startBeating(ctx); err != nil {
		return err
	}
	if err := s.prepare(ctx); err != nil {
		return err
	}
	return s.settleOwn(ctx)
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
	{cJournal, []string{"instance"}, false},
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

// Close stops the heartbeat, deregisters the instance and disconnects.
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.deregister(ctx)
	return s.client.Disconnect(ctx)
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
// records it, so later starts skip searching every document again. It runs
// under the start-up lock, one instance at a time; a step cut short by a
// crash runs again, so each must be safe to repeat.
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
