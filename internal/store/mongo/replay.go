package mongo

import (
	"context"
	"fmt"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

func replayID(scope, key string) string { return scope + "\n" + key }

func replayDoc(r trace.Replay) bson.M {
	return bson.M{"expires": r.ExpiresAt.UTC(), "doc": mustJSON(r)}
}

// Replay implements trace.Store. An answer still tagged by its change is not
// shown: that change may yet be rolled back.
func (s *Store) Replay(ctx context.Context, scope, key string) (trace.Replay, error) {
	var r trace.Replay
	return r, s.getDoc(ctx, cReplays, bson.M{"_id": replayID(scope, key), "txn": bson.M{"$exists": false}}, &r, "idempotency key "+key)
}

// SaveReplay implements trace.Store; one document, so one insert is atomic.
func (s *Store) SaveReplay(ctx context.Context, r trace.Replay) error {
	if err := s.purgeReplays(ctx, r.CreatedAt); err != nil {
		return err
	}
	doc := replayDoc(r)
	doc["_id"] = replayID(r.Scope, r.Key)
	_, err := s.c(cReplays).InsertOne(ctx, doc)
	if mongo.IsDuplicateKeyError(err) {
		return trace.ErrReplayExists
	}
	if err != nil {
		return fmt.Errorf("mongo: store idempotency key %s: %w", r.Key, err)
	}
	return nil
}

// purgeEvery spaces out the purges that writes do on the way: a key taken by
// an expired answer is purged when a write runs into it, so the purge only
// keeps the collection small and need not cost every write a round trip.
const purgeEvery = time.Minute

// purgeDue reports whether a write should purge expired answers, and if so
// takes the turn.
func (s *Store) purgeDue() bool {
	s.purgeMu.Lock()
	defer s.purgeMu.Unlock()
	if !s.purged.IsZero() && time.Since(s.purged) < purgeEvery {
		return false
	}
	s.purged = time.Now()
	return true
}

// purgeReplays deletes answers expired at now, so their keys can be used
// again. It runs outside any journal: an expired answer is dead whatever the
// change that follows does.
func (s *Store) purgeReplays(ctx context.Context, now time.Time) error {
	_, err := s.c(cReplays).DeleteMany(ctx, bson.M{"expires": bson.M{"$lte": now.UTC()}, "txn": bson.M{"$exists": false}})
	if err != nil {
		return fmt.Errorf("mongo: purge expired idempotency keys: %w", err)
	}
	return nil
}
