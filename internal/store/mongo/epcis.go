package mongo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// eventDoc is an event as stored: the domain's JSON, and beside it the
// fields the lot's chain and the EPCIS query interface look events up by.
func eventDoc(e trace.Event) bson.M {
	return bson.M{"lot": e.Lot, "seq": e.Seq, "ms": e.Time.UnixMilli(), "type": e.Type, "doc": mustJSON(e)}
}

// eventTimesFilled marks in cMigrations that fillEventTimes has run.
const eventTimesFilled = "event-times"

// fillEventTimes gives events stored before the EPCIS query interface their
// time and type as fields of their own, from their document.
func (s *Store) fillEventTimes(ctx context.Context) error {
	return s.fillFromDoc(ctx, cEvents, "ms", "event times", func(doc string) (bson.M, error) {
		var e trace.Event
		if err := json.Unmarshal([]byte(doc), &e); err != nil {
			return nil, err
		}
		return bson.M{"ms": e.Time.UnixMilli(), "type": e.Type}, nil
	})
}

// EventsPage implements trace.Store.
func (s *Store) EventsPage(ctx context.Context, f trace.EventFilter) ([]trace.Event, error) {
	and := bson.A{}
	if len(f.Types) > 0 {
		and = append(and, bson.M{"type": bson.M{"$in": f.Types}})
	}
	if !f.From.IsZero() {
		and = append(and, bson.M{"ms": bson.M{"$gte": f.From.UnixMilli()}})
	}
	if !f.To.IsZero() {
		and = append(and, bson.M{"ms": bson.M{"$lt": f.To.UnixMilli()}})
	}
	if a := f.After; a != nil {
		ms := a.Time.UnixMilli()
		and = append(and, bson.M{"$or": bson.A{
			bson.M{"ms": bson.M{"$gt": ms}},
			bson.M{"ms": ms, "lot": bson.M{"$gt": a.Lot}},
			bson.M{"ms": ms, "lot": a.Lot, "seq": bson.M{"$gt": a.Seq}},
		}})
	}
	filter := bson.M{}
	if len(and) > 0 {
		filter["$and"] = and
	}
	opts := options.Find().SetSort(bson.D{{Key: "ms", Value: 1}, {Key: "lot", Value: 1}, {Key: "seq", Value: 1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	return listDocs[trace.Event](ctx, s.c(cEvents), filter, opts)
}

// Captured implements trace.Store.
func (s *Store) Captured(ctx context.Context, ids []string) ([]string, error) {
	out := []string{}
	if len(ids) == 0 {
		return out, nil
	}
	cur, err := s.c(cCaptured).Find(ctx, bson.M{"_id": bson.M{"$in": ids}})
	if err != nil {
		return nil, fmt.Errorf("mongo: captured events: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d struct {
			ID string `bson:"_id"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("mongo: captured events: %w", err)
		}
		out = append(out, d.ID)
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("mongo: captured events: %w", err)
	}
	return out, nil
}
