package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// cSummaries holds one trace.ScanSummary per scanned label, with a version
// v that guards its updates.
const cSummaries = "scan_summaries"

// AddScans implements trace.Store. FerretDB has no multi-document
// transactions, so this is two steps that are each safe to repeat: the
// summaries first (folding a scan in twice changes nothing), then the scans
// in one unordered insert that skips those already there. A batch that fails
// halfway is written again whole; a crash between the steps leaves summaries
// that count scans whose records were lost with the batch, erring towards
// suspicion.
func (s *Store) AddScans(ctx context.Context, scans []trace.Scan) error {
	bySerial := map[string][]trace.Scan{}
	var order []string
	docs := make([]any, 0, len(scans))
	for _, sc := range scans {
		docs = append(docs, bson.M{"_id": sc.ID, "serial": sc.Serial, "lot": sc.Lot, "time": sc.Time.UTC(), "verdict": sc.Verdict, "doc": mustJSON(sc)})
		if sc.Serial == "" {
			continue
		}
		if bySerial[sc.Serial] == nil {
			order = append(order, sc.Serial)
		}
		bySerial[sc.Serial] = append(bySerial[sc.Serial], sc)
	}
	for _, serial := range order {
		if err := s.foldSummary(ctx, serial, bySerial[serial]); err != nil {
			return fmt.Errorf("mongo: add %d scans: %w", len(scans), err)
		}
	}
	if len(docs) == 0 {
		return nil
	}
	_, err := s.c(cScans).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !onlyDuplicates(err) {
		return fmt.Errorf("mongo: add %d scans: %w", len(scans), err)
	}
	return nil
}

// foldSummary adds scans to a label's summary, reading and writing it again
// if another writer changed it in between.
func (s *Store) foldSummary(ctx context.Context, serial string, scans []trace.Scan) error {
	for {
		sum, v, err := s.summary(ctx, serial)
		if err != nil {
			return err
		}
		for _, sc := range scans {
			sum.Add(sc)
		}
		doc := bson.M{"_id": serial, "v": v + 1, "doc": mustJSON(sum)}
		if v == 0 {
			_, err = s.c(cSummaries).InsertOne(ctx, doc)
			if mongo.IsDuplicateKeyError(err) {
				continue
			}
			return err
		}
		res, err := s.c(cSummaries).ReplaceOne(ctx, bson.M{"_id": serial, "v": v}, doc)
		if err != nil {
			return err
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
}

// ScanSummary implements trace.Store.
func (s *Store) ScanSummary(ctx context.Context, serial string) (trace.ScanSummary, error) {
	sum, _, err := s.summary(ctx, serial)
	if err != nil {
		return trace.ScanSummary{}, fmt.Errorf("mongo: scan summary of %s: %w", serial, err)
	}
	return sum, nil
}

// summary reads a label's summary and its version, 0 when it has none.
func (s *Store) summary(ctx context.Context, serial string) (trace.ScanSummary, int64, error) {
	var d struct {
		V   int64  `bson:"v"`
		Doc string `bson:"doc"`
	}
	sum := trace.ScanSummary{Serial: serial}
	err := s.c(cSummaries).FindOne(ctx, bson.M{"_id": serial}).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return sum, 0, nil
	case err != nil:
		return sum, 0, err
	}
	return sum, d.V, json.Unmarshal([]byte(d.Doc), &sum)
}

// onlyDuplicates reports an insert whose every failure is a document that
// already exists.
func onlyDuplicates(err error) bool {
	var bw mongo.BulkWriteException
	if !errors.As(err, &bw) || bw.WriteConcernError != nil || len(bw.WriteErrors) == 0 {
		return false
	}
	for _, we := range bw.WriteErrors {
		if we.Code != 11000 {
			return false
		}
	}
	return true
}

// scanSummariesFilled marks in cMigrations that summarizeScans has run.
const scanSummariesFilled = "scan-summaries"

// summarizeScans gives the labels scanned before summaries were kept their
// summary. Each is rebuilt from the label's whole history, so instances that
// race here write the same thing.
func (s *Store) summarizeScans(ctx context.Context) error {
	scans, err := listDocs[trace.Scan](ctx, s.c(cScans), bson.M{"serial": bson.M{"$ne": ""}}, options.Find().SetSort(bson.D{{Key: "serial", Value: 1}, {Key: "time", Value: 1}}))
	if err != nil {
		return fmt.Errorf("mongo: scan summaries: %w", err)
	}
	for i := 0; i < len(scans); {
		sum := trace.ScanSummary{Serial: scans[i].Serial}
		for ; i < len(scans) && scans[i].Serial == sum.Serial; i++ {
			sum.Add(scans[i])
		}
		doc := bson.M{"_id": sum.Serial, "v": 1, "doc": mustJSON(sum)}
		if _, err := s.c(cSummaries).ReplaceOne(ctx, bson.M{"_id": sum.Serial}, doc, options.Replace().SetUpsert(true)); err != nil {
			return fmt.Errorf("mongo: scan summaries: %s: %w", sum.Serial, err)
		}
	}
	return nil
}
