package custody

import (
	"errors"
	"fmt"
	"regexp"
)

// ErrForbidden is a record its writer may not write: a chain extended by an
// organization that does not hold it, a shipment received by one it was not
// sent to, a regulator writing anything but oversight. Its message is
// stable: clients and tests match it.
var ErrForbidden = errors.New("custody: writer may not write this record")

// Holder is how a chain is held: the organization that started it, the one
// that has custody now, and the one a shipment is on its way to.
type Holder struct {
	Owner     string `json:"owner"`
	Custodian string `json:"custodian"`
	Pending   string `json:"pending,omitempty"`
}

// orgPattern is what a ledger organization's name may be: an MSP id.
var orgPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// checkAct reports whether r's act, and the organizations it names, are well
// formed on their own.
func (r Record) checkAct() error {
	switch r.Act {
	case ActStep, ActReceive, ActRecall, ActRegulate:
		if r.To != "" {
			return fmt.Errorf("%w: %s/%s seq %d: only a shipment names an organization to", ErrInvalid, r.Kind, r.Key, r.Seq)
		}
	case ActShip:
		if !orgPattern.MatchString(r.To) {
			return fmt.Errorf("%w: %s/%s seq %d: a shipment must name the organization it goes to", ErrInvalid, r.Kind, r.Key, r.Seq)
		}
	default:
		return fmt.Errorf("%w: %s/%s seq %d: unknown act %q", ErrInvalid, r.Kind, r.Key, r.Seq, r.Act)
	}
	if r.By != "" && !orgPattern.MatchString(r.By) {
		return fmt.Errorf("%w: %s/%s seq %d: writer %q", ErrInvalid, r.Kind, r.Key, r.Seq, r.By)
	}
	return nil
}

// Authorize decides whether org, the organization whose identity signed the
// transaction (a regulator when regulator is true), may write r onto a chain
// held as h (nil before its first record), and returns how the chain is held
// after it. The rules:
//   - the first record's writer owns the chain and has custody of it; a
//     regulator starts no chain;
//   - the custodian writes its own steps, and hands custody on only by a
//     shipment naming the next organization, which takes custody by writing
//     the receipt;
//   - the owner, the custodian or a regulator may recall;
//   - a regulator writes oversight records on any chain, and nothing else.
//
// A record naming a writer (By) other than the signer is refused, so the
// ledger never shows one organization's record under another's name.
func Authorize(h *Holder, r Record, org string, regulator bool) (Holder, error) {
	deny := func(why string, args ...any) (Holder, error) {
		return Holder{}, fmt.Errorf("%w: %s/%s seq %d: %s", ErrForbidden, r.Kind, r.Key, r.Seq, fmt.Sprintf(why, args...))
	}
	if err := r.checkAct(); err != nil {
		return Holder{}, err
	}
	if r.By != "" && r.By != org {
		return deny("the record names %s as its writer but %s signed it", r.By, org)
	}
	if h == nil {
		if r.Seq != 0 {
			return deny("the chain has no holder before seq %d", r.Seq)
		}
		if regulator {
			return deny("regulator %s starts no chain", org)
		}
		if r.Act != ActStep {
			return deny("a chain starts with its owner's own step, not %q", r.Act)
		}
		return Holder{Owner: org, Custodian: org}, nil
	}
	next := *h
	switch r.Act {
	case ActRegulate:
		if !regulator {
			return deny("only a regulator writes oversight records, not %s", org)
		}
		return next, nil
	case ActRecall:
		if !regulator && org != h.Owner && org != h.Custodian {
			return deny("only the owner %s, the custodian %s or a regulator may recall, not %s", h.Owner, h.Custodian, org)
		}
		return next, nil
	}
	if regulator {
		return deny("regulator %s writes only oversight records and recalls", org)
	}
	switch r.Act {
	case ActStep:
		if org != h.Custodian {
			return deny("only the custodian %s extends the chain, not %s", h.Custodian, org)
		}
	case ActShip:
		if org != h.Custodian {
			return deny("only the custodian %s ships, not %s", h.Custodian, org)
		}
		next.Pending = r.To
	case ActReceive:
		if h.Pending == "" || org != h.Pending {
			return deny("%s receives a chain that was not shipped to it (shipped to %q)", org, h.Pending)
		}
		next.Custodian, next.Pending = org, ""
	}
	return next, nil
}
