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
)

// journal is the record of a change being applied: what it inserts, what it
// locks and the documents it overwrites, so that it can be undone or finished
// by whoever finds it.
type journal struct {
	ID       bson.ObjectID       `bson:"_id"`
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

// staleJournal is how old a journal must be before it is taken for the trace
// of a crash and resolved by someone else: far longer than any Commit takes, so
// that another instance's change in flight is left alone. It assumes the
// instances' clocks agree to within a few seconds.
const staleJournal = time.Minute

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
// locks, then its journal and, last, its outcome, so that a crash in between
// leaves a journal whose outcome still says commit.
func (s *Store) finish(ctx context.Context, j journal) error {
	for coll, ids := range j.written() {
		if _, err := s.c(coll).UpdateMany(ctx, bson.M{"_id": bson.M{"$in": ids}, "txn": j.ID}, bson.M{"$unset": bson.M{"txn": ""}}); err != nil {
			return fmt.Errorf("mongo: complete change %s in %s: %w", j.ID.Hex(), coll, err)
		}
	}
	if err := s.forget(ctx, j); err != nil {
		return err
	}
	if _, err := s.c(cOutcomes).DeleteOne(ctx, bson.M{"_id": j.ID}); err != nil {
		return fmt.Errorf("mongo: drop outcome %s: %w", j.ID.Hex(), err)
	}
	return nil
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

// forget releases a resolved change's locks and deletes its journal. An abort
// outcome is kept as a tombstone: a writer too slow to have noticed its change
// was given up must still find it at its commit point (Open sweeps old ones).
func (s *Store) forget(ctx context.Context, j journal) error {
	if len(j.Locks) > 0 {
		if _, err := s.c(cLocks).DeleteMany(ctx, bson.M{"_id": bson.M{"$in": j.Locks}, "txn": j.ID}); err != nil {
			return fmt.Errorf("mongo: unlock change %s: %w", j.ID.Hex(), err)
		}
	}
	if _, err := s.c(cJournal).DeleteOne(ctx, bson.M{"_id": j.ID}); err != nil {
		return fmt.Errorf("mongo: drop journal %s: %w", j.ID.Hex(), err)
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

// recover resolves every change whose journal is older than cutoff.
func (s *Store) recover(ctx context.Context, cutoff time.Time) error {
	cur, err := s.c(cJournal).Find(ctx, bson.M{"at": bson.M{"$lt": cutoff}})
	if err != nil {
		return fmt.Errorf("mongo: find stale journals: %w", err)
	}
	var stale []journal
	if err := cur.All(ctx, &stale); err != nil {
		return fmt.Errorf("mongo: read stale journals: %w", err)
	}
	for _, j := range stale {
		if err := s.resolve(ctx, j); err != nil {
			return err
		}
	}
	// No Commit outlives a day, so older tombstones have done their job.
	if _, err := s.c(cOutcomes).DeleteMany(ctx, bson.M{"outcome": outcomeAbort, "at": bson.M{"$lt": time.Now().Add(-24 * time.Hour)}}); err != nil {
		return fmt.Errorf("mongo: sweep outcomes: %w", err)
	}
	return nil
}

// recoverIfStale resolves change txn when its journal is stale, so that a
// crashed writer's locks and tags do not block a lot until the next restart.
// The caller still reports a conflict: the writer retries against the
// resolved state.
func (s *Store) recoverIfStale(ctx context.Context, txn bson.ObjectID) error {
	var j journal
	err := s.c(cJournal).FindOne(ctx, bson.M{"_id": txn, "at": bson.M{"$lt": time.Now().Add(-staleJournal)}}).Decode(&j)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mongo: read journal %s: %w", txn.Hex(), err)
	}
	return s.resolve(ctx, j)
}
