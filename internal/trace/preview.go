package trace

import "context"

// PreviewTransform is a transform's dry run for a form, before it is sent:
// the same checks and yield rules as Transform on the lots as they are now,
// recording nothing. It returns each output's yield from each input
// category against the rule's range, and the error Transform would return
// now (nil: it would be recorded, unless the lots change in between).
func (s *Service) PreviewTransform(ctx context.Context, actor Org, in TransformInput) ([]Yield, error) {
	outs, place, err := s.transformChecks(ctx, actor, in)
	if err != nil {
		return nil, err
	}
	// The change is never written: takeInputs only marks its own copies.
	c := s.newChange(actor, place)
	inputs, err := s.takeInputs(ctx, c, actor, in.Inputs)
	if err != nil {
		return nil, err
	}
	w, err := s.weigh(ctx, inputs, in.Outputs, outs)
	if err != nil {
		return nil, err
	}
	var ys []Yield
	for i, o := range w.made {
		for _, y := range s.yieldsOf(o, w.byCategory) {
			y.Output = i
			ys = append(ys, y)
		}
	}
	_, err = s.balance(ctx, inputs, in.Outputs, outs)
	return ys, err
}
