package trace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/digitallink"
	"github.com/agritrace/agritrace/internal/hashchain"
	"github.com/agritrace/agritrace/internal/jcs"
	"github.com/agritrace/agritrace/internal/photo"
)

// Complaint kinds and statuses.
const (
	ComplaintOpen          = "open"
	ComplaintAssigned      = "assigned"
	ComplaintInvestigating = "investigating"
	ComplaintConfirmed     = "confirmed"
	ComplaintUnfounded     = "unfounded"
)

// ScopeLot is a closing finding that covers the complaint's whole lot.
const ScopeLot = "lot"

// ComplaintKinds are what people report.
var ComplaintKinds = []string{"counterfeit", "refill", "quality", "expired", "other"}

// Limits on what an anonymous reporter may send.
const (
	MaxDescription   = 2000
	MaxEvidence      = 3
	MaxEvidenceBytes = 2 << 20
)

// Complaint is a report of a suspected fake or unsafe product and the
// regulator's work on it. Every change to it is an entry in a hash chain that
// is anchored like custody events, so a complaint cannot silently vanish.
type Complaint struct {
	ID          string    `json:"id"`
	Serial      string    `json:"serial,omitempty"`
	Lot         string    `json:"lot,omitempty"`
	Kind        string    `json:"kind"`
	Description string    `json:"description"`
	Evidence    []string  `json:"evidence,omitempty"`
	Region      string    `json:"region,omitempty"`
	Reporter    string    `json:"reporter"`
	Status      string    `json:"status"`
	Assignee    string    `json:"assignee,omitempty"`
	Seq         int64     `json:"seq"`
	Head        string    `json:"head"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	// Scope is what a confirmed finding covers: the serial reported (empty)
	// or, with ScopeLot, every unit of the lot.
	Scope string `json:"scope,omitempty"`
}

// Closed reports whether the complaint is decided.
func (c Complaint) Closed() bool {
	return c.Status == ComplaintConfirmed || c.Status == ComplaintUnfounded
}

// ComplaintEntry is one step of a complaint's audit trail.
type ComplaintEntry struct {
	Complaint string `json:"complaint"`
	Seq       int64  `json:"seq"`
	Action    string `json:"action"`
	Actor     string `json:"actor"`
	// Person is the console user who acted for Actor, as in Event.
	Person   string          `json:"person,omitempty"`
	Time     time.Time       `json:"time"`
	Payload  json.RawMessage `json:"payload,omitempty"`
	PrevHash string          `json:"prevHash"`
	Hash     string          `json:"hash"`
}

// ComputeHash is the entry's chain hash (see internal/hashchain), the same
// recipe as for custody events.
func (e ComplaintEntry) ComputeHash() (string, error) {
	h, err := hashchain.Hash(struct {
		Complaint string          `json:"complaint"`
		Seq       int64           `json:"seq"`
		Action    string          `json:"action"`
		Actor     string          `json:"actor"`
		Person    string          `json:"person,omitempty"`
		Time      string          `json:"time"`
		Payload   json.RawMessage `json:"payload,omitempty"`
		PrevHash  string          `json:"prevHash"`
	}{e.Complaint, e.Seq, e.Action, e.Actor, e.Person, FormatTime(e.Time), e.Payload, e.PrevHash})
	if err != nil {
		return "", fmt.Errorf("complaint entry %s/%d: %w", e.Complaint, e.Seq, err)
	}
	return h, nil
}

// Evidence is a photo attached to a complaint, kept by its SHA-256.
type Evidence struct {
	Hash        string `json:"hash"`
	ContentType string `json:"contentType"`
	Data        []byte `json:"data"`
}

// ComplaintWrite is a complaint's new state; PrevSeq is the Seq read, or -1
// for a new complaint.
type ComplaintWrite struct {
	Complaint Complaint
	PrevSeq   int64
}

// ComplaintFilter selects complaints, newest first (ties by ID).
type ComplaintFilter struct {
	Status string
	Kind   string
	Lot    string
	Serial string
	// Since and Until keep complaints filed in [Since, Until); zero is open.
	Since, Until time.Time
	// After continues a listing past the last complaint of the previous
	// page, so a page stays right while new complaints arrive.
	After *ComplaintCursor
	Limit int
}

// ComplaintCursor is where a page of complaints ended.
type ComplaintCursor struct {
	CreatedAt time.Time
	ID        string
}

// CursorOf is the cursor continuing after c.
func CursorOf(c Complaint) *ComplaintCursor {
	return &ComplaintCursor{CreatedAt: c.CreatedAt, ID: c.ID}
}

// FileInput is a complaint as a reporter sends it.
type FileInput struct {
	Serial      string          `json:"serial"`
	Lot         string          `json:"lot"`
	Kind        string          `json:"kind"`
	Description string          `json:"description"`
	Region      string          `json:"region"`
	Evidence    []EvidenceInput `json:"evidence"`
}

// EvidenceInput is an uploaded photo.
type EvidenceInput struct {
	ContentType string `json:"contentType"`
	Data        []byte `json:"data"`
}

// File records a complaint from a consumer (reporter nil) or an inspector.
func (s *Service) File(ctx context.Context, reporter *Org, in FileInput) (Complaint, error) {
	if !slices.Contains(ComplaintKinds, in.Kind) {
		return Complaint{}, FieldErrorf(EINVALID, "kind", "kind must be one of %s", strings.Join(ComplaintKinds, ", "))
	}
	in.Description = strings.TrimSpace(in.Description)
	if in.Description == "" || utf8.RuneCountInString(in.Description) > MaxDescription {
		return Complaint{}, FieldErrorf(EINVALID, "description", "describe what is wrong in 1 to %d characters", MaxDescription)
	}
	if in.Serial == "" && in.Lot == "" {
		return Complaint{}, FieldErrorf(EINVALID, "serial", "name the serial on the label or the lot")
	}
	if err := validateNamed(in.Serial, in.Lot); err != nil {
		return Complaint{}, err
	}
	if in.Region != "" {
		if err := ValidateRegion("region", in.Region); err != nil {
			return Complaint{}, err
		}
	}
	if len(in.Evidence) > MaxEvidence {
		return Complaint{}, FieldErrorf(EINVALID, "evidence", "at most %d photos", MaxEvidence)
	}
	var evidence []Evidence
	for i, ev := range in.Evidence {
		if ev.ContentType != "image/jpeg" && ev.ContentType != "image/png" {
			return Complaint{}, FieldErrorf(EINVALID, fmt.Sprintf("evidence[%d].contentType", i), "photos must be image/jpeg or image/png")
		}
		if len(ev.Data) == 0 || len(ev.Data) > MaxEvidenceBytes {
			return Complaint{}, FieldErrorf(EINVALID, fmt.Sprintf("evidence[%d].data", i), "a photo must be 1 byte to %d MiB", MaxEvidenceBytes>>20)
		}
		// What is kept is the picture as re-encoded, in the format its bytes
		// are in: the declared type and any metadata are the sender's word.
		contentType, data, err := photo.Clean(ev.Data)
		if err != nil {
			return Complaint{}, FieldErrorf(EINVALID, fmt.Sprintf("evidence[%d].data", i), "a photo must be a JPEG or PNG picture: %v", err)
		}
		sum := sha256.Sum256(data)
		evidence = append(evidence, Evidence{Hash: hex.EncodeToString(sum[:]), ContentType: contentType, Data: data})
	}
	// A report names the serial on the bottle; the lot comes from the unit, so
	// that the lot's audit lists the complaint.
	if in.Lot == "" && in.Serial != "" {
		u, err := s.Store.Unit(ctx, in.Serial)
		switch {
		case err == nil:
			in.Lot = u.Lot
		case ErrorCode(err) != ENOTFOUND:
			return Complaint{}, err
		}
	}
	now := Now(s.Now())
	c := Complaint{
		ID: "C" + now.Format("20060102") + strings.ToUpper(randomToken(4)), Serial: in.Serial, Lot: in.Lot,
		Kind: in.Kind, Description: in.Description, Region: in.Region, Reporter: "consumer",
		Status: ComplaintOpen, Seq: -1, CreatedAt: now,
	}
	by := Org{}
	if reporter != nil {
		c.Reporter, by = reporter.ID, *reporter
	}
	for _, ev := range evidence {
		c.Evidence = append(c.Evidence, ev.Hash)
	}
	payload := map[string]any{"kind": c.Kind, "description": c.Description, "serial": c.Serial, "lot": c.Lot, "region": c.Region, "evidence": c.Evidence}
	w, entry, err := s.complaintStep(ctx, c, "filed", c.Reporter, now, payload)
	if err != nil {
		return Complaint{}, err
	}
	w.PrevSeq = -1
	replay, err := replayFor(ctx, now, w.Complaint)
	if err != nil {
		return Complaint{}, err
	}
	err = s.Store.Commit(ctx, Change{
		Complaints: []ComplaintWrite{w}, ComplaintEntries: []ComplaintEntry{entry}, Evidence: evidence,
		Anchors: []custody.Record{s.complaintRecord(entry, by, by.ID)}, Replay: replay,
	})
	return w.Complaint, err
}

// complaintRecord is the outbox record of entry e, written by actor. Its
// filer starts the chain and holds it; everyone after works on it.
func (s *Service) complaintRecord(e ComplaintEntry, actor Org, custodian string) custody.Record {
	return custody.Record{Kind: custody.KindComplaint, Key: e.Complaint, Seq: uint64(e.Seq), Hash: e.Hash, PrevHash: e.PrevHash,
		Act: act(e.Action, actor, custodian), By: s.ledgerOrg(actor)}
}

// complaintStep appends one entry to a complaint's trail, naming the person
// ctx carries (see WithPerson).
func (s *Service) complaintStep(ctx context.Context, c Complaint, action, actor string, now time.Time, payload any) (ComplaintWrite, ComplaintEntry, error) {
	e := ComplaintEntry{Complaint: c.ID, Action: action, Actor: actor, Person: PersonFrom(ctx), Time: now}
	e.Seq, e.PrevHash = hashchain.Head{Seq: c.Seq, Hash: c.Head}.Next()
	b, err := jcs.Marshal(payload)
	if err != nil {
		return ComplaintWrite{}, e, fmt.Errorf("complaint %s %s: %w", c.ID, action, err)
	}
	e.Payload = b
	if e.Hash, err = e.ComputeHash(); err != nil {
		return ComplaintWrite{}, e, err
	}
	prev := c.Seq
	c.Seq, c.Head, c.UpdatedAt = e.Seq, e.Hash, now
	return ComplaintWrite{Complaint: c, PrevSeq: prev}, e, nil
}

// WorkInput is a regulator's action on a complaint.
type WorkInput struct {
	// Action is assign, note, sample or close.
	Action   string `json:"action"`
	Assignee string `json:"assignee"`
	Note     string `json:"note"`
	// Samples is what a "sample" action asks to be taken for testing (which
	// product, how many units, from where), kept in the hashed trail so the
	// request and its date cannot be denied later.
	Samples    string `json:"samples"`
	Resolution string `json:"resolution"`
	// Scope "lot" on a confirmed close extends the finding to every unit of
	// the complaint's lot; empty keeps it to what was reported.
	Scope string `json:"scope"`
}

// Work applies a regulator's action: assign it, add a note or request
// samples (either marks it under investigation), or close it as confirmed or
// unfounded.
func (s *Service) Work(ctx context.Context, actor Org, id string, in WorkInput) (Complaint, error) {
	if err := requireRole(actor, "working complaints", RoleRegulator); err != nil {
		return Complaint{}, err
	}
	c, err := s.Store.Complaint(ctx, id)
	if err != nil {
		return Complaint{}, err
	}
	if c.Closed() {
		return Complaint{}, Errorf(ECONFLICT, "complaint %s is closed as %s", c.ID, c.Status)
	}
	if utf8.RuneCountInString(in.Note) > MaxDescription {
		return Complaint{}, FieldErrorf(EINVALID, "note", "a note is at most %d characters", MaxDescription)
	}
	payload := map[string]any{}
	switch in.Action {
	case "assign":
		if strings.TrimSpace(in.Assignee) == "" {
			return Complaint{}, FieldErrorf(EINVALID, "assignee", "name who takes the complaint")
		}
		c.Status, c.Assignee = ComplaintAssigned, in.Assignee
		payload["assignee"] = in.Assignee
	case "note":
		if strings.TrimSpace(in.Note) == "" {
			return Complaint{}, FieldErrorf(EINVALID, "note", "the note is empty")
		}
		c.Status = ComplaintInvestigating
	case "sample":
		in.Samples = strings.TrimSpace(in.Samples)
		if in.Samples == "" || utf8.RuneCountInString(in.Samples) > MaxDescription {
			return Complaint{}, FieldErrorf(EINVALID, "samples", "say what samples to take in 1 to %d characters", MaxDescription)
		}
		c.Status = ComplaintInvestigating
		payload["samples"] = in.Samples
	case "close":
		if in.Resolution != ComplaintConfirmed && in.Resolution != ComplaintUnfounded {
			return Complaint{}, FieldErrorf(EINVALID, "resolution", "close as confirmed or unfounded")
		}
		c.Status = in.Resolution
		payload["resolution"] = in.Resolution
		switch {
		case in.Scope == "":
		case in.Scope != ScopeLot:
			return Complaint{}, FieldErrorf(EINVALID, "scope", "scope must be lot or left out")
		case in.Resolution != ComplaintConfirmed:
			return Complaint{}, FieldErrorf(EINVALID, "scope", "only a confirmed finding covers a lot")
		case c.Lot == "":
			return Complaint{}, FieldErrorf(EINVALID, "scope", "complaint %s names no lot for the finding to cover", c.ID)
		default:
			c.Scope = ScopeLot
			payload["scope"] = ScopeLot
		}
	default:
		return Complaint{}, FieldErrorf(EINVALID, "action", "action must be assign, note, sample or close")
	}
	if in.Note != "" {
		payload["note"] = in.Note
	}
	payload["status"] = c.Status
	now := Now(s.Now())
	w, entry, err := s.complaintStep(ctx, c, in.Action, actor.ID, now, payload)
	if err != nil {
		return Complaint{}, err
	}
	replay, err := replayFor(ctx, now, w.Complaint)
	if err != nil {
		return Complaint{}, err
	}
	err = s.Store.Commit(ctx, Change{Complaints: []ComplaintWrite{w}, ComplaintEntries: []ComplaintEntry{entry}, Anchors: []custody.Record{s.complaintRecord(entry, actor, "")}, Replay: replay})
	return w.Complaint, err
}

// validateNamed checks what a report names by the rules of the Digital Link
// it was read from: a serial as AI 21, a lot as AI 10 or as a lot id,
// {gtin14}.{AI 10}. An unknown serial or lot is still a report (a fake
// bottle's serial may never have been issued); one that no label could carry
// is not.
func validateNamed(serial, lot string) error {
	if serial != "" {
		if err := digitallink.Serial(serial); err != nil {
			return FieldErrorf(EINVALID, "serial", "%v", err)
		}
	}
	if lot == "" {
		return nil
	}
	number := lot
	if gtin, n, ok := strings.Cut(lot, "."); ok && ValidateGTIN(gtin) == nil {
		number = n
	}
	if err := digitallink.Lot(number); err != nil {
		return FieldErrorf(EINVALID, "lot", "name the lot as its number or {gtin14}.{number}: %v", err)
	}
	return nil
}
