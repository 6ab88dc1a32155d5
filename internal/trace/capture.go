package trace

import (
	"context"
	"slices"
)

// CaptureStep is one event of an EPCIS capture: the REST write it maps to,
// and the identifiers it is remembered by (its eventID and its GS1 event hash
// ID), so that the same event captured again is recorded once.
type CaptureStep struct {
	Step BatchStep
	IDs  []string
}

// Capture applies the events of an EPCIS capture as Batch does, through the
// same rules, in one commit with the ids of every accepted event. An event
// with an id already captured, or repeated within the capture, is refused
// ECONFLICT. With all, one refused event leaves everything unwritten (EPCIS's
// "rollback" capture error behaviour); without it the others are recorded
// ("proceed").
func (s *Service) Capture(ctx context.Context, steps []CaptureStep, all bool) ([]BatchOutcome, error) {
	bs := make([]BatchStep, len(steps))
	ids := make([][]string, len(steps))
	for i, st := range steps {
		// An eventID that is itself the hash ID is one identifier.
		bs[i], ids[i] = st.Step, slices.Compact(slices.Sorted(slices.Values(st.IDs)))
	}
	return s.batch(ctx, bs, ids, all)
}

// captured returns which of ids the store has recorded, as a set.
func (s *Service) captured(ctx context.Context, ids [][]string) (map[string]bool, error) {
	var all []string
	for _, l := range ids {
		all = append(all, l...)
	}
	seen := map[string]bool{}
	if len(all) == 0 {
		return seen, nil
	}
	got, err := s.Store.Captured(ctx, all)
	if err != nil {
		return nil, err
	}
	for _, id := range got {
		seen[id] = true
	}
	return seen, nil
}

// firstSeen returns the first of step i's ids in seen, or "".
func firstSeen(seen map[string]bool, ids [][]string, i int) string {
	if ids == nil {
		return ""
	}
	for _, id := range ids[i] {
		if seen[id] {
			return id
		}
	}
	return ""
}
