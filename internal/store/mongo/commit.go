package mongo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// journal is the record of a change being applied: what it inserted and the
// documents it overwrote, so that it can be undone.
type journal struct {
	ID       bson.ObjectID       `bson:"_id"`
	At       time.Time           `bson:"at"`
	Inserted map[string][]string `bson:"inserted"`
	Before   []before            `bson:"before"`
}

type before struct {
	Coll string   `bson:"coll"`
	ID   string   `bson:"id"`
	Doc  bson.Raw `bson:"doc"`
}

// written lists the collections a change may write, in the order it writes them.
var written = []string{cClaims, cEvents, cEntries, cLots, cUnits, cComplaints, cAnchors}

// Commit implements trace.Store; see the package comment for how.
func (s *Store) Commit(ctx context.Context, c trace.Change) error {
	j := newJournal(c, time.Now().UTC())
	// The outbox order is taken before any lot moves on, so the change that
	// follows on the same lot always queues its records after these.
	var order int64
	if n := len(c.Anchors); n > 0 {
		var err error
		if order, err = s.reserve(ctx, "anchors", n); err != nil {
			return err
		}
	}
	if _, err := s.c(cJournal).InsertOne(ctx, j); err != nil {
		return fmt.Errorf("mongo: journal: %w", err)
	}
	if err := s.apply(ctx, j.ID, c, order); err != nil {
		if rerr := s.rollback(context.WithoutCancel(ctx), j.ID); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	touched := map[string]bool{
		cClaims: len(j.Inserted[cClaims]) > 0, cLots: len(c.Lots) > 0, cUnits: len(c.Units) > 0, cComplaints: len(c.Complaints) > 0,
		cEvents: len(c.Events) > 0, cEntries: len(c.ComplaintEntries) > 0, cAnchors: len(c.Anchors) > 0,
	}
	for _, coll := range written {
		if !touched[coll] {
			continue
		}
		if _, err := s.c(coll).UpdateMany(ctx, bson.M{"txn": j.ID}, bson.M{"$unset": bson.M{"txn": ""}}); err != nil {
			return fmt.Errorf("mongo: complete change: %w", err)
		}
	}
	if _, err := s.c(cJournal).DeleteOne(ctx, bson.M{"_id": j.ID}); err != nil {
		return fmt.Errorf("mongo: close journal: %w", err)
	}
	return nil
}

// newJournal lists what c will insert, so that it can be deleted again.
func newJournal(c trace.Change, at time.Time) journal {
	j := journal{ID: bson.NewObjectID(), At: at, Inserted: map[string][]string{}, Before: []before{}}
	for _, w := range c.Lots {
		if w.PrevSeq < 0 {
			j.Inserted[cLots] = append(j.Inserted[cLots], w.Lot.ID)
		}
	}
	for _, w := range c.Units {
		if w.PrevStatus == "" {
			j.Inserted[cUnits] = append(j.Inserted[cUnits], w.Unit.Serial)
		}
	}
	for _, w := range c.Complaints {
		if w.PrevSeq < 0 {
			j.Inserted[cComplaints] = append(j.Inserted[cComplaints], w.Complaint.ID)
		}
	}
	j.Inserted[cClaims] = claims(c)
	for _, e := range c.Events {
		j.Inserted[cEvents] = append(j.Inserted[cEvents], eventID(e.Lot, e.Seq))
	}
	for _, e := range c.ComplaintEntries {
		j.Inserted[cEntries] = append(j.Inserted[cEntries], eventID(e.Complaint, e.Seq))
	}
	for _, r := range c.Anchors {
		j.Inserted[cAnchors] = append(j.Inserted[cAnchors], anchorID(r.Kind, r.Key, r.Seq))
	}
	return j
}

// claims names the versions a change moves on from.
func claims(c trace.Change) []string {
	var out []string
	for _, w := range c.Lots {
		if w.PrevSeq >= 0 {
			out = append(out, "lot/"+w.Lot.ID+"/"+strconv.FormatInt(w.PrevSeq, 10))
		}
	}
	for _, w := range c.Units {
		if w.PrevStatus != "" {
			out = append(out, "unit/"+w.Unit.Serial+"/"+w.PrevStatus)
		}
	}
	for _, w := range c.Complaints {
		if w.PrevSeq >= 0 {
			out = append(out, "complaint/"+w.Complaint.ID+"/"+strconv.FormatInt(w.PrevSeq, 10))
		}
	}
	return out
}

func eventID(key string, seq int64) string { return key + "#" + strconv.FormatInt(seq, 10) }

func anchorID(kind, key string, seq uint64) string {
	return kind + "#" + key + "#" + strconv.FormatUint(seq, 10)
}

// reserve takes n consecutive numbers from a counter and returns the first.
func (s *Store) reserve(ctx context.Context, name string, n int) (int64, error) {
	var doc struct {
		N int64 `bson:"n"`
	}
	err := s.c(cCounters).FindOneAndUpdate(ctx, bson.M{"_id": name}, bson.M{"$inc": bson.M{"n": n}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&doc)
	if err != nil {
		return 0, fmt.Errorf("mongo: counter %s: %w", name, err)
	}
	return doc.N - int64(n) + 1, nil
}

func (s *Store) apply(ctx context.Context, txn bson.ObjectID, c trace.Change, order int64) error {
	// Claims go first: one document per version moved on from, so of two
	// writers racing from the same version the second fails on the duplicate
	// key. A guarded update alone is not enough on servers that apply updates
	// as read-modify-write without isolation (FerretDB).
	for _, id := range claims(c) {
		if err := s.insertOne(ctx, cClaims, bson.M{"_id": id, "txn": txn}, "changed while this request was being handled; retry"); err != nil {
			return err
		}
	}
	for _, e := range c.Events {
		doc := bson.M{"_id": eventID(e.Lot, e.Seq), "lot": e.Lot, "seq": e.Seq, "doc": mustJSON(e), "txn": txn}
		if err := s.insertOne(ctx, cEvents, doc, fmt.Sprintf("lot %s already has event %d", e.Lot, e.Seq)); err != nil {
			return err
		}
	}
	for _, e := range c.ComplaintEntries {
		doc := bson.M{"_id": eventID(e.Complaint, e.Seq), "complaint": e.Complaint, "seq": e.Seq, "doc": mustJSON(e), "txn": txn}
		if err := s.insertOne(ctx, cEntries, doc, fmt.Sprintf("complaint %s already has entry %d", e.Complaint, e.Seq)); err != nil {
			return err
		}
	}
	for _, w := range c.Lots {
		l := w.Lot
		parents := []string{}
		for _, p := range l.Parents {
			parents = append(parents, p.Lot)
		}
		doc := bson.M{"_id": l.ID, "gtin": l.GTIN, "custodian": l.Custodian, "status": l.Status, "seq": l.Seq, "parents": parents, "doc": mustJSON(l), "txn": txn}
		if w.PrevSeq < 0 {
			if err := s.insertOne(ctx, cLots, doc, "lot "+l.ID+" already exists"); err != nil {
				return err
			}
			continue
		}
		if err := s.update(ctx, txn, cLots, l.ID, bson.M{"seq": w.PrevSeq}, doc, "lot "+l.ID); err != nil {
			return err
		}
	}
	for _, w := range c.Units {
		u := w.Unit
		doc := bson.M{"_id": u.Serial, "lot": u.Lot, "status": u.Status, "doc": mustJSON(u), "txn": txn}
		if w.PrevStatus == "" {
			if err := s.insertOne(ctx, cUnits, doc, "unit "+u.Serial+" already exists"); err != nil {
				return err
			}
			continue
		}
		if err := s.update(ctx, txn, cUnits, u.Serial, bson.M{"status": w.PrevStatus}, doc, "unit "+u.Serial); err != nil {
			return err
		}
	}
	for _, w := range c.Complaints {
		cp := w.Complaint
		doc := bson.M{"_id": cp.ID, "status": cp.Status, "lot": cp.Lot, "serial": cp.Serial, "created": cp.CreatedAt, "seq": cp.Seq, "doc": mustJSON(cp), "txn": txn}
		if w.PrevSeq < 0 {
			if err := s.insertOne(ctx, cComplaints, doc, "complaint "+cp.ID+" already exists"); err != nil {
				return err
			}
			continue
		}
		if err := s.update(ctx, txn, cComplaints, cp.ID, bson.M{"seq": w.PrevSeq}, doc, "complaint "+cp.ID); err != nil {
			return err
		}
	}
	for _, ev := range c.Evidence {
		// Evidence is kept by content hash: a second copy is the same photo, and
		// a photo left by a rolled-back change harms nothing.
		_, err := s.c(cEvidence).UpdateOne(ctx, bson.M{"_id": ev.Hash},
			bson.M{"$setOnInsert": bson.M{"contentType": ev.ContentType, "data": ev.Data}}, options.UpdateOne().SetUpsert(true))
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("mongo: store evidence %s: %w", ev.Hash, err)
		}
	}
	for i, r := range c.Anchors {
		doc := bson.M{"_id": anchorID(r.Kind, r.Key, r.Seq), "kind": r.Kind, "key": r.Key, "seq": int64(r.Seq), "hash": r.Hash,
			"prevHash": r.PrevHash, "status": trace.AnchorPending, "order": order + int64(i), "txn": txn}
		if err := s.insertOne(ctx, cAnchors, doc, fmt.Sprintf("%s %s already has record %d", r.Kind, r.Key, r.Seq)); err != nil {
			return err
		}
	}
	return nil
}

// update replaces document id when it still matches guard, saving its
// before-image in the journal first.
func (s *Store) update(ctx context.Context, txn bson.ObjectID, coll, id string, guard bson.M, doc bson.M, what string) error {
	filter := bson.M{"_id": id}
	for k, v := range guard {
		filter[k] = v
	}
	old, err := s.c(coll).FindOne(ctx, filter).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return trace.Errorf(trace.ECONFLICT, "%s changed while this request was being handled; retry", what)
	}
	if err != nil {
		return fmt.Errorf("mongo: read %s: %w", what, err)
	}
	if _, err := s.c(cJournal).UpdateOne(ctx, bson.M{"_id": txn}, bson.M{"$push": bson.M{"before": before{Coll: coll, ID: id, Doc: old}}}); err != nil {
		return fmt.Errorf("mongo: journal %s: %w", what, err)
	}
	// The guard makes this a compare-and-swap: a writer that raced us since the
	// read above has moved the version on, and we match nothing.
	res, err := s.c(coll).ReplaceOne(ctx, filter, doc)
	if err != nil {
		return fmt.Errorf("mongo: update %s: %w", what, err)
	}
	if res.MatchedCount != 1 {
		return trace.Errorf(trace.ECONFLICT, "%s changed while this request was being handled; retry", what)
	}
	return nil
}

