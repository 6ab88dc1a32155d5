package mongo

import (
	"context"
	"encoding/json"

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
func (s *Store) fillScanVerdicts(ctx context.Context) error {
	return s.fillFromDoc(ctx, cScans, "verdict", "scan verdicts", func(doc string) (bson.M, error) {
		var sc trace.Scan
		if err := json.Unmarshal([]byte(doc), &sc); err != nil {
			return nil, err
		}
		return bson.M{"verdict": sc.Verdict}, nil
	})
}
