package mongo

import (
	"bytes"
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// readBefore checks that every document the change replaces is at the
// version the writer read and no other change's work in progress, and puts
// its before-image in the journal, which is then written in one insert. The
// read comes before the locks: apply replaces a document only while it is
// still exactly this image.
func (s *Store) readBefore(ctx context.Context, j *journal, updates []update) error {
	if len(updates) == 0 {
		return nil
	}
	ids := map[string][]string{}
	for _, u := range updates {
		ids[u.coll] = append(ids[u.coll], u.id)
	}
	current, err := s.current(ctx, ids)
	if err != nil {
		return err
	}
	for _, u := range updates {
		doc, ok := current[u.lockID()]
		if !ok {
			return changed(u.what)
		}
		// A document tagged by another change is that change's work in
		// progress: building on it would outlive its rollback.
		if tag, err := doc.LookupErr("txn"); err == nil {
			if other, ok := tag.ObjectIDOK(); ok {
				done, err := s.settleIfAbandoned(ctx, other)
				if err != nil {
					return err
				}
				if done {
					return &again{err: changed(u.what)}
				}
			}
			return changed(u.what)
		}
		for _, g := range u.guard {
			if !matches(doc.Lookup(g.Key), g.Value) {
				return changed(u.what)
			}
		}
		j.Before = append(j.Before, before{Coll: u.coll, ID: u.id, Doc: doc})
	}
	return nil
}

// replace overwrites the documents the change replaces. They were read
// before the locks were taken, and are read again now that they are held:
// only a document still exactly as journalled may be replaced, or a write
// that came in between would be lost, and a rollback would restore the
// wrong image. Under the lock, no other writer can change it from here on,
// so the replace selects by _id alone, which FerretDB looks up by key (a
// guard in the filter would make it scan the collection, and would be no
// compare-and-swap on FerretDB anyway).
func (s *Store) replace(ctx context.Context, j journal, updates []update) error {
	if len(updates) == 0 {
		return nil
	}
	ids := map[string][]string{}
	for _, u := range updates {
		ids[u.coll] = append(ids[u.coll], u.id)
	}
	now, err := s.current(ctx, ids)
	if err != nil {
		return err
	}
	for i, u := range updates {
		if !bytes.Equal(now[u.lockID()], j.Before[i].Doc) {
			return changed(u.what)
		}
	}
	for _, u := range updates {
		u.doc["txn"] = j.ID
		res, err := s.c(u.coll).ReplaceOne(ctx, bson.M{"_id": u.id}, u.doc)
		if err != nil {
			return fmt.Errorf("mongo: update %s: %w", u.what, err)
		}
		if res.MatchedCount != 1 {
			return changed(u.what)
		}
	}
	return nil
}

// current reads the documents with ids, by collection, keyed by lock id.
func (s *Store) current(ctx context.Context, ids map[string][]string) (map[string]bson.Raw, error) {
	out := map[string]bson.Raw{}
	for coll, list := range ids {
		err := byIDs(list, func(filter bson.M) error {
			cur, err := s.c(coll).Find(ctx, filter)
			if err != nil {
				return err
			}
			defer cur.Close(ctx)
			for cur.Next(ctx) {
				id, _ := cur.Current.Lookup("_id").StringValueOK()
				out[coll+"/"+id] = append(bson.Raw(nil), cur.Current...)
			}
			return cur.Err()
		})
		if err != nil {
			return nil, fmt.Errorf("mongo: read %s: %w", coll, err)
		}
	}
	return out, nil
}

// matches compares a stored guard field with the value the writer read.
func matches(v bson.RawValue, want any) bool {
	switch w := want.(type) {
	case int64:
		n, ok := v.AsInt64OK()
		return ok && n == w
	case string:
		s, ok := v.StringValueOK()
		return ok && s == w
	}
	return false
}
