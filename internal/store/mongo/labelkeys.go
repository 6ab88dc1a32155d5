package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// cLabelKeyrings holds one document per version of the shared label keyring,
// with the version as _id: FerretDB's only atomic conflict check is a
// duplicate key on insert, so two instances writing the same next version
// cannot both win, where a guarded update of one document could lose a key.
const cLabelKeyrings = "label_keyrings"

type keyringDoc struct {
	Version int64     `bson:"_id"`
	Sealed  []byte    `bson:"sealed"`
	Created time.Time `bson:"created"`
}

// LabelKeyring implements trace.Store.
func (s *Store) LabelKeyring(ctx context.Context) (trace.SealedKeyring, error) {
	var d keyringDoc
	err := s.c(cLabelKeyrings).FindOne(ctx, bson.M{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return trace.SealedKeyring{}, trace.Errorf(trace.ENOTFOUND, "no label keyring in the store")
	}
	if err != nil {
		return trace.SealedKeyring{}, fmt.Errorf("mongo: read label keyring: %w", err)
	}
	return trace.SealedKeyring{Version: d.Version, Sealed: d.Sealed, CreatedAt: d.Created}, nil
}

// PutLabelKeyring implements trace.Store.
func (s *Store) PutLabelKeyring(ctx context.Context, k trace.SealedKeyring) error {
	_, err := s.c(cLabelKeyrings).InsertOne(ctx, keyringDoc{Version: k.Version, Sealed: k.Sealed, Created: k.CreatedAt.UTC()})
	if mongo.IsDuplicateKeyError(err) {
		return trace.Errorf(trace.ECONFLICT, "label keyring version %d was written by another instance", k.Version)
	}
	if err != nil {
		return fmt.Errorf("mongo: store label keyring %d: %w", k.Version, err)
	}
	return nil
}
