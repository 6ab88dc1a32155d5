package mongo

import (
	"context"
	"errors"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Complaint implements trace.Store.
func (s *Store) Complaint(ctx context.Context, id string) (trace.Complaint, error) {
	var c trace.Complaint
	return c, s.getDoc(ctx, cComplaints, bson.M{"_id": id}, &c, "complaint "+id)
}

// Complaints implements trace.Store.
func (s *Store) Complaints(ctx context.Context, f trace.ComplaintFilter) ([]trace.Complaint, error) {
	filter := bson.M{}
	for field, v := range map[string]string{"status": f.Status, "lot": f.Lot, "serial": f.Serial, "kind": f.Kind} {
		if v != "" {
			filter[field] = v
		}
	}
	created := bson.M{}
	if !f.Since.IsZero() {
		created["$gte"] = f.Since.UTC()
	}
	if !f.Until.IsZero() {
		created["$lt"] = f.Until.UTC()
	}
	if len(created) > 0 {
		filter["created"] = created
	}
	if f.After != nil {
		at := f.After.CreatedAt.UTC()
		filter["$or"] = bson.A{bson.M{"created": bson.M{"$lt": at}}, bson.M{"created": at, "_id": bson.M{"$gt": f.After.ID}}}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	opts := options.Find().SetSort(bson.D{{Key: "created", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit))
	return listDocs[trace.Complaint](ctx, s.c(cComplaints), filter, opts)
}

// ComplaintEntries implements trace.Store.
func (s *Store) ComplaintEntries(ctx context.Context, id string) ([]trace.ComplaintEntry, error) {
	return listDocs[trace.ComplaintEntry](ctx, s.c(cEntries), bson.M{"complaint": id}, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}))
}

// Evidence implements trace.Store.
func (s *Store) Evidence(ctx context.Context, hash string) (trace.Evidence, error) {
	var d struct {
		ContentType string `bson:"contentType"`
		Data        []byte `bson:"data"`
	}
	err := s.c(cEvidence).FindOne(ctx, bson.M{"_id": hash}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return trace.Evidence{}, trace.Errorf(trace.ENOTFOUND, "evidence %s not found", hash)
	}
	if err != nil {
		return trace.Evidence{}, fmt.Errorf("mongo: evidence %s: %w", hash, err)
	}
	return trace.Evidence{Hash: hash, ContentType: d.ContentType, Data: d.Data}, nil
}