// rollback undoes a change from its journal and removes the journal.
func (s *Store) rollback(ctx context.Context, txn bson.ObjectID) error {
	var j journal
	err := s.c(cJournal).FindOne(ctx, bson.M{"_id": txn}).Decode(&j)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mongo: read journal %s: %w", txn.Hex(), err)
	}
	for coll, ids := range j.Inserted {
		if _, err := s.c(coll).DeleteMany(ctx, bson.M{"_id": bson.M{"$in": ids}, "txn": txn}); err != nil {
			return fmt.Errorf("mongo: roll back %s: %w", coll, err)
		}
	}
	for i := len(j.Before) - 1; i >= 0; i-- {
		b := j.Before[i]
		if _, err := s.c(b.Coll).ReplaceOne(ctx, bson.M{"_id": b.ID, "txn": txn}, b.Doc); err != nil {
			return fmt.Errorf("mongo: restore %s %s: %w", b.Coll, b.ID, err)
		}
	}
	if _, err := s.c(cJournal).DeleteOne(ctx, bson.M{"_id": txn}); err != nil {
		return fmt.Errorf("mongo: drop journal %s: %w", txn.Hex(), err)
	}
	return nil
}

// recover rolls back every change whose journal is older than cutoff.
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
		if err := s.rollback(ctx, j.ID); err != nil {
			return err
		}
	}
	return nil
}
