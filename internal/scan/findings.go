package scan

import (
	"context"
	"fmt"
	"slices"

	"github.com/agritrace/agritrace/internal/trace"
)

// counterfeitKinds are the complaint kinds whose confirmation says the
// product itself is not ours.
var counterfeitKinds = []string{"counterfeit", "refill"}

// findings adds the regulator's confirmed counterfeit findings: on the serial
// itself, and on its lot where the finding covers the lot. A finding closed
// by a regulator outweighs anything the label and the scans say, so a fake
// that carries a copied genuine serial cannot scan genuine after it was
// found out.
func (j Judge) findings(ctx context.Context, r *Result, serial, lotID string) error {
	confirmed := func(f trace.ComplaintFilter) ([]trace.Complaint, error) {
		f.Status = trace.ComplaintConfirmed
		cs, err := j.Store.Complaints(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("findings on %s%s: %w", serial, lotID, err)
		}
		return slices.DeleteFunc(cs, func(c trace.Complaint) bool { return !slices.Contains(counterfeitKinds, c.Kind) }), nil
	}
	if serial != "" {
		cs, err := confirmed(trace.ComplaintFilter{Serial: serial})
		if err != nil {
			return err
		}
		if len(cs) > 0 {
			r.add(NotGenuine, ConfirmedCounterfeit,
				fmt.Sprintf("监管部门已查实此序列号的标签被用于假冒或回灌产品（投诉 %s）", cs[0].ID),
				fmt.Sprintf("the regulator has confirmed that this serial's label is on counterfeit or refilled products (complaint %s)", cs[0].ID))
			return nil
		}
	}
	cs, err := confirmed(trace.ComplaintFilter{Lot: lotID})
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.Scope == trace.ScopeLot {
			r.add(NotGenuine, ConfirmedCounterfeit,
				fmt.Sprintf("监管部门已查实此批次存在假冒或回灌产品，整批不可信（投诉 %s）", c.ID),
				fmt.Sprintf("the regulator has confirmed counterfeit or refilled products in this lot, and the finding covers the whole lot (complaint %s)", c.ID))
			return nil
		}
	}
	return nil
}
