package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// fillFromDoc gives every document of coll that lacks the field missing the
// fields that fields reads from its JSON "doc", so that records written
// before those fields existed are found by the same indexes. Setting the
// same values twice is harmless, so an interrupted fill simply runs again.
func (s *Store) fillFromDoc(ctx context.Context, coll, missing, what string, fields func(doc string) (bson.M, error)) error {
	cur, err := s.c(coll).Find(ctx, bson.M{missing: bson.M{"$exists": false}})
	if err != nil {
		return fmt.Errorf("mongo: %s: %w", what, err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d struct {
			ID  string `bson:"_id"`
			Doc string `bson:"doc"`
		}
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("mongo: %s: %w", what, err)
		}
		set, err := fields(d.Doc)
		if err != nil {
			return fmt.Errorf("mongo: %s: %s: %w", what, d.ID, err)
		}
		if _, err := s.c(coll).UpdateOne(ctx, bson.M{"_id": d.ID}, bson.M{"$set": set}); err != nil {
			return fmt.Errorf("mongo: %s: %s: %w", what, d.ID, err)
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("mongo: %s: %w", what, err)
	}
	return nil
}
