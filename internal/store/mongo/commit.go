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

// plan is a change turned into documents: batches to insert and documents to
// replace, in the order Commit writes them.
type plan struct {
	inserts  []batch
	updates  []update
	evidence []trace.Evidence
}

// batch is new documents for one collection; dup names the i-th for the
// conflict a duplicate key means.
type batch struct {
	coll string
	ids  []string
	docs []any
	dup  []string
}

// update replaces document id of coll when it still matches guard, the
// version the writer read.
type update struct {
	coll, id string
	guard    bson.D
	doc      bson.M
	what     string
}

func (u update) lockID() string { return u.coll + "/" + u.id }

func (b *batch) add(id string, doc bson.M, dup string) {
	doc["_id"] = id
	b.ids, b.docs, b.dup = append(b.ids, id), append(b.docs, doc), append(b.dup, dup)
}

// newPlan lays out c.
func newPlan(c trace.Change) plan {
	lots, units, complaints := batch{coll: cLots}, batch{coll: cUnits}, batch{coll: cComplaints}
	events, entries, anchors := batch{coll: cEvents}, batch{coll: cEntries}, batch{coll: cAnchors}
	licences := licenceBatch(c.Licences)
	var p plan
	// The answer goes in first: a duplicate of a recorded write then fails on
	// it before inserting anything else.
	if r := c.Replay; r != nil {
		replays := batch{coll: cReplays}
		replays.add(replayID(r.Scope, r.Key), replayDoc(*r), "")
		p.inserts = append(p.inserts, replays)
	}
	for _, w := range c.Lots {
		l := w.Lot
		if w.PrevSeq < 0 {
			lots.add(l.ID, lotDoc(l), "lot "+l.ID+" already exists")
			continue
		}
		p.updates = append(p.updates, update{coll: cLots, id: l.ID, guard: bson.D{{Key: "seq", Value: w.PrevSeq}}, doc: lotDoc(l), what: "lot " + l.ID})
	}
	for _, w := range c.Units {
		u := w.Unit
		doc := bson.M{"lot": u.Lot, "status": u.Status, "doc": mustJSON(u)}
		if w.PrevStatus == "" {
			units.add(u.Serial, doc, "unit "+u.Serial+" already exists")
			continue
		}
		p.updates = append(p.updates, update{coll: cUnits, id: u.Serial, guard: bson.D{{Key: "status", Value: w.PrevStatus}}, doc: doc, what: "unit " + u.Serial})
	}
	for _, w := range c.Complaints {
		cp := w.Complaint
		doc := bson.M{"status": cp.Status, "kind": cp.Kind, "lot": cp.Lot, "serial": cp.Serial, "created": cp.CreatedAt.UTC(), "seq": cp.Seq, "doc": mustJSON(cp)}
		if w.PrevSeq < 0 {
			complaints.add(cp.ID, doc, "complaint "+cp.ID+" already exists")
			continue
		}
		p.updates = append(p.updates, update{coll: cComplaints, id: cp.ID, guard: bson.D{{Key: "seq", Value: w.PrevSeq}}, doc: doc, what: "complaint " + cp.ID})
	}
	for _, e := range c.Events {
		events.add(eventID(e.Lot, e.Seq), eventDoc(e), fmt.Sprintf("lot %s already has event %d", e.Lot, e.Seq))
	}
	for _, e := range c.ComplaintEntries {
		entries.add(eventID(e.Complaint, e.Seq), bson.M{"complaint": e.Complaint, "seq": e.Seq, "doc": mustJSON(e)}, fmt.Sprintf("complaint %s already has entry %d", e.Complaint, e.Seq))
	}
	for _, r := range c.Anchors {
		doc := bson.M{"kind": r.Kind, "key": r.Key, "seq": int64(r.Seq), "hash": r.Hash, "prevHash": r.PrevHash, "status": trace.AnchorPending}
		for _, f := range [...]struct{ name, v string }{{"act", r.Act}, {"to", r.To}, {"by", r.By}} {
			if f.v != "" {
				doc[f.name] = f.v
			}
		}
		if len(r.From) > 0 {
			doc["from"] = r.From
		}
		anchors.add(anchorID(r.Kind, r.Key, r.Seq), doc, fmt.Sprintf("%s %s already has record %d", r.Kind, r.Key, r.Seq))
	}
	captured := batch{coll: cCaptured}
	for _, id := range c.Captured {
		captured.add(id, bson.M{}, "EPCIS event "+id+" was already captured")
	}
	for _, b := range []batch{lots, units, complaints, events, entries, licences, anchors, captured} {
		if len(b.docs) > 0 {
			p.inserts = append(p.inserts, b)
		}
	}
	p.evidence = c.Evidence
	return p
}

// journal is a new journal for p, written by instance: what it inserts and
// what it locks.
func (p plan) journal(instance string, at time.Time) journal {
	j := journal{ID: bson.NewObjectID(), Instance: instance, At: at, Inserted: map[string][]string{}, Locks: []string{}, Before: []before{}}
	for _, b := range p.inserts {
		j.Inserted[b.coll] = b.ids
	}
	for _, u := range p.updates {
		j.Locks = append(j.Locks, u.lockID())
	}
	return j
}

