package mongo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// journal is the record of a change being applied: what it inserts, what it
// locks and the documents it overwrites, so that it can be undone or finished
// by whoever finds it.
type journal struct {
	ID bson.ObjectID `bson:"_id"`
	// Instance is the writer's name: whether the change is still in flight
	// is judged by whether that instance still beats.
	Instance string              `bson:"instance"`
	At       time.Time           `bson:"at"`
	Inserted map[string][]string `bson:"inserted"`
	Locks    []string            `bson:"locks"`
	Before   []before            `bson:"before"`
}

// before is the image of a document as it was before the change replaced it.
type before struct {
	Coll string   `bson:"coll"`
	ID   string   `bson:"id"`
	Doc  bson.Raw `bson:"doc"`
}

// Outcomes of a change. The first outcome document inserted for a journal
// decides it: _id is unique on every server, so a Commit finishing late and a
// recovery giving up on it cannot both win.
const (
	outcomeCommit = "commit"
	outcomeAbort  = "abort"
)

// inertTags are the collections whose documents are only ever inserted and
// read without regard to "txn": once the change commits their tag means
// nothing, so finish leaves it rather than spend a round trip on it. The
// others are replaced by later changes, which refuse a tagged document, or
// read by queries that hide tagged ones (the outbox, idempotency answers).
var inertTags = map[string]bool{cEvents: true, cEntries: true, cCaptured: true, cLicences: true}

// tombstoneLife is how long an abort outcome is kept for a writer that had
// not yet noticed its change was given up. It is the one place where the
// clocks of two machines meet: they must agree to within a day.
const tombstoneLife = 24 * time.Hour

// cleanupTimeout bounds finishing or undoing a change once its outcome is
// known; it runs even when the caller has given up, so that nothing is left
// half-done merely because a client went away.
const cleanupTimeout = 30 * time.Second

// decide records the outcome of journal j, and returns the one that holds:
// what, or the outcome someone else recorded first.
func (s *Store) decide(ctx context.Context, j bson.ObjectID, what string) (string, error) {
	_, err := s.c(cOutcomes).InsertOne(ctx, bson.M{"_id": j, "outcome": what, "at": time.Now().UTC()})
	if err == nil {
		return what, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return "", fmt.Errorf("mongo: decide change %s: %w", j.Hex(), err)
	}
	var d struct {
		Outcome string `bson:"outcome"`
	}
	if err := s.c(cOutcomes).FindOne(ctx, bson.M{"_id": j}).Decode(&d); err != nil {
		return "", fmt.Errorf("mongo: read outcome of change %s: %w", j.Hex(), err)
	}
	return d.Outcome, nil
}

// finish makes a committed change visible: it drops the change's tags and
// locks, then its journal. The commit outcome outlives the journal, so that a
// crash in between leaves a journal whose outcome still says commit; the
// heartbeat's sweep deletes it once the journal is gone.
func (s *Store) finish(ctx context.Context, j journal) error {
	// Once the commit is decided no one else writes these documents (the
	// locks are held, and a recovery rolls the change forward, as here), so
	// _id alone selects them, which FerretDB looks up by key.
	for coll, ids := range j.written() {
		if inertTags[coll] {
			continue
		}
		err := byIDs(ids, func(filter bson.M) error {
			_, err := s.c(coll).UpdateMany(ctx, filter, bson.M{"$unset": bson.M{"txn": ""}})
			return err
		})
		if err != nil {
			return fmt.Errorf("mongo: complete change %s in %s: %w", j.ID.Hex(), coll, err)
		}
	}
	return s.forget(ctx, j)
}

// rollback undoes a change: it deletes what the change inserted and puts back
// the before-images of what it replaced, touching only documents that still
// carry the change's tag. It is idempotent, so the writer and a recovery may
// both run it.
func (s *Store) rollback(ctx context.Context, j journal) error {
	for _, coll := range slices.Sorted(maps.Keys(j.Inserted)) {
		if _, err := s.c(coll).DeleteMany(ctx, bson.M{"_id": bson.M{"$in": j.Inserted[coll]}, "txn": j.ID}); err != nil {
			return fmt.Errorf("mongo: roll back %s in %s: %w", j.ID.Hex(), coll, err)
		}
	}
	for _, b := range j.Before {
		if _, err := s.c(b.Coll).ReplaceOne(ctx, bson.M{"_id": b.ID, "txn": j.ID}, b.Doc); err != nil {
			return fmt.Errorf("mongo: roll back %s: restore %s %s: %w", j.ID.Hex(), b.Coll, b.ID, err)
		}
	}
	return s.forget(ctx, j)
}

// forget releases a resolved change's locks and deletes its journal, in one
// delete. A lock it leaves behind (the delete is not atomic) is dropped by
// the first writer that runs into it and finds no journal. An abort outcome
// is kept as a tombstone: a writer too slow to have noticed its change was
// given up must still find it at its commit point.
func (s *Store) forget(ctx context.Context, j journal) error {
	filter := bson.M{"_id": j.ID}
	if len(j.Locks) > 0 {
		filter = bson.M{"$or": bson.A{filter, bson.M{"_id": bson.M{"$in": j.Locks}, "txn": j.ID}}}
	}
	if _, err := s.c(cJournal).DeleteMany(ctx, filter); err != nil {
		return fmt.Errorf("mongo: drop journal %s: %w", j.ID.Hex(), err)
	}
	return nil
}

// pushdownMax is how many documents are read or updated one at a time, each
// by its _id alone: FerretDB looks a document up by key only when the filter
// is {_id: value} and nothing else, and scans the whole collection for any
// other filter ($in, or _id with another condition).
const pushdownMax = 8

