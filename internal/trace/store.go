package trace

import (
	"context"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
)

// Store keeps AgriTrace's state. Implementations: internal/store/sqlite (the
// embedded default) and internal/store/mongo. Methods return an *Error with
// ENOTFOUND for a missing thing and ECONFLICT for a duplicate or a lost race.
type Store interface {
	CreateOrg(ctx context.Context, o Org) error
	Org(ctx context.Context, id string) (Org, error)
	Orgs(ctx context.Context) ([]Org, error)
	CreateAPIKey(ctx context.Context, k APIKey) error
	// OrgByAPIKey returns the organization owning the key with that hash, or
	// EUNAUTHORIZED when no key has it or the key is revoked.
	OrgByAPIKey(ctx context.Context, hash string) (Org, error)
	// UpdateOrg replaces an organization; ENOTFOUND if it does not exist.
	UpdateOrg(ctx context.Context, o Org) error
	// APIKeys returns an organization's keys, oldest first.
	APIKeys(ctx context.Context, org string) ([]APIKey, error)
	// UpdateAPIKey replaces a key; ENOTFOUND if it does not exist.
	UpdateAPIKey(ctx context.Context, k APIKey) error

	// CreatePrefix adds a GS1 Company Prefix; ECONFLICT if it is taken.
	CreatePrefix(ctx context.Context, p Prefix) error
	// UpdatePrefix replaces a prefix; ENOTFOUND if it does not exist.
	UpdatePrefix(ctx context.Context, p Prefix) error
	// Prefixes returns every declared prefix, ordered by prefix.
	Prefixes(ctx context.Context) ([]Prefix, error)
	// LicenceEntries returns a GTIN's licence chain ordered by seq.
	LicenceEntries(ctx context.Context, gtin string) ([]LicenceEntry, error)

	CreateProduct(ctx context.Context, p Product) error
	Product(ctx context.Context, gtin string) (Product, error)
	Products(ctx context.Context) ([]Product, error)

	// Commit writes a change atomically: all of it or none of it. It returns
	// ECONFLICT when a lot it creates already exists, or a lot or unit it updates
	// has moved on since it was read (LotWrite.PrevSeq, UnitWrite.PrevStatus).
	Commit(ctx context.Context, c Change) error
	Lot(ctx context.Context, id string) (Lot, error)
	Lots(ctx context.Context, f LotFilter) ([]Lot, error)
	// LotsByID returns the lots with these ids in one read, in no particular
	// order; ids that name no lot are left out. Graph walks read a level at a
	// time with it instead of one lot at a time.
	LotsByID(ctx context.Context, ids []string) ([]Lot, error)
	// ChildLots returns, ordered by id, every lot that lists one of parents
	// among its parents.
	ChildLots(ctx context.Context, parents []string) ([]Lot, error)
	// Events returns a lot's events ordered by seq.
	Events(ctx context.Context, lot string) ([]Event, error)
	// EventsPage returns up to f.Limit events of any lots that match f,
	// ordered by time, lot and seq: the EPCIS query interface's listing.
	EventsPage(ctx context.Context, f EventFilter) ([]Event, error)
	// Captured returns those of ids that an earlier Change recorded in
	// Change.Captured, in no particular order.
	Captured(ctx context.Context, ids []string) ([]string, error)
	Unit(ctx context.Context, serial string) (Unit, error)
	Units(ctx context.Context, lot string) ([]Unit, error)

	// PendingAnchors returns up to limit outbox records not yet on the ledger,
	// chain by chain (by kind, then key), each chain's records in seq order.
	PendingAnchors(ctx context.Context, limit int) ([]custody.Record, error)
	// ClaimAnchors claims chains of pending outbox records for this instance
	// and returns their records, chain after chain, each chain's in seq order:
	// whole chains of about limit records in all (the first chain is cut at
	// limit when it is longer). It leaves out the chains in skip and those
	// another instance holds a live claim on, takes over claims whose holder
	// stopped renewing them, and hands out again the chains this instance
	// already holds. Successive calls go round the chains, so each gets its
	// turn. Claims save instances sending the same records; the ledger's chain
	// rules, not claims, keep the ledger right when two send at once.
	ClaimAnchors(ctx context.Context, limit int, skip []AnchorChain) ([]custody.Record, error)
	// ReleaseAnchors drops this instance's claims on chains.
	ReleaseAnchors(ctx context.Context, chains []AnchorChain) error
	// PendingAnchorCount returns how many outbox records are not yet on the
	// ledger (the outbox depth operators watch).
	PendingAnchorCount(ctx context.Context) (int, error)
	// SettleAnchors records what the ledger said about outbox records.
	SettleAnchors(ctx context.Context, outcomes []AnchorOutcome) error
	// Anchors returns the outbox state of one chain ordered by seq.
	Anchors(ctx context.Context, kind, key string) ([]Anchor, error)
	// ResendAnchors returns to the outbox, as pending, the records that the
	// ledger of kind ledger (LedgerInfo.Kind) settled in blocks numbered
	// block or higher, for a ledger that lost those blocks, and says how
	// many there were.
	ResendAnchors(ctx context.Context, ledger string, block uint64) (int, error)

	AddScan(ctx context.Context, s Scan) error
	Scans(ctx context.Context, f ScanFilter) ([]Scan, error)
	// AddScans records scans and folds each unit scan into its label's
	// ScanSummary in the same write; a scan already recorded (same ID) is
	// skipped, so a batch may be written again after a failure.
	AddScans(ctx context.Context, scans []Scan) error
	// ScanSummary returns a label's summary of its recorded scans; an empty
	// one for a label never scanned.
	ScanSummary(ctx context.Context, serial string) (ScanSummary, error)

	Complaint(ctx context.Context, id string) (Complaint, error)
	Complaints(ctx context.Context, f ComplaintFilter) ([]Complaint, error)
	// ComplaintEntries returns a complaint's audit trail ordered by seq.
	ComplaintEntries(ctx context.Context, id string) ([]ComplaintEntry, error)
	// Evidence returns a stored photo by its SHA-256.
	Evidence(ctx context.Context, hash string) (Evidence, error)

	// Replay returns the stored answer for an idempotency key, expired or
	// not, or ENOTFOUND.
	Replay(ctx context.Context, scope, key string) (Replay, error)
	// SaveReplay stores the answer to a write that is not a Change. It
	// replaces an expired one and returns ErrReplayExists for a live one.
	SaveReplay(ctx context.Context, r Replay) error

	// CreateUser adds a user; ECONFLICT if the login is taken.
	CreateUser(ctx context.Context, u User) error
	// User returns the user with that login, or ENOTFOUND.
	User(ctx context.Context, login string) (User, error)
	// Users returns an organization's users ordered by login.
	Users(ctx context.Context, org string) ([]User, error)
	// UpdateUser replaces a user; ENOTFOUND if it does not exist.
	UpdateUser(ctx context.Context, u User) error
	// CreateSession stores a session under the hash of its token.
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session with that token hash, or ENOTFOUND.
	Session(ctx context.Context, hash string) (Session, error)
	// UpdateSession replaces a session; ENOTFOUND if it does not exist.
	UpdateSession(ctx context.Context, s Session) error
	// DeleteSession removes a session; removing a missing one is no error.
	DeleteSession(ctx context.Context, hash string) error
	// DeleteSessions removes every session of a user.
	DeleteSessions(ctx context.Context, login string) error

	// ClaimLedger records l as the ledger the store's records are anchored
	// on, unless one is recorded already, and returns the recorded one: l
	// itself when this call recorded it. Of instances claiming at once,
	// exactly one records its ledger.
	ClaimLedger(ctx context.Context, l LedgerClaim) (LedgerClaim, error)
	// ReplaceLedger records l over whatever ledger is recorded.
	ReplaceLedger(ctx context.Context, l LedgerClaim) error
	// LiveInstances returns, ordered by name, the instances sharing the
	// store that it judges running, this one included. A store only one
	// process opens (SQLite) names none.
	LiveInstances(ctx context.Context) ([]string, error)
	// TakeHit spends one of key's limit hits per window, at at: it records
	// the hit and returns 0, or, when limit hits of key already fall within
	// the window before at, records nothing and returns how long until the
	// oldest of them leaves it. Instances sharing the store never record
	// more than limit hits of one key within a window between them.
	TakeHit(ctx context.Context, key string, at time.Time, limit int, window time.Duration) (time.Duration, error)
	// ExpireHits forgets the hits recorded before before.
	ExpireHits(ctx context.Context, before time.Time) error
	// LabelKeyring returns the newest version of the shared label keyring,
	// or ENOTFOUND when the store keeps none.
	LabelKeyring(ctx context.Context) (SealedKeyring, error)
	// PutLabelKeyring adds a version of the label keyring; ECONFLICT if that
	// version exists already (another instance wrote it first).
	PutLabelKeyring(ctx context.Context, k SealedKeyring) error

	Close() error
}

