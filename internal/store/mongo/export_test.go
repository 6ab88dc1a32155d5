package mongo

import (
	"context"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// Test hooks.

// Name is the database name.
func (s *Store) Name() string { return s.db.Name() }

// DropDatabase removes the test database.
func (s *Store) DropDatabase(ctx context.Context) error { return s.db.Drop(ctx) }

// CrashMidCommit applies c as Commit does, with the journal dated at, and
// stops as a crash would: before the commit point, or just after it when
// committed is true.
func (s *Store) CrashMidCommit(ctx context.Context, c trace.Change, at time.Time, committed bool) error {
	p := newPlan(c)
	j := p.journal(at)
	if _, err := s.c(cJournal).InsertOne(ctx, j); err != nil {
		return err
	}
	if err := s.apply(ctx, &j, p); err != nil {
		return err
	}
	if committed {
		_, err := s.decide(ctx, j.ID, outcomeCommit)
		return err
	}
	return nil
}

// Leftovers counts the bookkeeping documents in the database: journals,
// outcomes, locks, and documents still tagged with a change.
func (s *Store) Leftovers(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, coll := range []string{cJournal, cOutcomes, cLocks} {
		n, err := s.c(coll).CountDocuments(ctx, bson.M{})
		if err != nil {
			return nil, err
		}
		out[coll] = n
	}
	for _, coll := range []string{cLots, cUnits, cComplaints, cEvents, cEntries, cAnchors} {
		n, err := s.c(coll).CountDocuments(ctx, bson.M{"txn": bson.M{"$exists": true}})
		if err != nil {
			return nil, err
		}
		out[coll+" tagged"] = n
	}
	return out, nil
}

// Count counts the documents of a collection.
func (s *Store) Count(ctx context.Context, coll string) (int64, error) {
	return s.c(coll).CountDocuments(ctx, bson.M{})
}

// BeforeCommitPoint makes Commit call f just before its commit point.
func (s *Store) BeforeCommitPoint(f func()) { s.beforeCommitPoint = f }

// ResolveAll resolves every journal as if it were stale.
func (s *Store) ResolveAll(ctx context.Context) error {
	return s.recover(ctx, time.Now().Add(time.Hour))
}

// AddScanWithoutVerdict stores sc as versions before the verdict field did,
// in a database those versions left: without the marker of the fill.
func (s *Store) AddScanWithoutVerdict(ctx context.Context, sc trace.Scan) error {
	if _, err := s.c(cMigrations).DeleteOne(ctx, bson.M{"_id": scanVerdictsFilled}); err != nil {
		return err
	}
	_, err := s.c(cScans).InsertOne(ctx, bson.M{"_id": sc.ID, "serial": sc.Serial, "lot": sc.Lot, "time": sc.Time.UTC(), "doc": mustJSON(sc)})
	return err
}
