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

// WriteCounter is a store that counts the commits made through it in this
// process (Queue is one): those that wrote a complaint, and those that wrote
// lots, events or units. What a Cache keeps on the strength of a count is
// used only while the count stays where it was when the store was read, so
// a write here takes effect on the next scan. A Judge whose store does not
// count keeps no findings and walks every lot upstream on every scan.
type WriteCounter interface {
	ComplaintWrites() uint64
	LotWrites() uint64
}

// findings adds the regulator's confirmed counterfeit findings: on the serial
// itself, and on its lot where the finding covers the lot. A finding closed
// by a regulator outweighs anything the label and the scans say, so a fake
// that carries a copied genuine serial cannot scan genuine after it was
// found out.
func (j Judge) findings(ctx context.Context, r *Result, serial, lotID string) error {
	filters := []trace.ComplaintFilter{{Lot: lotID}}
	if serial != "" {
		filters = []trace.ComplaintFilter{{Serial: serial}, {Lot: lotID}}
	}
	for _, f := range filters {
		found, err := j.finding(ctx, f)
		if err != nil {
			return fmt.Errorf("findings on %s%s: %w", serial, lotID, err)
		}
		if found != nil {
			r.add(NotGenuine, found.Code, found.ZH, found.EN)
			return nil
		}
	}
	return nil
}

// finding is the finding on one serial or one lot, kept by the Cache per
// serial and per lot, so the bottles of one lot share the lot's.
func (j Judge) finding(ctx context.Context, f trace.ComplaintFilter) (*Reason, error) {
	counter, counts := j.Store.(WriteCounter)
	if !counts {
		return j.confirmed(ctx, f)
	}
	key, gen := f.Serial+"\x00"+f.Lot, counter.ComplaintWrites()
	if found, ok := j.Cache.finding(key, gen); ok {
		return found, nil
	}
	found, err := j.confirmed(ctx, f)
	if err == nil {
		j.Cache.keepFinding(key, gen, found)
	}
	return found, err
}

// confirmed asks the store for the finding that condemns the serial, or the
// whole lot, of f; nil when there is none.
func (j Judge) confirmed(ctx context.Context, f trace.ComplaintFilter) (*Reason, error) {
	f.Status = trace.ComplaintConfirmed
	cs, err := j.Store.Complaints(ctx, f)
	if err != nil {
		return nil, err
	}
	cs = slices.DeleteFunc(cs, func(c trace.Complaint) bool { return !slices.Contains(counterfeitKinds, c.Kind) })
	if f.Serial != "" {
		if len(cs) == 0 {
			return nil, nil
		}
		return &Reason{Code: ConfirmedCounterfeit,
			ZH: fmt.Sprintf("监管部门已查实此序列号的标签被用于假冒或回灌产品（投诉 %s）", cs[0].ID),
			EN: fmt.Sprintf("the regulator has confirmed that this serial's label is on counterfeit or refilled products (complaint %s)", cs[0].ID)}, nil
	}
	for _, c := range cs {
		if c.Scope == trace.ScopeLot {
			return &Reason{Code: ConfirmedCounterfeit,
				ZH: fmt.Sprintf("监管部门已查实此批次存在假冒或回灌产品，整批不可信（投诉 %s）", c.ID),
				EN: fmt.Sprintf("the regulator has confirmed counterfeit or refilled products in this lot, and the finding covers the whole lot (complaint %s)", c.ID)}, nil
		}
	}
	return nil, nil
}
