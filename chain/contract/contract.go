// Package contract is the Fabric chaincode that holds custody records. It
// applies custody.Validate, the same rules as the embedded ledger, to records
// read from world state, so each chain is enforced by every endorsing peer:
// no gap, no overwrite, an identical re-send accepted and not written twice.
// On top of those it applies custody.Authorize to the organization that
// signed the transaction, so that on a channel shared by several
// organizations only a chain's holder extends it, custody passes only by a
// shipment and its receipt, and regulators write only oversight.
package contract

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// objectType prefixes every record's composite key; seq is zero-padded so a
// range over one chain comes back in order. holderType prefixes the key of
// how each chain is held; it is another type, so a range over a chain's
// records never meets it.
const (
	objectType = "custody"
	holderType = "custody-holder"
)

// EventName is the chaincode event each Record transaction that writes
// anything emits, once, with the written records as a JSON array.
const EventName = "custody.recorded"

// Custody is the contract. Its exported methods are its transactions.
type Custody struct {
	contractapi.Contract
	regulators map[string]bool
}

// New returns the contract, with the MSP ids of the channel's regulators:
// the organizations that may write oversight records on any chain and
// nothing else. Every endorsing organization must run it with the same
// list, or their endorsements differ and no transaction is accepted.
func New(regulators ...string) *Custody {
	c := &Custody{regulators: map[string]bool{}}
	for _, r := range regulators {
		c.regulators[r] = true
	}
	return c
}

// key is the world-state key of one record. A key the stub cannot encode
// (invalid UTF-8, U+0000) is the caller's fault, so it is ErrInvalid and the
// client does not retry it.
func key(ctx contractapi.TransactionContextInterface, kind, k string, seq uint64) (string, error) {
	ck, err := ctx.GetStub().CreateCompositeKey(objectType, []string{kind, k, fmt.Sprintf("%020d", seq)})
	if err != nil {
		return "", fmt.Errorf("%w: %s/%q: %v", custody.ErrInvalid, kind, k, err)
	}
	return ck, nil
}

// state reads records from world state for custody.Validate and remembers the
// entries it read, so Record can answer a re-send with its original writer.
type state struct {
	ctx  contractapi.TransactionContextInterface
	seen map[string]custody.Entry
}

func (s state) Get(kind, k string, seq uint64) (*custody.Record, error) {
	e, err := get(s.ctx, kind, k, seq)
	if err != nil || e == nil {
		return nil, err
	}
	s.seen[fmt.Sprintf("%s\x00%s\x00%d", kind, k, seq)] = *e
	return &e.Record, nil
}

func get(ctx contractapi.TransactionContextInterface, kind, k string, seq uint64) (*custody.Entry, error) {
	ck, err := key(ctx, kind, k, seq)
	if err != nil {
		return nil, err
	}
	b, err := ctx.GetStub().GetState(ck)
	if err != nil || b == nil {
		return nil, err
	}
	var e custody.Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("custody: stored record %s/%s/%d: %w", kind, k, seq, err)
	}
	return &e, nil
}