// Change is everything one API write changes, committed as one.
type Change struct {
	Lots   []LotWrite
	Events []Event
	Units  []UnitWrite
	// Complaints and their trail entries; a complaint write is checked against
	// ComplaintWrite.PrevSeq like a lot.
	Complaints       []ComplaintWrite
	ComplaintEntries []ComplaintEntry
	// Evidence is stored by hash; storing the same photo twice is harmless.
	Evidence []Evidence
	// Licences are new licence entries; ECONFLICT if the GTIN already has
	// one at that seq.
	Licences []LicenceEntry
	// Anchors are the outbox records the change queues for the ledger: one per
	// event or complaint entry, written in the same transaction so none is
	// ever lost.
	Anchors []custody.Record
	// Captured are the eventIDs and GS1 event hash IDs of the EPCIS events
	// that produced the change's events; ECONFLICT if one is recorded
	// already, so an event captured twice is recorded once.
	Captured []string
	// Replay is the answer to the write, kept for retries with the same
	// Idempotency-Key; committed with the change, so that a write is never
	// recorded without it. Commit returns ErrReplayExists when an unexpired
	// one with the same scope and key exists, and then writes nothing.
	Replay *Replay
}

// LotWrite is a lot's new state. PrevSeq is the Seq the writer read, or -1 for
// a lot that must not exist yet.
type LotWrite struct {
	Lot     Lot
	PrevSeq int64
}

