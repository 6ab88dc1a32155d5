package metrics

import (
	"context"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
)

// Store wraps a trace.Store to count what it commits (events, scans,
// settled outbox records) and which calls fail, and to notice when the
// outbox runs empty. Methods it does not count pass through unchanged.
type Store struct {
	trace.Store
	m *Metrics
}

var _ trace.Store = (*Store)(nil)

// Store returns s instrumented, and exports the outbox depth and anchoring
// lag read through it. Call it once per Metrics.
func (m *Metrics) Store(s trace.Store) *Store {
	w := &Store{Store: s, m: m}
	m.watchOutbox(w)
	return w
}

// Ping passes a readiness check through to the wrapped store.
func (s *Store) Ping(ctx context.Context) error {
	if p, ok := s.Store.(interface{ Ping(context.Context) error }); ok {
		return p.Ping(ctx)
	}
	return nil
}

// failed counts err when it is a failure of the store itself: a missing
// thing or a lost race (ENOTFOUND, ECONFLICT and the other domain codes) is
// an answer, not a failure.
func (s *Store) failed(op string, err error) error {
	if err != nil && trace.ErrorCode(err) == trace.EINTERNAL {
		s.m.storeErrors.WithLabelValues(op).Inc()
	}
	return err
}

// Commit counts the change's events by type once it is committed.
func (s *Store) Commit(ctx context.Context, c trace.Change) error {
	if err := s.failed("Commit", s.Store.Commit(ctx, c)); err != nil {
		return err
	}
	for _, e := range c.Events {
		s.m.events.WithLabelValues(e.Type).Inc()
	}
	return nil
}

// AddScan counts the scan by verdict once it is recorded.
func (s *Store) AddScan(ctx context.Context, sc trace.Scan) error {
	if err := s.failed("AddScan", s.Store.AddScan(ctx, sc)); err != nil {
		return err
	}
	s.m.scans.WithLabelValues(sc.Verdict).Inc()
	return nil
}

// AddScans counts the scans by verdict once they are recorded. A batch
// written again after a failure skips the scans it already holds, so a
// retried batch can count those twice; the scan queue retries only batches
// that failed as a whole.
func (s *Store) AddScans(ctx context.Context, scans []trace.Scan) error {
	if err := s.failed("AddScans", s.Store.AddScans(ctx, scans)); err != nil {
		return err
	}
	for _, sc := range scans {
		s.m.scans.WithLabelValues(sc.Verdict).Inc()
	}
	return nil
}

// PendingAnchors notes when the anchoring worker finds the outbox empty.
func (s *Store) PendingAnchors(ctx context.Context, limit int) ([]custody.Record, error) {
	recs, err := s.Store.PendingAnchors(ctx, limit)
	if err == nil && len(recs) == 0 {
		s.m.sawEmpty(time.Now())
	}
	return recs, s.failed("PendingAnchors", err)
}

// ClaimAnchors counts the store's failures; the outbox collector notes when
// the outbox is empty, which the chains this instance skips or another holds
// would hide from here.
func (s *Store) ClaimAnchors(ctx context.Context, limit int, skip []trace.AnchorChain) ([]custody.Record, error) {
	recs, err := s.Store.ClaimAnchors(ctx, limit, skip)
	return recs, s.failed("ClaimAnchors", err)
}

// ReleaseAnchors counts the store's failures.
func (s *Store) ReleaseAnchors(ctx context.Context, chains []trace.AnchorChain) error {
	return s.failed("ReleaseAnchors", s.Store.ReleaseAnchors(ctx, chains))
}

// SettleAnchors counts settled records by outcome.
func (s *Store) SettleAnchors(ctx context.Context, outcomes []trace.AnchorOutcome) error {
	if err := s.failed("SettleAnchors", s.Store.SettleAnchors(ctx, outcomes)); err != nil {
		return err
	}
	for _, o := range outcomes {
		outcome := trace.AnchorAnchored
		if o.Refused != "" {
			outcome = trace.AnchorRejected
		}
		s.m.settled.WithLabelValues(outcome).Inc()
	}
	return nil
}

