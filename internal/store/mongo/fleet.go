package mongo

import (
	"context"
	"fmt"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// What instances sharing the database agree on: the ledger its records are
// anchored on (one document) and the hits counted against shared rate
// limits. Who is running is liveness.go's. Every rule here rests on inserts into _id, the one
// conflict FerretDB detects atomically.
const (
	cLedgerClaim = "ledger_claim"
	cRateHits    = "rate_hits"
)

const ledgerClaimID = "ledger"

// ClaimLedger implements trace.Store: the first insert of the one claim
// document wins, and every claimant reads back the winner's.
func (s *Store) ClaimLedger(ctx context.Context, l trace.LedgerClaim) (trace.LedgerClaim, error) {
	_, err := s.c(cLedgerClaim).InsertOne(ctx, bson.M{"_id": ledgerClaimID, "doc": mustJSON(l)})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return trace.LedgerClaim{}, fmt.Errorf("mongo: claim ledger: %w", err)
	}
	var got trace.LedgerClaim
	return got, s.getDoc(ctx, cLedgerClaim, bson.M{"_id": ledgerClaimID}, &got, "ledger claim")
}

// ReplaceLedger implements trace.Store.
func (s *Store) ReplaceLedger(ctx context.Context, l trace.LedgerClaim) error {
	_, err := s.c(cLedgerClaim).ReplaceOne(ctx, bson.M{"_id": ledgerClaimID}, bson.M{"_id": ledgerClaimID, "doc": mustJSON(l)},
		options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("mongo: record ledger: %w", err)
	}
	return nil
}

// hitID is the _id of a key's hit number n: zero-padded, so that _id order
// is number order within a key.
func hitID(key string, n int64) string { return fmt.Sprintf("%s\n%019d", key, n) }

// maxHitRaces bounds how often one TakeHit loses the next number to another
// instance before it gives up; each loss is another caller's hit recorded.
const maxHitRaces = 50

// TakeHit implements trace.Store. Hits of a key are numbered 0, 1, 2... in
// _id; the next is allowed when the one limit places before it is out of
// the window, and recorded by inserting its number: of instances racing for
// a number one wins, and the others look again.
func (s *Store) TakeHit(ctx context.Context, key string, at time.Time, limit int, window time.Duration) (time.Duration, error) {
	keyRange := bson.M{"$gte": key + "\n", "$lt": key + "\v"}
	for range maxHitRaces {
		cur, err := s.c(cRateHits).Find(ctx, bson.M{"_id": keyRange},
			options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(limit)))
		if err != nil {
			return 0, fmt.Errorf("mongo: rate-limit hits of %s: %w", key, err)
		}
		var hits []struct {
			N  int64     `bson:"n"`
			At time.Time `bson:"at"`
		}
		if err := cur.All(ctx, &hits); err != nil {
			return 0, fmt.Errorf("mongo: rate-limit hits of %s: %w", key, err)
		}
		next := int64(0)
		if len(hits) > 0 {
			next = hits[0].N + 1
		}
		if len(hits) == limit && hits[limit-1].N == next-int64(limit) {
			if d := hits[limit-1].At.Add(window).Sub(at); d > 0 {
				return d, nil
			}
		}
		_, err = s.c(cRateHits).InsertOne(ctx, bson.M{"_id": hitID(key, next), "n": next, "at": at.UTC()})
		if mongo.IsDuplicateKeyError(err) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("mongo: rate-limit hit of %s: %w", key, err)
		}
		// Hits limit or more places back are never consulted again.
		if old := next - int64(limit); old >= 0 {
			if _, err := s.c(cRateHits).DeleteMany(ctx, bson.M{"_id": bson.M{"$gte": key + "\n", "$lte": hitID(key, old)}}); err != nil {
				return 0, fmt.Errorf("mongo: rate-limit hits of %s: %w", key, err)
			}
		}
		return 0, nil
	}
	return 0, fmt.Errorf("mongo: rate-limit hit of %s: %w", key,
		trace.Errorf(trace.EUNAVAILABLE, "too many requests at once; try again shortly"))
}

// ExpireHits implements trace.Store. A key whose hits all expire numbers
// its next hit 0 again: a caller that read the key just before they went
// and inserts just after could be let through once more than the limit, a
// window as wide as one insert, which only an atomic read-and-delete (a
// transaction) would close.
func (s *Store) ExpireHits(ctx context.Context, before time.Time) error {
	if _, err := s.c(cRateHits).DeleteMany(ctx, bson.M{"at": bson.M{"$lt": before.UTC()}}); err != nil {
		return fmt.Errorf("mongo: expire rate-limit hits: %w", err)
	}
	return nil
}
