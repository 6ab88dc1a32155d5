package trace

import (
	"context"
	"strings"
)

// RecallInput says why a lot is recalled.
type RecallInput struct {
	Reason string      `json:"reason"`
	Place  *PlaceInput `json:"place"`
}

// Recall marks a lot and everything made from it, through every transform,
// split and pack downstream, as recalled, in one change. A regulator may recall
// any lot, a producer the lots it brought in or made.
func (s *Service) Recall(ctx context.Context, actor Org, lotID string, in RecallInput) (Result, error) {
	if strings.TrimSpace(in.Reason) == "" {
		return Result{}, FieldErrorf(EINVALID, "reason", "say why the lot is recalled")
	}
	place, err := s.place(actor, in.Place)
	if err != nil {
		return Result{}, err
	}
	return s.write(ctx, func() (*change, error) {
		root, err := s.lotFor(ctx, lotID, "lot")
		if err != nil {
			return nil, err
		}
		if !actor.Has(RoleRegulator) && root.Producer != actor.ID {
			return nil, FieldErrorf(EFORBIDDEN, "lot", "only a regulator or the producer of lot %s (%s) may recall it", root.ID, root.Producer)
		}
		if root.Status == LotRecalled {
			return nil, FieldErrorf(ECONFLICT, "lot", "lot %s is already recalled", root.ID)
		}
		lots, err := s.downstream(ctx, root)
		if err != nil {
			return nil, err
		}
		c := s.newChange(actor, place)
		for _, l := range lots {
			if l.Status == LotRecalled {
				continue
			}
			c.track(l).Status = LotRecalled
			payload := map[string]any{"reason": in.Reason, "origin": root.ID}
			if err := c.append(l.ID, EventRecall, l.Available, payload); err != nil {
				return nil, err
			}
		}
		return c, nil
	})
}

// downstream returns root and every lot made from it, breadth first.
func (s *Service) downstream(ctx context.Context, root Lot) ([]Lot, error) {
	out := []Lot{root}
	seen := map[string]bool{root.ID: true}
	for i := 0; i < len(out); i++ {
		children, err := s.Store.Lots(ctx, LotFilter{Parent: out[i].ID})
		if err != nil {
			return nil, err
		}
		for _, ch := range children {
			if !seen[ch.ID] {
				seen[ch.ID] = true
				out = append(out, ch)
			}
		}
	}
	return out, nil
}

// Recalls lists recalled lots.
func (s *Service) Recalls(ctx context.Context) ([]Lot, error) {
	return s.Store.Lots(ctx, LotFilter{Status: LotRecalled})
}