// The methods below only count failures.

func (s *Store) CreateOrg(ctx context.Context, o trace.Org) error {
	return s.failed("CreateOrg", s.Store.CreateOrg(ctx, o))
}

func (s *Store) Org(ctx context.Context, id string) (trace.Org, error) {
	v, err := s.Store.Org(ctx, id)
	return v, s.failed("Org", err)
}

func (s *Store) Orgs(ctx context.Context) ([]trace.Org, error) {
	v, err := s.Store.Orgs(ctx)
	return v, s.failed("Orgs", err)
}

func (s *Store) CreateAPIKey(ctx context.Context, k trace.APIKey) error {
	return s.failed("CreateAPIKey", s.Store.CreateAPIKey(ctx, k))
}

func (s *Store) OrgByAPIKey(ctx context.Context, hash string) (trace.Org, error) {
	v, err := s.Store.OrgByAPIKey(ctx, hash)
	return v, s.failed("OrgByAPIKey", err)
}

func (s *Store) UpdateOrg(ctx context.Context, o trace.Org) error {
	return s.failed("UpdateOrg", s.Store.UpdateOrg(ctx, o))
}

func (s *Store) APIKeys(ctx context.Context, org string) ([]trace.APIKey, error) {
	v, err := s.Store.APIKeys(ctx, org)
	return v, s.failed("APIKeys", err)
}

func (s *Store) UpdateAPIKey(ctx context.Context, k trace.APIKey) error {
	return s.failed("UpdateAPIKey", s.Store.UpdateAPIKey(ctx, k))
}

func (s *Store) CreatePrefix(ctx context.Context, p trace.Prefix) error {
	return s.failed("CreatePrefix", s.Store.CreatePrefix(ctx, p))
}

func (s *Store) UpdatePrefix(ctx context.Context, p trace.Prefix) error {
	return s.failed("UpdatePrefix", s.Store.UpdatePrefix(ctx, p))
}

func (s *Store) Prefixes(ctx context.Context) ([]trace.Prefix, error) {
	v, err := s.Store.Prefixes(ctx)
	return v, s.failed("Prefixes", err)
}

func (s *Store) LicenceEntries(ctx context.Context, gtin string) ([]trace.LicenceEntry, error) {
	v, err := s.Store.LicenceEntries(ctx, gtin)
	return v, s.failed("LicenceEntries", err)
}

func (s *Store) CreateProduct(ctx context.Context, p trace.Product) error {
	return s.failed("CreateProduct", s.Store.CreateProduct(ctx, p))
}

func (s *Store) Product(ctx context.Context, gtin string) (trace.Product, error) {
	v, err := s.Store.Product(ctx, gtin)
	return v, s.failed("Product", err)
}

func (s *Store) Products(ctx context.Context) ([]trace.Product, error) {
	v, err := s.Store.Products(ctx)
	return v, s.failed("Products", err)
}

func (s *Store) Lot(ctx context.Context, id string) (trace.Lot, error) {
	v, err := s.Store.Lot(ctx, id)
	return v, s.failed("Lot", err)
}

func (s *Store) Lots(ctx context.Context, f trace.LotFilter) ([]trace.Lot, error) {
	v, err := s.Store.Lots(ctx, f)
	return v, s.failed("Lots", err)
}

func (s *Store) LotsByID(ctx context.Context, ids []string) ([]trace.Lot, error) {
	v, err := s.Store.LotsByID(ctx, ids)
	return v, s.failed("LotsByID", err)
}

func (s *Store) ChildLots(ctx context.Context, parents []string) ([]trace.Lot, error) {
	v, err := s.Store.ChildLots(ctx, parents)
	return v, s.failed("ChildLots", err)
}

