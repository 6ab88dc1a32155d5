package mongo

import (
	"context"
	"fmt"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
)

// Test hooks.

// WithMonitor has the store's client report every command to m.
func WithMonitor(m *event.CommandMonitor) Option { return func(s *Store) { s.monitor = m } }

// Name is the database name.
func (s *Store) Name() string { return s.db.Name() }

// DropDatabase removes the test database.
func (s *Store) DropDatabase(ctx context.Context) error { return s.db.Drop(ctx) }

// CrashMidCommit applies c as Commit does and stops as a crash would: before
// the commit point, or just after it when committed is true.
func (s *Store) CrashMidCommit(ctx context.Context, c trace.Change, committed bool) error {
	p := newPlan(c)
	j := p.journal(s.instance, time.Now().UTC())
	if err := s.readBefore(ctx, &j, p.updates); err != nil {
		return err
	}
	if err := s.begin(ctx, ctx, j, p.updates); err != nil {
		return err
	}
	if err := s.apply(ctx, j, p); err != nil {
		return err
	}
	if committed {
		_, err := s.decide(ctx, j.ID, outcomeCommit)
		return err
	}
	return nil
}

// Leftovers counts the bookkeeping documents in the database: journals,
// outcomes, locks, and documents still tagged with a change where the tag
// matters.
func (s *Store) Leftovers(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, coll := range []string{cJournal, cOutcomes} {
		n, err := s.c(coll).CountDocuments(ctx, bson.M{})
		if err != nil {
			return nil, err
		}
		out[coll] = n
	}
	for _, coll := range []string{cLots, cUnits, cComplaints, cAnchors, cReplays} {
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

// StopBeating stops the heartbeat as a crash would, leaving the instance's
// document with a counter that no longer moves.
func (s *Store) StopBeating() { s.stopBeating() }

// BeforeCommitPoint makes Commit call f just before its commit point.
func (s *Store) BeforeCommitPoint(f func()) { s.beforeCommitPoint = f }

// ResolveAll resolves every journal as if its writer were dead.
func (s *Store) ResolveAll(ctx context.Context) error {
	cur, err := s.c(cJournal).Find(ctx, bson.D{journalsOnly})
	if err != nil {
		return err
	}
	var all []journal
	if err := cur.All(ctx, &all); err != nil {
		return err
	}
	for _, j := range all {
		if err := s.resolve(ctx, j); err != nil {
			return err
		}
	}
	return nil
}

// AddScanWithoutVerdict stores sc as versions before the verdict field did,
// in a database those versions left: without the marker of the fill.
func (s *Store) AddScanWithoutVerdict(ctx context.Context, sc trace.Scan) error {
	if _, err := s.c(cMigrations).DeleteMany(ctx, bson.M{"_id": bson.M{"$in": []string{scanVerdictsFilled, preparedMarker()}}}); err != nil {
		return err
	}
	_, err := s.c(cScans).InsertOne(ctx, bson.M{"_id": sc.ID, "serial": sc.Serial, "lot": sc.Lot, "time": sc.Time.UTC(), "doc": mustJSON(sc)})
	return err
}

// InsertBare inserts doc into a collection of its own: one round trip, the
// baseline a commit's cost is measured against.
func (s *Store) InsertBare(ctx context.Context, doc any) error {
	_, err := s.c("bare").InsertOne(ctx, doc)
	return err
}

// Seed inserts n lots, each with an event and an outbox record, in three
// inserts: a database of some size without n commits.
func (s *Store) Seed(ctx context.Context, n int) error {
	if n == 0 {
		return nil
	}
	var lots, events, anchors []any
	for i := range n {
		id := fmt.Sprintf("seed-%d", i)
		lots = append(lots, bson.M{"_id": id, "custodian": "cc", "seq": int64(0), "doc": `{"id":"` + id + `"}`})
		events = append(events, bson.M{"_id": id + "#0", "lot": id, "seq": int64(0), "doc": "{}"})
		anchors = append(anchors, bson.M{"_id": "event#" + id + "#0", "kind": "event", "key": id, "seq": int64(0), "status": "sent", "order": int64(-1 - i)})
	}
	for coll, docs := range map[string][]any{cLots: lots, cEvents: events, cAnchors: anchors} {
		if _, err := s.c(coll).InsertMany(ctx, docs); err != nil {
			return err
		}
	}
	return nil
}
