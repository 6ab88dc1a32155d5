package trace

import (
	"context"
	"strings"
	"unicode/utf8"
)

// RecallInput says why a lot is recalled and what its buyers should do.
type RecallInput struct {
	Reason string `json:"reason"`
	// Advice tells consumers what to do: stop eating it, where to return it,
	// whom to call. It is kept in the recall event, so it is hashed and
	// anchored with the reason; empty means DefaultRecallAdvice.
	Advice string      `json:"advice,omitempty"`
	Place  *PlaceInput `json:"place"`
}

// DefaultRecallAdvice is what a recall tells consumers when the recalling
// organization gave no advice of its own: 12315 is the national
// market-regulation hotline every shopper can reach.
const DefaultRecallAdvice = "请立即停止食用，凭购买凭证退回购买处。如有疑问或不适，请拨打市场监管投诉举报电话 12315。" +
	" Stop consuming it now and return it to the shop where you bought it. For questions or health concerns call the market regulation hotline 12315."

// maxRecallAdvice bounds the advice shown on every affected scan page.
const maxRecallAdvice = 1000

// Recall marks a lot and everything made from it, through every transform,
// split and pack downstream, as recalled, in one change. A regulator may recall
// the lots it may read, a producer the lots it brought in or made (mayRecall).
func (s *Service) Recall(ctx context.Context, actor Org, lotID string, in RecallInput) (Result, error) {
	if strings.TrimSpace(in.Reason) == "" {
		return Result{}, FieldErrorf(EINVALID, "reason", "say why the lot is recalled")
	}
	advice := strings.TrimSpace(in.Advice)
	switch {
	case advice == "":
		advice = DefaultRecallAdvice
	case utf8.RuneCountInString(advice) > maxRecallAdvice:
		return Result{}, FieldErrorf(EINVALID, "advice", "advice to consumers must be at most %d characters", maxRecallAdvice)
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
		if err := s.mayRecall(ctx, actor, root); err != nil {
			return nil, err
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
			payload := map[string]any{"reason": in.Reason, "advice": advice, "origin": root.ID}
			if err := c.append(l.ID, EventRecall, l.Available, payload); err != nil {
				return nil, err
			}
		}
		return c, nil
	})
}

// Recalls lists recalled lots.
func (s *Service) Recalls(ctx context.Context) ([]Lot, error) {
	return s.Store.Lots(ctx, LotFilter{Status: LotRecalled})
}
