package trace

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/agritrace/agritrace/internal/hashchain"
	"github.com/agritrace/agritrace/internal/jcs"
)

// Event types, with the CBV business step each records.
const (
	EventCommission = "commission"
	EventInspect    = "inspect"
	EventShip       = "ship"
	EventReceive    = "receive"
	EventTransform  = "transform"
	EventSplit      = "split"
	EventMerge      = "merge"
	EventPack       = "pack"
	EventSell       = "sell"
	EventRecall     = "recall"
	// EventCertify issues a 承诺达标合格证 for the lot (certificate.go).
	EventCertify = "certify"
)

// BizSteps maps event types to GS1 Core Business Vocabulary business steps.
var BizSteps = map[string]string{
	EventCommission: "urn:epcglobal:cbv:bizstep:commissioning",
	EventInspect:    "urn:epcglobal:cbv:bizstep:inspecting",
	EventShip:       "urn:epcglobal:cbv:bizstep:shipping",
	EventReceive:    "urn:epcglobal:cbv:bizstep:receiving",
	EventTransform:  "urn:epcglobal:cbv:bizstep:transforming",
	EventSplit:      "urn:epcglobal:cbv:bizstep:repackaging",
	EventMerge:      "urn:epcglobal:cbv:bizstep:repackaging",
	EventPack:       "urn:epcglobal:cbv:bizstep:packing",
	EventSell:       "urn:epcglobal:cbv:bizstep:retail_selling",
	EventRecall:     "urn:epcglobal:cbv:bizstep:holding",
	// CBV 2.0 has no step for certifying; a certificate of commitment
	// declares the lot reviewed and conformant, which is inspecting's
	// definition (reviewing objects for defects), with disposition conformant.
	EventCertify: "urn:epcglobal:cbv:bizstep:inspecting",
}

// Event is one custody step of one lot. Events of a lot are numbered 0, 1, 2...
// and each carries the hash of the one before it.
type Event struct {
	Lot     string `json:"lot"`
	Seq     int64  `json:"seq"`
	Type    string `json:"type"`
	BizStep string `json:"bizStep"`
	Actor   string `json:"actor"`
	// Person is the login of the user who acted for Actor in the console;
	// empty for a machine's API key, and then left out of the hash.
	Person   string          `json:"person,omitempty"`
	Place    Place           `json:"place"`
	Time     time.Time       `json:"time"`
	Quantity int64           `json:"quantity"`
	Payload  json.RawMessage `json:"payload,omitempty"`
	PrevHash string          `json:"prevHash"`
	Hash     string          `json:"hash"`
}

// Place is where an event happened.
type Place struct {
	Name   string `json:"name"`
	Region string `json:"region"`
}

// hashed is the part of an event its hash covers: everything but the hash.
type hashed struct {
	Lot      string          `json:"lot"`
	Seq      int64           `json:"seq"`
	Type     string          `json:"type"`
	BizStep  string          `json:"bizStep"`
	Actor    string          `json:"actor"`
	Person   string          `json:"person,omitempty"`
	Place    Place           `json:"place"`
	Time     string          `json:"time"`
	Quantity int64           `json:"quantity"`
	Payload  json.RawMessage `json:"payload,omitempty"`
	PrevHash string          `json:"prevHash"`
}

func (e Event) hashed() hashed {
	return hashed{
		Lot: e.Lot, Seq: e.Seq, Type: e.Type, BizStep: e.BizStep, Actor: e.Actor,
		Person: e.Person, Place: e.Place, Time: FormatTime(e.Time), Quantity: e.Quantity,
		Payload: e.Payload, PrevHash: e.PrevHash,
	}
}

// CanonicalJSON is the exact text an event's hash is taken over: the event as
// the API shows it, without "hash", canonicalized by RFC 8785.
func (e Event) CanonicalJSON() ([]byte, error) {
	b, err := jcs.Marshal(e.hashed())
	if err != nil {
		return nil, fmt.Errorf("canonical event %s/%d: %w", e.Lot, e.Seq, err)
	}
	return b, nil
}

// ComputeHash returns the event's chain hash (see internal/hashchain).
func (e Event) ComputeHash() (string, error) {
	h, err := hashchain.Hash(e.hashed())
	if err != nil {
		return "", fmt.Errorf("event %s/%d: %w", e.Lot, e.Seq, err)
	}
	return h, nil
}

// FormatTime is the one textual form of event times, in hashes and in JSON
// alike: RFC 3339 in UTC, fractional seconds without trailing zeros (as
// encoding/json writes a time.Time), at most milliseconds since events keep no more.
func FormatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// Now returns t at the precision events keep, so a stored event reads back
// exactly as it was hashed.
func Now(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