func (s *Store) Events(ctx context.Context, lot string) ([]trace.Event, error) {
	v, err := s.Store.Events(ctx, lot)
	return v, s.failed("Events", err)
}

func (s *Store) Unit(ctx context.Context, serial string) (trace.Unit, error) {
	v, err := s.Store.Unit(ctx, serial)
	return v, s.failed("Unit", err)
}

func (s *Store) Units(ctx context.Context, lot string) ([]trace.Unit, error) {
	v, err := s.Store.Units(ctx, lot)
	return v, s.failed("Units", err)
}

func (s *Store) Anchors(ctx context.Context, kind, key string) ([]trace.Anchor, error) {
	v, err := s.Store.Anchors(ctx, kind, key)
	return v, s.failed("Anchors", err)
}

func (s *Store) Scans(ctx context.Context, f trace.ScanFilter) ([]trace.Scan, error) {
	v, err := s.Store.Scans(ctx, f)
	return v, s.failed("Scans", err)
}

func (s *Store) ScanSummary(ctx context.Context, serial string) (trace.ScanSummary, error) {
	v, err := s.Store.ScanSummary(ctx, serial)
	return v, s.failed("ScanSummary", err)
}

func (s *Store) Complaint(ctx context.Context, id string) (trace.Complaint, error) {
	v, err := s.Store.Complaint(ctx, id)
	return v, s.failed("Complaint", err)
}

func (s *Store) Complaints(ctx context.Context, f trace.ComplaintFilter) ([]trace.Complaint, error) {
	v, err := s.Store.Complaints(ctx, f)
	return v, s.failed("Complaints", err)
}

func (s *Store) ComplaintEntries(ctx context.Context, id string) ([]trace.ComplaintEntry, error) {
	v, err := s.Store.ComplaintEntries(ctx, id)
	return v, s.failed("ComplaintEntries", err)
}

func (s *Store) Evidence(ctx context.Context, hash string) (trace.Evidence, error) {
	v, err := s.Store.Evidence(ctx, hash)
	return v, s.failed("Evidence", err)
}

func (s *Store) Replay(ctx context.Context, scope, key string) (trace.Replay, error) {
	v, err := s.Store.Replay(ctx, scope, key)
	return v, s.failed("Replay", err)
}

func (s *Store) SaveReplay(ctx context.Context, r trace.Replay) error {
	return s.failed("SaveReplay", s.Store.SaveReplay(ctx, r))
}

func (s *Store) CreateUser(ctx context.Context, u trace.User) error {
	return s.failed("CreateUser", s.Store.CreateUser(ctx, u))
}

func (s *Store) User(ctx context.Context, login string) (trace.User, error) {
	v, err := s.Store.User(ctx, login)
	return v, s.failed("User", err)
}

func (s *Store) Users(ctx context.Context, org string) ([]trace.User, error) {
	v, err := s.Store.Users(ctx, org)
	return v, s.failed("Users", err)
}

func (s *Store) UpdateUser(ctx context.Context, u trace.User) error {
	return s.failed("UpdateUser", s.Store.UpdateUser(ctx, u))
}

func (s *Store) CreateSession(ctx context.Context, sn trace.Session) error {
	return s.failed("CreateSession", s.Store.CreateSession(ctx, sn))
}

func (s *Store) Session(ctx context.Context, hash string) (trace.Session, error) {
	v, err := s.Store.Session(ctx, hash)
	return v, s.failed("Session", err)
}

func (s *Store) UpdateSession(ctx context.Context, sn trace.Session) error {
	return s.failed("UpdateSession", s.Store.UpdateSession(ctx, sn))
}

func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.failed("DeleteSession", s.Store.DeleteSession(ctx, hash))
}

func (s *Store) DeleteSessions(ctx context.Context, login string) error {
	return s.failed("DeleteSessions", s.Store.DeleteSessions(ctx, login))
}
