package mongo

import (
	"context"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Lot implements trace.Store.
func (s *Store) Lot(ctx context.Context, id string) (trace.Lot, error) {
	var l trace.Lot
	return l, s.getDoc(ctx, cLots, bson.M{"_id": id}, &l, "lot "+id)
}

// Lots implements trace.Store.
func (s *Store) Lots(ctx context.Context, f trace.LotFilter) ([]trace.Lot, error) {
	filter := bson.M{}
	for field, v := range map[string]string{"custodian": f.Custodian, "parents": f.Parent, "status": f.Status, "gtin": f.GTIN} {
		if v != "" {
			filter[field] = v
		}
	}
	if f.Holder != "" {
		// Lots written before holders were kept still name their custodian and producer.
		filter["$or"] = bson.A{bson.M{"holders": f.Holder}, bson.M{"custodian": f.Holder}, bson.M{"producer": f.Holder}}
	}
	if f.Area != "" {
		filter["areas"] = f.Area
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	return listDocs[trace.Lot](ctx, s.c(cLots), filter, opts)
}

// Events implements trace.Store.
func (s *Store) Events(ctx context.Context, lot string) ([]trace.Event, error) {
	return listDocs[trace.Event](ctx, s.c(cEvents), bson.M{"lot": lot}, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}))
}

// Unit implements trace.Store.
func (s *Store) Unit(ctx context.Context, serial string) (trace.Unit, error) {
	var u trace.Unit
	return u, s.getDoc(ctx, cUnits, bson.M{"_id": serial}, &u, "unit "+serial)
}

// Units implements trace.Store.
func (s *Store) Units(ctx context.Context, lot string) ([]trace.Unit, error) {
	return listDocs[trace.Unit](ctx, s.c(cUnits), bson.M{"lot": lot}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
}