// UnitWrite is a unit's new state. PrevStatus is the status the writer read,
// or "" for a unit that must not exist yet.
type UnitWrite struct {
	Unit       Unit
	PrevStatus string
}

// LotFilter selects lots; zero fields match everything.
type LotFilter struct {
	Custodian string
	Parent    string
	Status    string
	GTIN      string
	// Holder keeps lots the organization made or held; Area lots grown or
	// handled in a division-code prefix (see Lot.Holders and Lot.Areas).
	Holder string
	Area   string
	Limit  int
}

// EventFilter selects events across lots; zero fields match everything.
type EventFilter struct {
	// Types keeps events of these types.
	Types []string
	// From and To bound the event time: From <= time < To.
	From, To time.Time
	// After continues a listing after the event with this key.
	After *EventKey
	Limit int
}

// EventKey is an event's place in EventsPage's order.
type EventKey struct {
	Time time.Time `json:"t"`
	Lot  string    `json:"l"`
	Seq  int64     `json:"s"`
}

// ScanFilter selects scans, newest first.
type ScanFilter struct {
	Serial string
	Lot    string
	// Verdicts keeps only scans with one of these verdicts; empty keeps all.
	Verdicts []string
	Limit    int
}

// Anchor statuses.
const (
	AnchorPending  = "pending"
	AnchorAnchored = "anchored"
	AnchorRejected = "rejected"
)

// Anchor is the outbox state of one record.
type Anchor struct {
	custody.Record
	Status     string    `json:"status"`
	Ledger     string    `json:"ledger,omitempty"`
	TxID       string    `json:"txId,omitempty"`
	Block      uint64    `json:"block,omitempty"`
	Error      string    `json:"error,omitempty"`
	AnchoredAt time.Time `json:"anchoredAt,omitzero"`
}

// AnchorOutcome is what the ledger said about one record: a receipt, or a
// refusal that retrying cannot cure.
type AnchorOutcome struct {
	Record  custody.Record
	Ledger  string
	Receipt Receipt
	Refused string
	At      time.Time
}
