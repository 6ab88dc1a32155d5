package mongo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// AddScan implements trace.Store.
func (s *Store) AddScan(ctx context.Context, sc trace.Scan) error {
	return s.AddScans(ctx, []trace.Scan{sc})
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
	if len(f.Verdicts) > 0 {
		filter["verdict"] = bson.M{"$in": f.Verdicts}
	}
	return listDocs[trace.Scan](ctx, s.c(cScans), filter, options.Find().SetSort(bson.D{{Key: "time", Value: -1}}).SetLimit(int64(limit)))
}

// scanVerdictsFilled marks in cMigrations that fillScanVerdicts has run.
const scanVerdictsFilled = "scan-verdicts"

// fillScanVerdicts gives scans stored before the verdict had a field of its
// own (so alerts are found by index) the verdict from their document.
// Setting the same value twice is harmless.
func (s *Store) fillScanVerdicts(ctx context.Context) error {
	cur, err := s.c(cScans).Find(ctx, bson.M{"verdict": bson.M{"$exists": false}})
	if err != nil {
		return fmt.Errorf("mongo: scan verdicts: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d struct {
			ID  string `bson:"_id"`
			Doc string `bson:"doc"`
		}
		var sc trace.Scan
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("mongo: scan verdicts: %w", err)
		}
		if err := json.Unmarshal([]byte(d.Doc), &sc); err != nil {
			return fmt.Errorf("mongo: scan verdicts: scan %s: %w", d.ID, err)
		}
		if _, err := s.c(cScans).UpdateOne(ctx, bson.M{"_id": d.ID}, bson.M{"$set": bson.M{"verdict": sc.Verdict}}); err != nil {
			return fmt.Errorf("mongo: scan verdicts: scan %s: %w", d.ID, err)
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("mongo: scan verdicts: %w", err)
	}
	return nil
}
