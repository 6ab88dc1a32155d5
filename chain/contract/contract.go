// Package contract is the Fabric chaincode that holds custody records. It
// applies custody.Validate, the same rules as the embedded ledger, to records
// read from world state, so each chain is enforced by every endorsing peer:
// no gap, no overwrite, an identical re-send accepted and not written twice.
package contract

import (
	"encoding/json"
	"fmt"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// objectType prefixes every composite key; seq is zero-padded so a range
// over one chain comes back in order.
const objectType = "custody"

// EventName is the chaincode event each Record transaction emits.
const EventName = "custody.recorded"

// Custody is the contract. Its exported methods are its transactions.
type Custody struct {
	contractapi.Contract
}

func key(ctx contractapi.TransactionContextInterface, kind, k string, seq uint64) (string, error) {
	return ctx.GetStub().CreateCompositeKey(objectType, []string{kind, k, fmt.Sprintf("%020d", seq)})
}

// state reads records from world state for custody.Validate.
type state struct {
	ctx contractapi.TransactionContextInterface
}

func (s state) Get(kind, k string, seq uint64) (*custody.Record, error) {
	e, err := get(s.ctx, kind, k, seq)
	if err != nil || e == nil {
		return nil, err
	}
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

// Record writes a batch of records given as a JSON array, in order, and
// returns the records that were new, as a JSON array (a re-sent record the
// ledger already holds is left out). The whole batch is refused if any record
// breaks the chain rules.
func (c *Custody) Record(ctx contractapi.TransactionContextInterface, recordsJSON string) (string, error) {
	var recs []custody.Record
	if err := json.Unmarshal([]byte(recordsJSON), &recs); err != nil {
		return "", fmt.Errorf("%w: records must be a JSON array: %v", custody.ErrInvalid, err)
	}
	if len(recs) == 0 {
		return "", fmt.Errorf("%w: no records", custody.ErrInvalid)
	}
	fresh, err := custody.Validate(state{ctx}, recs)
	if err != nil {
		return "", err
	}
	msp, err := ctx.GetClientIdentity().GetMSPID()
	if err != nil {
		return "", fmt.Errorf("custody: submitter: %w", err)
	}
	tx := ctx.GetStub().GetTxID()
	for _, r := range fresh {
		ck, err := key(ctx, r.Kind, r.Key, r.Seq)
		if err != nil {
			return "", err
		}
		b, err := json.Marshal(custody.Entry{Record: r, Org: msp, TxID: tx})
		if err != nil {
			return "", err
		}
		if err := ctx.GetStub().PutState(ck, b); err != nil {
			return "", fmt.Errorf("custody: write %s/%s/%d: %w", r.Kind, r.Key, r.Seq, err)
		}
	}
	payload, err := json.Marshal(append([]custody.Record{}, fresh...))
	if err != nil {
		return "", err
	}
	if len(fresh) > 0 {
		if err := ctx.GetStub().SetEvent(EventName, payload); err != nil {
			return "", fmt.Errorf("custody: event: %w", err)
		}
	}
	return string(payload), nil
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

// Chain returns every record of one chain, ordered by seq, as a JSON array.
func (c *Custody) Chain(ctx contractapi.TransactionContextInterface, kind, k string) (string, error) {
	it, err := ctx.GetStub().GetStateByPartialCompositeKey(objectType, []string{kind, k})
	if err != nil {
		return "", err
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
			return "", fmt.Errorf("custody: stored record %s: %w", kv.Key, err)
		}
		out = append(out, e)
	}
	b, err := json.Marshal(out)
	return string(b), err
}