// lotDoc is a lot as stored: the domain's JSON, and beside it the fields the
// lot filters query.
func lotDoc(l trace.Lot) bson.M {
	parents := []string{}
	for _, p := range l.Parents {
		parents = append(parents, p.Lot)
	}
	return bson.M{
		"gtin": l.GTIN, "custodian": l.Custodian, "producer": l.Producer, "status": l.Status, "seq": l.Seq, "parents": parents,
		"holders": nonNil(l.Holders), "areas": nonNil(l.Areas), "doc": mustJSON(l),
	}
}

// nonNil stores an absent list as an empty array, which array queries match
// like any other.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func eventID(key string, seq int64) string { return key + "#" + strconv.FormatInt(seq, 10) }

func anchorID(kind, key string, seq uint64) string {
	return kind + "#" + key + "#" + strconv.FormatUint(seq, 10)
}

// Commit implements trace.Store; see the package comment for how.
func (s *Store) Commit(ctx context.Context, c trace.Change) error {
	if c.Replay != nil && s.purgeDue() {
		if err := s.purgeReplays(ctx, c.Replay.CreatedAt); err != nil {
			return err
		}
	}
	p := newPlan(c)
	err := s.commit(ctx, p)
	var a *again
	if errors.As(err, &a) {
		if a.purge {
			if err := s.purgeReplays(ctx, c.Replay.CreatedAt); err != nil {
				return err
			}
		}
		err = s.commit(ctx, p)
	}
	if errors.As(err, &a) {
		return a.err
	}
	return err
}

// again is the error of an attempt worth one more at once: the change ran
// into a dead instance's unfinished change and settled it, or (purge) its
// idempotency key is taken by an answer that may have expired.
type again struct {
	err   error
	purge bool
}

func (e *again) Error() string { return e.err.Error() }
func (e *again) Unwrap() error { return e.err }

// commit runs the protocol of the package comment once.
func (s *Store) commit(ctx context.Context, p plan) error {
	j := p.journal(s.instance, time.Now().UTC())
	if err := s.readBefore(ctx, &j, p.updates); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := s.begin(ctx, cctx, j, p.updates); err != nil {
		return err
	}
	if err := s.apply(ctx, j, p); err != nil {
		if rerr := s.rollback(cctx, j); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	if s.beforeCommitPoint != nil {
		s.beforeCommitPoint()
	}
	// The commit point. An error here leaves the outcome unknown to us; the
	// journal stays, and whoever resolves it later reads the outcome.
	outcome, err := s.decide(cctx, j.ID, outcomeCommit)
	if err != nil {
		return err
	}
	if outcome != outcomeCommit {
		// Taken for abandoned and rolled back while still being applied; undo
		// whatever was written after that.
		if err := s.rollback(cctx, j); err != nil {
			return err
		}
		return fmt.Errorf("mongo: change %s was taken for a dead instance's and rolled back", j.ID.Hex())
	}
	// The change is durable from here on. Should finishing fail, the journal
	// and its commit outcome let the next recovery finish it, so success is
	// the truthful answer.
	_ = s.finish(cctx, j)
	return nil
}

// apply writes the change, each document tagged with the journal's id, once
// begin has journalled it and taken its locks.
func (s *Store) apply(ctx context.Context, j journal, p plan) error {
	for _, b := range p.inserts {
		for _, d := range b.docs {
			d.(bson.M)["txn"] = j.ID
		}
		if _, err := s.c(b.coll).InsertMany(ctx, b.docs); err != nil {
			i, dup := duplicateAt(err)
			if !dup {
				return fmt.Errorf("mongo: insert into %s: %w", b.coll, err)
			}
			if b.coll == cReplays {
				return &again{err: trace.ErrReplayExists, purge: true}
			}
			if i >= 0 && i < len(b.dup) {
				return trace.Errorf(trace.ECONFLICT, "%s", b.dup[i])
			}
			return trace.Errorf(trace.ECONFLICT, "a %s document already exists", b.coll)
		}
	}
	for _, ev := range p.evidence {
		// Evidence is kept by content hash: a second copy is the same photo, and
		// a photo left by a rolled-back change harms nothing.
		_, err := s.c(cEvidence).UpdateOne(ctx, bson.M{"_id": ev.Hash},
			bson.M{"$setOnInsert": bson.M{"contentType": ev.ContentType, "data": ev.Data}}, options.UpdateOne().SetUpsert(true))
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("mongo: store evidence %s: %w", ev.Hash, err)
		}
	}
	return s.replace(ctx, j, p.updates)
}

func changed(what string) error {
	return trace.Errorf(trace.ECONFLICT, "%s changed while this request was being handled; retry", what)
}

// duplicateAt reports whether err is a duplicate key, and the index of the
// document that caused it in an InsertMany, or -1.
func duplicateAt(err error) (int, bool) {
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) {
		for _, we := range bwe.WriteErrors {
			if mongo.IsDuplicateKeyError(we) {
				return we.Index, true
			}
		}
	}
	return -1, mongo.IsDuplicateKeyError(err)
}
