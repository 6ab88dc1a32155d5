// Package custody holds the rules every ledger enforces on custody records: one
// hash-linked chain per (kind, key), no gaps, no overwrites. The Fabric chaincode and
// the embedded ledger both call Validate, so the two ledgers cannot drift apart.
package custody

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Record kinds. A kind names a family of chains: lot custody events today,
// complaints next; every kind follows the same rules.
const (
	KindEvent     = "event"
	KindComplaint = "complaint"
	KindLicence   = "licence"
)

// Equal reports whether r and o are the same record, field by field.
func (r Record) Equal(o Record) bool {
	return r.Kind == o.Kind && r.Key == o.Key && r.Seq == o.Seq && r.Hash == o.Hash && r.PrevHash == o.PrevHash &&
		r.Act == o.Act && r.To == o.To && r.By == o.By && slices.Equal(r.From, o.From)
}

// What a record does to its chain's custody (Record.Act). A ledger shared by
// several organizations enforces them (see Authorize); the hash says what
// happened, the act says who may write it.
const (
	// ActStep (empty) is the custodian's own step: the first record of a
	// chain, which makes its writer owner and custodian, or any later one.
	ActStep = ""
	// ActShip hands custody on: the custodian names the next custodian in To.
	ActShip = "ship"
	// ActReceive is the named organization taking custody of a shipment.
	ActReceive = "receive"
	// ActRecall stops a chain's goods: the owner that started the chain, the
	// custodian or a regulator may write it.
	ActRecall = "recall"
	// ActRegulate is an oversight record (an inspection, a certificate, a
	// complaint action, a licence revoked) that only a regulator writes, on
	// any chain, without touching custody.
	ActRegulate = "regulate"
)

// Record is one link of a chain as the ledger stores it.
type Record struct {
	Kind     string `json:"kind"`
	Key      string `json:"key"`
	Seq      uint64 `json:"seq"`
	Hash     string `json:"hash"`
	PrevHash string `json:"prevHash"`
	// Act says what the record does to custody; To names the organization a
	// shipment goes to (Act ship).
	Act string `json:"act,omitempty"`
	To  string `json:"to,omitempty"`
	// By is the ledger organization (a Fabric MSP id) that writes the record:
	// the ledger signs its transaction with that organization's identity,
	// and a shared ledger refuses a record whose By is not its signer.
	By string `json:"by,omitempty"`
	// From names, on a chain's first record, the chains of the same kind it
	// was made from (a pressing's seed lots, a split's parent): their
	// owners, and theirs, may recall it.
	From []string `json:"from,omitempty"`
}

// Entry is a record as held by a ledger, with who wrote it and where.
type Entry struct {
	Record
	Org   string `json:"org"`
	TxID  string `json:"txId"`
	Block uint64 `json:"block,omitempty"`
}

// Errors returned by Validate. Their messages are stable: clients and tests match them.
var (
	ErrInvalid   = errors.New("custody: invalid record")
	ErrGap       = errors.New("custody: gap in chain")
	ErrPrevHash  = errors.New("custody: prevHash does not match previous record")
	ErrOverwrite = errors.New("custody: record exists with a different hash")
)

// State is what a ledger already holds. Get returns nil and no error when the
// record is absent.
type State interface {
	Get(kind, key string, seq uint64) (*Record, error)
}

var (
	hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
	kindPattern = regexp.MustCompile(`^[a-z]{1,32}$`)
)

// Check reports whether r is well formed on its own.
func (r Record) Check() error {
	if !kindPattern.MatchString(r.Kind) {
		return fmt.Errorf("%w: kind %q", ErrInvalid, r.Kind)
	}
	if err := r.checkKey(); err != nil {
		return err
	}
	switch {
	case !hashPattern.MatchString(r.Hash):
		return fmt.Errorf("%w: %s/%s seq %d: hash must be 64 lowercase hex digits", ErrInvalid, r.Kind, r.Key, r.Seq)
	case r.Seq == 0 && r.PrevHash != "":
		return fmt.Errorf("%w: %s/%s seq 0 must have an empty prevHash", ErrInvalid, r.Kind, r.Key)
	case r.Seq > 0 && !hashPattern.MatchString(r.PrevHash):
		return fmt.Errorf("%w: %s/%s seq %d: prevHash must be 64 lowercase hex digits", ErrInvalid, r.Kind, r.Key, r.Seq)
	}
	return r.checkAct()
}

// checkKey reports whether r's key can name a chain on every ledger.
func (r Record) checkKey() error {
	switch {
	case r.Key == "" || len(r.Key) > 128:
		return fmt.Errorf("%w: key must be 1 to 128 bytes", ErrInvalid)
	case !utf8.ValidString(r.Key) || strings.ContainsAny(r.Key, "\x00\U0010FFFF"):
		// Fabric's composite keys cannot hold these; refusing them everywhere
		// keeps the embedded ledger and the chaincode in step.
		return fmt.Errorf("%w: key %q must be UTF-8 without U+0000 or U+10FFFF", ErrInvalid, r.Key)
	}
	return nil
}

// Validate checks records in order against st and returns those that are new.
// A record already held with the same hash is an idempotent re-send and is left
// out of the result; one held with another hash is refused. Records in the same
// batch may chain on each other: a ledger's reads inside one transaction do not
// see that transaction's own writes, so Validate keeps them itself.
func Validate(st State, recs []Record) ([]Record, error) {
	type id struct {
		kind, key string
		seq       uint64
	}
	pending := make(map[id]Record, len(recs))
	get := func(kind, key string, seq uint64) (*Record, error) {
		if r, ok := pending[id{kind, key, seq}]; ok {
			return &r, nil
		}
		return st.Get(kind, key, seq)
	}
	var fresh []Record
	for _, r := range recs {
		if err := r.Check(); err != nil {
			return nil, err
		}
		have, err := get(r.Kind, r.Key, r.Seq)
		if err != nil {
			return nil, fmt.Errorf("custody: read %s/%s seq %d: %w", r.Kind, r.Key, r.Seq, err)
		}
		if have != nil {
			if have.Hash != r.Hash || have.PrevHash != r.PrevHash {
				return nil, fmt.Errorf("%w: %s/%s seq %d", ErrOverwrite, r.Kind, r.Key, r.Seq)
			}
			continue
		}
		if r.Seq > 0 {
			prev, err := get(r.Kind, r.Key, r.Seq-1)
			if err != nil {
				return nil, fmt.Errorf("custody: read %s/%s seq %d: %w", r.Kind, r.Key, r.Seq-1, err)
			}
			if prev == nil {
				return nil, fmt.Errorf("%w: %s/%s seq %d has no seq %d before it", ErrGap, r.Kind, r.Key, r.Seq, r.Seq-1)
			}
			if prev.Hash != r.PrevHash {
				return nil, fmt.Errorf("%w: %s/%s seq %d", ErrPrevHash, r.Kind, r.Key, r.Seq)
			}
		}
		pending[id{r.Kind, r.Key, r.Seq}] = r
		fresh = append(fresh, r)
	}
	return fresh, nil
}
