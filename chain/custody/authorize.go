package custody

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
)

// ErrForbidden is a record its writer may not write: a chain extended by an
// organization that does not hold it, a shipment received by one it was not
// sent to, a regulator writing anything but oversight. Its message is
// stable: clients and tests match it.
var ErrForbidden = errors.New("custody: writer may not write this record")

// Holder is how a chain is held: the organization that started it, the one
// that has custody now, the one a shipment is on its way to, and the chains
// it was made from, whose owners (and theirs, upstream) may recall it.
type Holder struct {
	Owner     string   `json:"owner"`
	Custodian string   `json:"custodian"`
	Pending   string   `json:"pending,omitempty"`
	From      []string `json:"from,omitempty"`
}

// Equal reports whether h and o hold a chain the same way.
func (h Holder) Equal(o Holder) bool {
	return h.Owner == o.Owner && h.Custodian == o.Custodian && h.Pending == o.Pending && slices.Equal(h.From, o.From)
}

// Upstream reports whether org owns one of the chains named in from, or one
// of the chains those were made from, and so on up. A ledger answers it from
// the holders it keeps, when a recall needs it: looking up only then means a
// lot may reach the ledger before the lots it was made from.
type Upstream func(from []string, org string) (bool, error)

// maxFrom bounds the chains one record may say it was made from.
const maxFrom = 64

// orgPattern is what a ledger organization's name may be: an MSP id.
var orgPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ValidOrg reports whether s can name a ledger organization (an MSP id) in a
// record's By or To.
func ValidOrg(s string) bool { return orgPattern.MatchString(s) }

// checkAct reports whether r's act, and the organizations it names, are well
// formed on their own.
func (r Record) checkAct() error {
	switch r.Act {
	case ActStep, ActReceive, ActRecall, ActRegulate:
		if r.To != "" {
			return fmt.Errorf("%w: %s/%s seq %d: only a shipment names an organization to", ErrInvalid, r.Kind, r.Key, r.Seq)
		}
	case ActShip:
		// A ledger without organizations (the embedded one) ships to no one
		// in particular; Authorize wants the receiver named.
		if r.To != "" && !orgPattern.MatchString(r.To) {
			return fmt.Errorf("%w: %s/%s seq %d: shipped to %q", ErrInvalid, r.Kind, r.Key, r.Seq, r.To)
		}
	default:
		return fmt.Errorf("%w: %s/%s seq %d: unknown act %q", ErrInvalid, r.Kind, r.Key, r.Seq, r.Act)
	}
	if r.By != "" && !orgPattern.MatchString(r.By) {
		return fmt.Errorf("%w: %s/%s seq %d: writer %q", ErrInvalid, r.Kind, r.Key, r.Seq, r.By)
	}
	if len(r.From) > 0 && r.Seq != 0 {
		return fmt.Errorf("%w: %s/%s seq %d: only a chain's first record says what it was made from", ErrInvalid, r.Kind, r.Key, r.Seq)
	}
	if len(r.From) > maxFrom {
		return fmt.Errorf("%w: %s/%s: made from %d chains, at most %d", ErrInvalid, r.Kind, r.Key, len(r.From), maxFrom)
	}
	for _, k := range r.From {
		if err := (Record{Kind: r.Kind, Key: k}).checkKey(); err != nil || k == r.Key {
			return fmt.Errorf("%w: %s/%s: made from %q", ErrInvalid, r.Kind, r.Key, k)
		}
	}
	return nil
}

// Authorize decides whether org, the organization whose identity signed the
// transaction (a regulator when regulator is true), may write r onto a chain
// held as h (nil before its first record), and returns how the chain is held
// after it. upstream is asked only for a recall by an organization that is
// neither owner nor custodian. The rules:
//   - the first record's writer owns the chain and has custody of it; the
//     owners upstream of the chains it was made from may recall it; a
//     regulator starts no chain but a complaint's;
//   - the custodian writes its own steps, and hands custody on only by a
//     shipment naming the next organization, which takes custody by writing
//     the receipt;
//   - the owner, the custodian, an owner upstream or a regulator may recall;
//   - a regulator writes oversight records on any chain, and nothing else.
//
// A record naming a writer (By) other than the signer is refused, so the
// ledger never shows one organization's record under another's name.
func Authorize(h *Holder, r Record, org string, regulator bool, upstream Upstream) (Holder, error) {
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
		if regulator && r.Kind != KindComplaint {
			return deny("regulator %s starts no chain but a complaint's", org)
		}
		if r.Act != ActStep {
			return deny("a chain starts with its owner's own step, not %q", r.Act)
		}
		return Holder{Owner: org, Custodian: org, From: r.From}, nil
	}
	next := *h
	switch r.Act {
	case ActRegulate:
		if !regulator {
			return deny("only a regulator writes oversight records, not %s", org)
		}
		return next, nil
	case ActRecall:
		if regulator || org == h.Owner || org == h.Custodian {
			return next, nil
		}
		if len(h.From) > 0 {
			up, err := upstream(h.From, org)
			if err != nil {
				return Holder{}, err
			}
			if up {
				return next, nil
			}
		}
		return deny("only the owner %s, the custodian %s, an owner upstream or a regulator may recall, not %s", h.Owner, h.Custodian, org)
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
		if r.To == "" {
			return Holder{}, fmt.Errorf("%w: %s/%s seq %d: a shipment must name the organization it goes to", ErrInvalid, r.Kind, r.Key, r.Seq)
		}
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