// Record writes a batch of records given as a JSON array, in order. It
// answers with one entry per record given, in the same order: a new record
// with this transaction's id and the submitter's MSP id, a record the ledger
// already held (an idempotent re-send) with the transaction and organization
// that first wrote it. The whole batch is refused if any record breaks the
// chain rules; the error text starts with the custody sentinel's.
func (c *Custody) Record(ctx contractapi.TransactionContextInterface, recordsJSON string) (string, error) {
	var recs []custody.Record
	if err := json.Unmarshal([]byte(recordsJSON), &recs); err != nil {
		return "", fmt.Errorf("%w: records must be a JSON array: %v", custody.ErrInvalid, err)
	}
	if len(recs) == 0 {
		return "", fmt.Errorf("%w: no records", custody.ErrInvalid)
	}
	st := state{ctx: ctx, seen: map[string]custody.Entry{}}
	fresh, err := custody.Validate(st, recs)
	if err != nil {
		return "", err
	}
	msp, err := ctx.GetClientIdentity().GetMSPID()
	if err != nil {
		return "", fmt.Errorf("custody: submitter: %w", err)
	}
	if err := c.authorize(ctx, fresh, msp); err != nil {
		return "", err
	}
	tx := ctx.GetStub().GetTxID()
	written := make(map[string]custody.Entry, len(fresh))
	for _, r := range fresh {
		ck, err := key(ctx, r.Kind, r.Key, r.Seq)
		if err != nil {
			return "", err
		}
		e := custody.Entry{Record: r, Org: msp, TxID: tx}
		b, err := json.Marshal(e)
		if err != nil {
			return "", err
		}
		if err := ctx.GetStub().PutState(ck, b); err != nil {
			return "", fmt.Errorf("custody: write %s/%s/%d: %w", r.Kind, r.Key, r.Seq, err)
		}
		written[fmt.Sprintf("%s\x00%s\x00%d", r.Kind, r.Key, r.Seq)] = e
	}
	if len(fresh) > 0 {
		payload, err := json.Marshal(fresh)
		if err != nil {
			return "", err
		}
		if err := ctx.GetStub().SetEvent(EventName, payload); err != nil {
			return "", fmt.Errorf("custody: event: %w", err)
		}
	}
	out := make([]custody.Entry, len(recs))
	for i, r := range recs {
		id := fmt.Sprintf("%s\x00%s\x00%d", r.Kind, r.Key, r.Seq)
		if e, ok := written[id]; ok {
			out[i] = e
		} else {
			out[i] = st.seen[id]
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// authorize applies custody.Authorize to the new records in order, keeping how
// each chain is held in world state beside its records. As with the records
// themselves, the transaction cannot read its own writes, so holders changed
// earlier in the batch are kept here.
func (c *Custody) authorize(ctx contractapi.TransactionContextInterface, fresh []custody.Record, msp string) error {
	type held struct{ was, now *custody.Holder }
	holders := map[string]*held{}
	var order []string
	lookup := func(kind, k string) (*held, error) {
		hk, err := holderKey(ctx, kind, k)
		if err != nil {
			return nil, err
		}
		if h, ok := holders[hk]; ok {
			return h, nil
		}
		was, err := holder(ctx, hk)
		if err != nil {
			return nil, err
		}
		h := &held{was: was, now: was}
		holders[hk] = h
		order = append(order, hk)
		return h, nil
	}
	current := func(kind, k string) (*custody.Holder, error) {
		h, err := lookup(kind, k)
		if err != nil {
			return nil, err
		}
		return h.now, nil
	}
	for _, r := range fresh {
		h, err := lookup(r.Kind, r.Key)
		if err != nil {
			return err
		}
		upstream := func(from []string, org string) (bool, error) {
			return owns(current, r.Kind, from, org)
		}
		next, err := custody.Authorize(h.now, r, msp, c.regulators[msp], upstream)
		if err != nil {
			return err
		}
		h.now = &next
	}
	// Most records leave custody as it was; writing the holder only when it
	// changes keeps those transactions to their records' own keys.
	for _, hk := range order {
		h := holders[hk]
		if h.now == nil || (h.was != nil && h.was.Equal(*h.now)) {
			continue
		}
		b, err := json.Marshal(h.now)
		if err != nil {
			return err
		}
		if err := ctx.GetStub().PutState(hk, b); err != nil {
			return fmt.Errorf("custody: write holder %q: %w", hk, err)
		}
	}
	return nil
}

// maxUpstream bounds the chains a recall's right is looked for among: a
// season's lots are a few generations deep.
const maxUpstream = 10000

// owns walks the chains named in from, and those they were made from, for
// one org owns. A chain the ledger does not hold yet is a gap: its records
// are on their way, and the recall waits for them.
func owns(current func(kind, k string) (*custody.Holder, error), kind string, from []string, org string) (bool, error) {
	seen := map[string]bool{}
	queue := slices.Clone(from)
	for len(queue) > 0 && len(seen) < maxUpstream {
		k := queue[0]
		queue = queue[1:]
		if seen[k] {
			continue
		}
		seen[k] = true
		held, err := current(kind, k)
		if err != nil {
			return false, err
		}
		if held == nil {
			return false, fmt.Errorf("%w: %s/%s, which a recalled chain was made from, is not on the ledger yet", custody.ErrGap, kind, k)
		}
		if held.Owner == org {
			return true, nil
		}
		queue = append(queue, held.From...)
	}
	return false, nil
}

func holderKey(ctx contractapi.TransactionContextInterface, kind, k string) (string, error) {
	hk, err := ctx.GetStub().CreateCompositeKey(holderType, []string{kind, k})
	if err != nil {
		return "", fmt.Errorf("%w: %s/%q: %v", custody.ErrInvalid, kind, k, err)
	}
	return hk, nil
}

// holder reads how a chain is held; nil when it has no record yet.
func holder(ctx contractapi.TransactionContextInterface, hk string) (*custody.Holder, error) {
	b, err := ctx.GetStub().GetState(hk)
	if err != nil || b == nil {
		return nil, err
	}
	var h custody.Holder
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("custody: stored holder %q: %w", hk, err)
	}
	return &h, nil
}

// Holder returns how one chain is held, as JSON, or an error when the ledger
// holds no record of it.
func (c *Custody) Holder(ctx contractapi.TransactionContextInterface, kind, k string) (string, error) {
	hk, err := holderKey(ctx, kind, k)
	if err != nil {
		return "", err
	}
	h, err := holder(ctx, hk)
	if err != nil {
		return "", err
	}
	if h == nil {
		return "", fmt.Errorf("custody: %s/%s not found", kind, k)
	}
	b, err := json.Marshal(h)
	return string(b), err
}

// Get returns one record as JSON, or an error when the ledger does not hold it.
func (c *Custody) Get(ctx contractapi.TransactionContextInterface, kind, k string, seq uint64) (string, error) {
	e, err := get(ctx, kind, k, seq)
	if err != nil {
		return "", err
	}
	if e == nil {
		return "", fmt.Errorf("custody: %s/%s seq %d not found", kind, k, seq)
	}
	b, err := json.Marshal(e)
	return string(b), err
}

// Chain returns every record of one chain, ordered by seq, as a JSON array
// (empty when the ledger holds none).
func (c *Custody) Chain(ctx contractapi.TransactionContextInterface, kind, k string) (string, error) {
	it, err := ctx.GetStub().GetStateByPartialCompositeKey(objectType, []string{kind, k})
	if err != nil {
		return "", fmt.Errorf("%w: %s/%q: %v", custody.ErrInvalid, kind, k, err)
	}
	defer it.Close()
	out := []custody.Entry{}
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return "", err
		}
		var e custody.Entry
		if err := json.Unmarshal(kv.Value, &e); err != nil {
			return "", fmt.Errorf("custody: stored record %q: %w", kv.Key, err)
		}
		out = append(out, e)
	}
	b, err := json.Marshal(out)
	return string(b), err
}
