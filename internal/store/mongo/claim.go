package mongo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Instances share the outbox through claims, one document per chain in
// "anchor_claims" keyed by the chain, naming the instance that holds it. An
// insert is the only arbitration FerretDB makes atomically, so a claim is
// taken by inserting it: of two instances the second gets a duplicate key.
// A claim stands while its holder is alive by the store's liveness rule
// (liveness.go: the holder's heartbeat has moved within deadAfter of the
// observer's own clock, so no two machines' clocks need agree); the claims
// of a dead holder are taken over. Take-over is delete then insert; two
// observers racing on it, or a holder that was merely slow, can send the same
// records twice, which the ledger accepts as an idempotent re-send: claims
// save work, the ledger's chain rules keep it right.
const cClaims = "anchor_claims"

// outbox is this instance's part in sharing the outbox.
type outbox struct {
	mu sync.Mutex
	// cursor is the last chain handed out, so the next call goes on after it.
	cursor trace.AnchorChain
}

type claimDoc struct {
	ID    string    `bson:"_id"`
	Owner string    `bson:"owner"`
	Kind  string    `bson:"kind"`
	Key   string    `bson:"key"`
	At    time.Time `bson:"at"`
}

func chainID(c trace.AnchorChain) string { return c.Kind + "#" + c.Key }

// ClaimAnchors implements trace.Store.
func (s *Store) ClaimAnchors(ctx context.Context, limit int, skip []trace.AnchorChain) ([]custody.Record, error) {
	o := &s.outbox
	o.mu.Lock()
	defer o.mu.Unlock()
	// Chains lost to another instance's claim in a race are passed over; a
	// few turns find others before the worker is told there is nothing.
	for range 3 {
		held, gone, err := s.liveClaims(ctx)
		if err != nil {
			return nil, err
		}
		exclude := append(append([]trace.AnchorChain{}, skip...), held...)
		recs, err := s.pendingChains(ctx, limit, exclude)
		if err != nil || len(recs) == 0 {
			return nil, err
		}
		o.cursor = trace.ChainOf(recs[len(recs)-1])
		got, err := s.claim(ctx, recs, gone)
		if err != nil {
			return nil, err
		}
		if len(got) == 0 {
			continue
		}
		// Checked again now that they are claimed: the holder before may
		// have settled them since the first read. Chains left with nothing
		// are released at once.
		still, err := s.pendingOf(ctx, got)
		if err != nil {
			return nil, err
		}
		if err := s.ReleaseAnchors(ctx, emptied(got, still)); err != nil {
			return nil, err
		}
		if len(still) > 0 {
			return still, nil
		}
	}
	return nil, nil
}

// ReleaseAnchors implements trace.Store.
func (s *Store) ReleaseAnchors(ctx context.Context, chains []trace.AnchorChain) error {
	if len(chains) == 0 {
		return nil
	}
	ids := make([]string, len(chains))
	for i, c := range chains {
		ids[i] = chainID(c)
	}
	if _, err := s.c(cClaims).DeleteMany(ctx, bson.M{"_id": bson.M{"$in": ids}, "owner": s.instance}); err != nil {
		return fmt.Errorf("mongo: release %d outbox chains from %s: %w", len(chains), ids[0], err)
	}
	return nil
}

// emptied lists the chains of recs that have no record in still.
func emptied(recs, still []custody.Record) []trace.AnchorChain {
	left := map[trace.AnchorChain]bool{}
	for _, r := range still {
		left[trace.ChainOf(r)] = true
	}
	var out []trace.AnchorChain
	for _, r := range recs {
		if c := trace.ChainOf(r); !left[c] {
			left[c] = true
			out = append(out, c)
		}
	}
	return out
}

// liveClaims returns the chains other instances hold and still renew, and
// the holders that stopped renewing. Claims this instance holds, say from
// before a restart under the same name, are its own to send at once.
func (s *Store) liveClaims(ctx context.Context) (held []trace.AnchorChain, gone []string, err error) {
	var claims []claimDoc
	cur, err := s.c(cClaims).Find(ctx, bson.M{"owner": bson.M{"$ne": s.instance}})
	if err == nil {
		err = cur.All(ctx, &claims)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("mongo: read outbox claims: %w", err)
	}
	lapsed, err := s.lapsed(ctx, claims)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range claims {
		if !lapsed[c.Owner] {
			held = append(held, trace.AnchorChain{Kind: c.Kind, Key: c.Key})
		}
	}
	for owner, ok := range lapsed {
		if ok {
			gone = append(gone, owner)
		}
	}
	return held, gone, nil
}

// lapsed says which holders of claims the store's liveness rule finds dead.
func (s *Store) lapsed(ctx context.Context, claims []claimDoc) (map[string]bool, error) {
	out := map[string]bool{}
	for _, c := range claims {
		if _, ok := out[c.Owner]; ok {
			continue
		}
		alive, err := s.alive(ctx, c.Owner)
		if err != nil {
			return nil, fmt.Errorf("mongo: outbox claims of %s: %w", c.Owner, err)
		}
		out[c.Owner] = !alive
	}
	return out, nil
}

// claim claims the chains of recs and returns the records of those it got:
// new claims, its own, and those of the lapsed holders gone, taken over.
func (s *Store) claim(ctx context.Context, recs []custody.Record, gone []string) ([]custody.Record, error) {
	var ids []string
	var docs []any
	now := time.Now().UTC()
	for i, r := range recs {
		if i > 0 && trace.ChainOf(recs[i-1]) == trace.ChainOf(r) {
			continue
		}
		id := chainID(trace.ChainOf(r))
		ids = append(ids, id)
		docs = append(docs, claimDoc{ID: id, Owner: s.instance, Kind: r.Kind, Key: r.Key, At: now})
	}
	// Claims of lapsed holders go first. A claim another instance has taken
	// since liveClaims read them is left alone and wins over this one.
	if len(gone) > 0 {
		if _, err := s.c(cClaims).DeleteMany(ctx, bson.M{"_id": bson.M{"$in": ids}, "owner": bson.M{"$in": gone}}); err != nil {
			return nil, fmt.Errorf("mongo: take over outbox claims from %s: %w", ids[0], err)
		}
	}
	lost := map[string]bool{}
	_, err := s.c(cClaims).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil {
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
			return nil, fmt.Errorf("mongo: claim outbox chains from %s: %w", ids[0], err)
		}
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) {
				return nil, fmt.Errorf("mongo: claim outbox chain %s: %w", ids[we.Index], err)
			}
			lost[ids[we.Index]] = true
		}
		if len(lost) > 0 {
			if err := s.ownOf(ctx, lost); err != nil {
				return nil, err
			}
		}
	}
	out := recs[:0]
	for _, r := range recs {
		if !lost[chainID(trace.ChainOf(r))] {
			out = append(out, r)
		}
	}
	return out, nil
}

// ownOf removes from lost the chains whose claim this instance already held.
func (s *Store) ownOf(ctx context.Context, lost map[string]bool) error {
	ids := make([]string, 0, len(lost))
	for id := range lost {
		ids = append(ids, id)
	}
	var mine []claimDoc
	cur, err := s.c(cClaims).Find(ctx, bson.M{"_id": bson.M{"$in": ids}, "owner": s.instance})
	if err == nil {
		err = cur.All(ctx, &mine)
	}
	if err != nil {
		return fmt.Errorf("mongo: read outbox claims: %w", err)
	}
	for _, c := range mine {
		delete(lost, c.ID)
	}
	return nil
}
