package mongo

import (
	"context"
	"fmt"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

type anchorDoc struct {
	Kind       string    `bson:"kind"`
	Key        string    `bson:"key"`
	Seq        int64     `bson:"seq"`
	Hash       string    `bson:"hash"`
	PrevHash   string    `bson:"prevHash"`
	Act        string    `bson:"act,omitempty"`
	To         string    `bson:"to,omitempty"`
	By         string    `bson:"by,omitempty"`
	From       []string  `bson:"from,omitempty"`
	Status     string    `bson:"status"`
	Ledger     string    `bson:"ledger"`
	TxID       string    `bson:"txId"`
	Block      int64     `bson:"block"`
	Error      string    `bson:"error"`
	AnchoredAt time.Time `bson:"anchoredAt"`
	// Txn tags a record of a change still being committed.
	Txn any `bson:"txn"`
}

func (d anchorDoc) record() custody.Record {
	return custody.Record{Kind: d.Kind, Key: d.Key, Seq: uint64(d.Seq), Hash: d.Hash, PrevHash: d.PrevHash, Act: d.Act, To: d.To, By: d.By, From: d.From}
}

// PendingAnchors implements trace.Store. Records of a change still being
// applied carry its "txn" and are left out. The order is the records' own
// (kind, key, seq), not a counter: FerretDB does not apply counter increments
// atomically.
func (s *Store) PendingAnchors(ctx context.Context, limit int) ([]custody.Record, error) {
	docs, err := findAnchors(ctx, s.c(cAnchors), bson.M{"status": trace.AnchorPending, "txn": bson.M{"$exists": false}},
		options.Find().SetSort(bson.D{{Key: "kind", Value: 1}, {Key: "key", Value: 1}, {Key: "seq", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	out := make([]custody.Record, len(docs))
	for i, d := range docs {
		out[i] = d.record()
	}
	return out, nil
}

// PendingAnchorCount implements trace.Store, counting what PendingAnchors
// would hand out.
func (s *Store) PendingAnchorCount(ctx context.Context) (int, error) {
	n, err := s.c(cAnchors).CountDocuments(ctx, bson.M{"status": trace.AnchorPending, "txn": bson.M{"$exists": false}})
	if err != nil {
		return 0, fmt.Errorf("mongo: count pending anchors: %w", err)
	}
	return int(n), nil
}

// SettleAnchors implements trace.Store, with one update of many documents
// per distinct outcome: the records of one ledger call share their receipt,
// so a batch is mostly one update. An update per record, even in one bulk
// write, made FerretDB look each one up on its own, which grew with the
// outbox until a batch of 200 outlasted the client's timeout.
func (s *Store) SettleAnchors(ctx context.Context, outcomes []trace.AnchorOutcome) error {
	type settled struct {
		status, ledger, txID, refused string
		block                         uint64
		at                            time.Time
	}
	var order []settled
	ids := map[settled][]string{}
	for _, o := range outcomes {
		k := settled{status: trace.AnchorAnchored, ledger: o.Ledger, txID: o.Receipt.TxID, refused: o.Refused, block: o.Receipt.Block, at: o.At.UTC()}
		if o.Refused != "" {
			k.status = trace.AnchorRejected
		}
		if _, ok := ids[k]; !ok {
			order = append(order, k)
		}
		ids[k] = append(ids[k], anchorID(o.Record.Kind, o.Record.Key, o.Record.Seq))
	}
	for _, k := range order {
		_, err := s.c(cAnchors).UpdateMany(ctx, bson.M{"_id": bson.M{"$in": ids[k]}}, bson.M{"$set": bson.M{
			"status": k.status, "ledger": k.ledger, "txId": k.txID, "block": int64(k.block), "error": k.refused, "anchoredAt": k.at,
		}})
		if err != nil {
			return fmt.Errorf("mongo: settle %d anchors from %s: %w", len(ids[k]), ids[k][0], err)
		}
	}
	return nil
}

// ResendAnchors implements trace.Store. One update of many documents is
// enough without the journal: setting a record pending again is harmless
// to repeat, and one left out is found by the next call.
func (s *Store) ResendAnchors(ctx context.Context, ledger string, block uint64) (int, error) {
	res, err := s.c(cAnchors).UpdateMany(ctx,
		bson.M{"status": trace.AnchorAnchored, "ledger": ledger, "block": bson.M{"$gte": int64(block)}},
		bson.M{"$set": bson.M{"status": trace.AnchorPending, "txId": "", "block": int64(0)}})
	if err != nil {
		return 0, fmt.Errorf("mongo: resend anchors of %s from block %d: %w", ledger, block, err)
	}
	return int(res.ModifiedCount), nil
}

// Anchors implements trace.Store.
func (s *Store) Anchors(ctx context.Context, kind, key string) ([]trace.Anchor, error) {
	docs, err := findAnchors(ctx, s.c(cAnchors), bson.M{"kind": kind, "key": key}, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := make([]trace.Anchor, len(docs))
	for i, d := range docs {
		out[i] = trace.Anchor{Record: d.record(), Status: d.Status, Ledger: d.Ledger, TxID: d.TxID, Block: uint64(d.Block), Error: d.Error, AnchoredAt: d.AnchoredAt}
	}
	return out, nil
}

func findAnchors(ctx context.Context, coll *mongo.Collection, filter bson.M, opts *options.FindOptionsBuilder) ([]anchorDoc, error) {
	cur, err := coll.Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("mongo: find anchors: %w", err)
	}
	var docs []anchorDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("mongo: read anchors: %w", err)
	}
	return docs, nil
}

// pendingOf keeps those of recs that are still pending.
func (s *Store) pendingOf(ctx context.Context, recs []custody.Record) ([]custody.Record, error) {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = anchorID(r.Kind, r.Key, r.Seq)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	cur, err := s.c(cAnchors).Find(ctx, bson.M{"_id": bson.M{"$in": ids}, "status": trace.AnchorPending}, options.Find().SetProjection(bson.M{"_id": 1}))
	if err == nil {
		err = cur.All(ctx, &docs)
	}
	if err != nil {
		return nil, fmt.Errorf("mongo: read claimed anchors: %w", err)
	}
	still := make(map[string]bool, len(docs))
	for _, d := range docs {
		still[d.ID] = true
	}
	var out []custody.Record
	for i, r := range recs {
		if still[ids[i]] {
			out = append(out, r)
		}
	}
	return out, nil
}

// untagged returns the records of the first n of docs, each chain cut before
// a record still tagged by a change being committed, which PendingAnchors
// hides too: the records after it must wait for it.
func untagged(docs []anchorDoc, n int) []custody.Record {
	var out []custody.Record
	var tagged trace.AnchorChain
	for _, d := range docs[:n] {
		r := d.record()
		c := trace.ChainOf(r)
		switch {
		case c == tagged:
		case d.Txn != nil:
			tagged = c
		default:
			out = append(out, r)
		}
	}
	return out
}

// pendingChains reads the pending records of whole chains not in exclude,
// from the one after the cursor round to it.
func (s *Store) pendingChains(ctx context.Context, limit int, exclude []trace.AnchorChain) ([]custody.Record, error) {
	at := s.outbox.cursor
	docs, err := s.pendingAround(ctx, limit+1, exclude, bson.A{bson.M{"kind": bson.M{"$gt": at.Kind}}, bson.M{"kind": at.Kind, "key": bson.M{"$gt": at.Key}}})
	if err != nil {
		return nil, err
	}
	if len(docs) <= limit && at != (trace.AnchorChain{}) {
		more, err := s.pendingAround(ctx, limit+1-len(docs), exclude, bson.A{bson.M{"kind": bson.M{"$lt": at.Kind}}, bson.M{"kind": at.Kind, "key": bson.M{"$lte": at.Key}}})
		if err != nil {
			return nil, err
		}
		docs = append(docs, more...)
	}
	recs := make([]custody.Record, len(docs))
	for i, d := range docs {
		recs[i] = d.record()
	}
	return untagged(docs, len(trace.WholeChains(recs, limit))), nil
}

// pendingAround reads up to limit pending records, chain by chain in seq
// order, of the chains that match one of where and are not excluded.
func (s *Store) pendingAround(ctx context.Context, limit int, exclude []trace.AnchorChain, where bson.A) ([]anchorDoc, error) {
	filter := bson.M{"status": trace.AnchorPending, "$or": where}
	byKind := map[string][]string{}
	for _, c := range exclude {
		byKind[c.Kind] = append(byKind[c.Kind], c.Key)
	}
	if len(byKind) > 0 {
		var nor bson.A
		for kind, keys := range byKind {
			nor = append(nor, bson.M{"kind": kind, "key": bson.M{"$in": keys}})
		}
		filter["$nor"] = nor
	}
	return findAnchors(ctx, s.c(cAnchors), filter,
		options.Find().SetSort(bson.D{{Key: "kind", Value: 1}, {Key: "key", Value: 1}, {Key: "seq", Value: 1}}).SetLimit(int64(limit)))
}