// byIDs calls f with filters that together select ids: one {_id: id} each
// for a few, one $in for many.
func byIDs(ids []string, f func(filter bson.M) error) error {
	if len(ids) > pushdownMax {
		return f(bson.M{"_id": bson.M{"$in": ids}})
	}
	for _, id := range ids {
		if err := f(bson.M{"_id": id}); err != nil {
			return err
		}
	}
	return nil
}

// written lists by collection every document the change inserted or replaced.
func (j journal) written() map[string][]string {
	out := map[string][]string{}
	for coll, ids := range j.Inserted {
		out[coll] = append(out[coll], ids...)
	}
	for _, b := range j.Before {
		out[b.Coll] = append(out[b.Coll], b.ID)
	}
	return out
}

// resolve settles a change some writer left behind: it is rolled forward if
// its outcome was commit, and rolled back otherwise. Recording abort first
// means a writer that was merely slow finds out at its commit point.
func (s *Store) resolve(ctx context.Context, j journal) error {
	outcome, err := s.decide(ctx, j.ID, outcomeAbort)
	if err != nil {
		return err
	}
	if outcome == outcomeCommit {
		return s.finish(ctx, j)
	}
	return s.rollback(ctx, j)
}

// settleOwn resolves every change this instance left unfinished: at Open
// none of them can still be in flight.
func (s *Store) settleOwn(ctx context.Context) error {
	cur, err := s.c(cJournal).Find(ctx, bson.D{{Key: "instance", Value: s.instance}, journalsOnly})
	if err != nil {
		return fmt.Errorf("mongo: find unfinished changes: %w", err)
	}
	var left []journal
	if err := cur.All(ctx, &left); err != nil {
		return fmt.Errorf("mongo: read unfinished changes: %w", err)
	}
	for _, j := range left {
		if err := s.resolve(ctx, j); err != nil {
			return err
		}
	}
	return nil
}

// settleIfAbandoned resolves change txn when the instance that wrote it no
// longer beats, and reports whether it did. A change whose journal is gone is
// already resolved.
func (s *Store) settleIfAbandoned(ctx context.Context, txn bson.ObjectID) (bool, error) {
	var j journal
	err := s.c(cJournal).FindOne(ctx, bson.M{"_id": txn}).Decode(&j)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mongo: read journal %s: %w", txn.Hex(), err)
	}
	if alive, err := s.alive(ctx, j.Instance); err != nil || alive {
		return false, err
	}
	return true, s.resolve(ctx, j)
}

// sweep settles the changes of instances that no longer beat, and drops the
// outcomes that have done their job: commit outcomes whose journal is gone,
// and abort tombstones older than tombstoneLife.
func (s *Store) sweep(ctx context.Context) error {
	cur, err := s.c(cJournal).Find(ctx, bson.D{{Key: "instance", Value: bson.M{"$ne": s.instance}}, journalsOnly}, options.Find().SetProjection(bson.M{"_id": 1}))
	if err != nil {
		return fmt.Errorf("mongo: find others' changes: %w", err)
	}
	var others []idDoc
	if err := cur.All(ctx, &others); err != nil {
		return fmt.Errorf("mongo: read others' changes: %w", err)
	}
	for _, o := range others {
		if _, err := s.settleIfAbandoned(ctx, o.ID); err != nil {
			return err
		}
	}
	if err := s.dropSpentOutcomes(ctx); err != nil {
		return err
	}
	if _, err := s.c(cOutcomes).DeleteMany(ctx, bson.M{"outcome": outcomeAbort, "at": bson.M{"$lt": time.Now().Add(-tombstoneLife)}}); err != nil {
		return fmt.Errorf("mongo: sweep outcomes: %w", err)
	}
	return nil
}

// idDoc reads only a document's ObjectID.
type idDoc struct {
	ID bson.ObjectID `bson:"_id"`
}

// spentBatch bounds the commit outcomes one sweep looks at.
const spentBatch = 500

// dropSpentOutcomes deletes commit outcomes whose journal is gone: nothing is
// left that they could decide. An outcome is inserted only while its journal
// exists, so one read after the other cannot mistake a change in flight.
func (s *Store) dropSpentOutcomes(ctx context.Context) error {
	cur, err := s.c(cOutcomes).Find(ctx, bson.M{"outcome": outcomeCommit}, options.Find().SetProjection(bson.M{"_id": 1}).SetLimit(spentBatch))
	if err != nil {
		return fmt.Errorf("mongo: find commit outcomes: %w", err)
	}
	var ids []idDoc
	if err := cur.All(ctx, &ids); err != nil || len(ids) == 0 {
		return err
	}
	list := make([]bson.ObjectID, len(ids))
	for i, d := range ids {
		list[i] = d.ID
	}
	cur, err = s.c(cJournal).Find(ctx, bson.M{"_id": bson.M{"$in": list}}, options.Find().SetProjection(bson.M{"_id": 1}))
	if err != nil {
		return fmt.Errorf("mongo: find journals of commit outcomes: %w", err)
	}
	var open []idDoc
	if err := cur.All(ctx, &open); err != nil {
		return fmt.Errorf("mongo: read journals of commit outcomes: %w", err)
	}
	spent := slices.DeleteFunc(list, func(id bson.ObjectID) bool {
		return slices.Contains(open, idDoc{id})
	})
	if len(spent) == 0 {
		return nil
	}
	if _, err := s.c(cOutcomes).DeleteMany(ctx, bson.M{"_id": bson.M{"$in": spent}}); err != nil {
		return fmt.Errorf("mongo: drop commit outcomes: %w", err)
	}
	return nil
}
