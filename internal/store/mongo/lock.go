package mongo

import (
	"context"
	"errors"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// begin writes journal j and the locks of the documents the change replaces
// in one ordered insert: the journal first, so that no lock exists without
// the journal that says how to release it. Locks share the journal's
// collection (string _ids, where journals have ObjectIDs) for that, and so
// that forget drops both in one delete.
//
// A lock is the only compare-and-swap FerretDB offers: an insert whose unique
// _id every server enforces. Of two writers racing on a lot the second fails
// here. A guarded update alone would not do: FerretDB applies updates as
// read, modify, write by _id. On failure what was inserted is removed with
// cleanup, which outlives a caller that gave up.
func (s *Store) begin(ctx, cleanup context.Context, j journal, updates []update) error {
	docs := []any{j}
	for _, u := range updates {
		docs = append(docs, bson.M{"_id": u.lockID(), "txn": j.ID, "instance": s.instance})
	}
	_, err := s.c(cJournal).InsertMany(ctx, docs)
	if err == nil {
		return nil
	}
	if ferr := s.forget(cleanup, j); ferr != nil {
		return errors.Join(err, ferr)
	}
	i, dup := duplicateAt(err)
	switch {
	case !dup:
		return fmt.Errorf("mongo: journal: %w", err)
	case i >= 1 && i <= len(updates):
		return s.unblock(ctx, updates[i-1].lockID(), changed(updates[i-1].what))
	}
	return trace.Errorf(trace.ECONFLICT, "a document changed while this request was being handled; retry")
}

// journalsOnly selects journals, not locks, in cJournal: only journals list
// their locks.
var journalsOnly = bson.E{Key: "locks", Value: bson.M{"$exists": true}}

// unblock looks at the change holding lock id and returns conflict, marked
// worth trying again if the lock is gone now or was left by a change that is
// resolved or whose instance is dead, which it then settles.
func (s *Store) unblock(ctx context.Context, id string, conflict error) error {
	var l struct {
		Txn      bson.ObjectID `bson:"txn"`
		Instance string        `bson:"instance"`
	}
	err := s.c(cJournal).FindOne(ctx, bson.M{"_id": id}).Decode(&l)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &again{err: conflict}
	}
	if err != nil {
		return fmt.Errorf("mongo: read lock %s: %w", id, err)
	}
	var j journal
	err = s.c(cJournal).FindOne(ctx, bson.M{"_id": l.Txn}).Decode(&j)
	if errors.Is(err, mongo.ErrNoDocuments) {
		// The change is resolved, and a crash or failure between deleting its
		// journal and this lock left the lock behind.
		if _, err := s.c(cJournal).DeleteOne(ctx, bson.M{"_id": id, "txn": l.Txn}); err != nil {
			return fmt.Errorf("mongo: drop lock %s of a resolved change: %w", id, err)
		}
		return &again{err: conflict}
	}
	if err != nil {
		return fmt.Errorf("mongo: read journal %s: %w", l.Txn.Hex(), err)
	}
	if alive, err := s.alive(ctx, j.Instance); err != nil {
		return err
	} else if alive {
		return conflict
	}
	if err := s.resolve(ctx, j); err != nil {
		return err
	}
	return &again{err: conflict}
}
