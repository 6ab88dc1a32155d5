package mongo

import (
	"context"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// AddScan implements trace.Store.
func (s *Store) AddScan(ctx context.Context, sc trace.Scan) error {
	_, err := s.c(cScans).InsertOne(ctx, bson.M{"_id": sc.ID, "serial": sc.Serial, "lot": sc.Lot, "time": sc.Time.UTC(), "doc": mustJSON(sc)})
	if err != nil {
		return fmt.Errorf("mongo: add scan: %w", err)
	}
	return nil
}

// Scans implements trace.Store.
func (s *Store) Scans(ctx context.Context, f trace.ScanFilter) ([]trace.Scan, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	filter := bson.M{}
	switch {
	case f.Serial != "":
		filter["serial"] = f.Serial
	case f.Lot != "":
		filter["lot"] = f.Lot
	}
	return listDocs[trace.Scan](ctx, s.c(cScans), filter, options.Find().SetSort(bson.D{{Key: "time", Value: -1}}).SetLimit(int64(limit)))
}
