package mongo

import (
	"context"
	"slices"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// walkChunk bounds the ids of one $in, keeping each query document small
// however wide a level of the graph is.
const walkChunk = 1000

// LotsByID implements trace.Store.
func (s *Store) LotsByID(ctx context.Context, ids []string) ([]trace.Lot, error) {
	return s.lotsIn(ctx, "_id", ids)
}

// ChildLots implements trace.Store.
func (s *Store) ChildLots(ctx context.Context, parents []string) ([]trace.Lot, error) {
	out, err := s.lotsIn(ctx, "parents", parents)
	if err != nil {
		return nil, err
	}
	// A lot made from parents in two chunks comes back twice.
	slices.SortFunc(out, func(a, b trace.Lot) int { return strings.Compare(a.ID, b.ID) })
	return slices.CompactFunc(out, func(a, b trace.Lot) bool { return a.ID == b.ID }), nil
}

// lotsIn reads the lots whose field holds one of values, a chunk at a time.
func (s *Store) lotsIn(ctx context.Context, field string, values []string) ([]trace.Lot, error) {
	out := []trace.Lot{}
	for chunk := range slices.Chunk(values, walkChunk) {
		lots, err := listDocs[trace.Lot](ctx, s.c(cLots), bson.M{field: bson.M{"$in": chunk}})
		if err != nil {
			return nil, err
		}
		out = append(out, lots...)
	}
	return out, nil
}
