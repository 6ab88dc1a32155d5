package trace

import (
	"context"
	"fmt"
	"slices"
)

// Who may read what. Reads follow need, as writes follow custody:
//
//   - an organization sees the lots it made or held, and their upstream
//     provenance (every lot they were made from);
//   - a regulator sees what was grown or handled in its jurisdiction, the
//     division-code prefix of its region, and the provenance of those lots;
//   - an admin sees everything;
//   - the public sees the provenance page of a scanned label (internal/scan).
//
// Signed labels are stricter: they print genuine bottles, so only the lot's
// custodian, its producer, regulators over it and admins get them.

// Jurisdiction is the division-code prefix a regulator's region covers: a
// province code 420000 covers 42, a prefecture 420500 covers 4205, a county
// 420526 itself. Township and village codes count as their county, since
// market supervision below the county is the county bureau's.
func Jurisdiction(region string) string {
	if len(region) < 6 {
		return region
	}
	code := region[:6]
	switch {
	case code[2:] == "0000":
		return code[:2]
	case code[4:] == "00":
		return code[:4]
	}
	return code
}

// areas returns the prefixes a division code lies in: province, prefecture
// and county.
func areas(region string) []string {
	if len(region) < 6 {
		return nil
	}
	return []string{region[:2], region[:4], region[:6]}
}

// remember notes on the lot who holds it and where it now is, so that reads
// can be decided and listed from the lot itself.
func (l *Lot) remember(region string) {
	for _, org := range []string{l.Producer, l.Custodian} {
		if org != "" && !slices.Contains(l.Holders, org) {
			l.Holders = append(l.Holders, org)
		}
	}
	regions := []string{region}
	if l.Origin != nil {
		regions = append(regions, l.Origin.Region)
	}
	for _, r := range regions {
		for _, a := range areas(r) {
			if !slices.Contains(l.Areas, a) {
				l.Areas = append(l.Areas, a)
			}
		}
	}
}

// touches reports whether actor has a direct claim to read l: it made or
// holds or held it, or, as a regulator, l passed through its jurisdiction.
func touches(actor Org, l Lot) bool {
	if actor.Has(RoleAdmin) {
		return true
	}
	if actor.Has(RoleRegulator) {
		j := Jurisdiction(actor.Region)
		if slices.Contains(l.Areas, j) {
			return true
		}
		// Lots recorded before Areas was kept: their origin still places them.
		return l.Origin != nil && len(l.Areas) == 0 && slices.Contains(areas(l.Origin.Region), j)
	}
	return l.Producer == actor.ID || l.Custodian == actor.ID || l.InTransitTo == actor.ID || slices.Contains(l.Holders, actor.ID)
}

// maxReach bounds the downstream walk of a read check: far more lots than
// one harvest's seed ever turns into.
const maxReach = 10000

// mayRead decides whether actor may read l: it touches l or a lot made from
// l. The lots made from l are read a level at a time.
func (s *Service) mayRead(ctx context.Context, actor Org, l Lot) error {
	if touches(actor, l) {
		return nil
	}
	seen := map[string]bool{l.ID: true}
	level := []string{l.ID}
	for len(level) > 0 && len(seen) < maxReach {
		children, err := s.Store.ChildLots(ctx, level)
		if err != nil {
			return fmt.Errorf("read check of %s: %w", l.ID, err)
		}
		level = nil
		for _, ch := range children {
			if seen[ch.ID] {
				continue
			}
			if touches(actor, ch) {
				return nil
			}
			seen[ch.ID] = true
			level = append(level, ch.ID)
		}
	}
	return FieldErrorf(EFORBIDDEN, "lot", "%s did not make or hold lot %s or anything made from it", actor.ID, l.ID)
}

// mayLabel decides whether actor may have the signed labels of l's units.
func mayLabel(actor Org, l Lot) error {
	switch {
	case actor.Has(RoleAdmin), l.Custodian == actor.ID, l.Producer == actor.ID:
		return nil
	case actor.Has(RoleRegulator) && touches(actor, l):
		return nil
	}
	return FieldErrorf(EFORBIDDEN, "lot", "signed labels of lot %s go only to its custodian (%s), its producer (%s) and regulators over it", l.ID, l.Custodian, l.Producer)
}

// mayRecall decides whether actor may recall l: its producer, or a
// regulator over it, one that may read it (its jurisdiction and that
// jurisdiction's provenance): a recall reaches every shelf downstream, so a
// bureau elsewhere may not pull a lot it cannot even see.
func (s *Service) mayRecall(ctx context.Context, actor Org, l Lot) error {
	if l.Producer == actor.ID {
		return nil
	}
	if actor.Has(RoleRegulator) {
		if err := s.mayRead(ctx, actor, l); ErrorCode(err) != EFORBIDDEN {
			return err
		}
	}
	return FieldErrorf(EFORBIDDEN, "lot", "only a regulator over lot %s or its producer (%s) may recall it", l.ID, l.Producer)
}

// mayInspect decides whether actor may record test results on l: an
// accredited lab on any lot, a regulator on the lots it may read, anyone
// else on the lots it holds.
func (s *Service) mayInspect(ctx context.Context, actor Org, l Lot) error {
	switch {
	case actor.Has(RoleLab):
		return nil
	case actor.Has(RoleRegulator):
		return s.mayRead(ctx, actor, l)
	}
	return custodianOf(actor, l, "lot")
}

// requireRegulator guards what only market supervision (and admins, who run
// the service) may see: scans, alerts, complaints and audits.
func requireRegulator(actor Org, what string) error {
	if actor.Has(RoleRegulator, RoleAdmin) {
		return nil
	}
	return Errorf(EFORBIDDEN, "%s are for regulators", what)
}

// ReadLot returns a lot actor may read.
func (s *Service) ReadLot(ctx context.Context, actor Org, id string) (Lot, error) {
	l, err := s.Store.Lot(ctx, id)
	if err != nil {
		return l, err
	}
	return l, s.mayRead(ctx, actor, l)
}

// Lots lists the lots actor may list: those it made or held, those of a
// regulator's jurisdiction, everything for an admin. Upstream lots are read
// one by one through their descendants, not listed.
func (s *Service) Lots(ctx context.Context, actor Org, f LotFilter) ([]Lot, error) {
	switch {
	case actor.Has(RoleAdmin):
	case actor.Has(RoleRegulator):
		f.Area = Jurisdiction(actor.Region)
	default:
		f.Holder = actor.ID
	}
	return s.Store.Lots(ctx, f)
}

// TraceFor is the provenance graph of a lot as actor may see it: lots it may
// not read are left out, with the edges that lead to them.
func (s *Service) TraceFor(ctx context.Context, actor Org, id string) (Graph, error) {
	if _, err := s.ReadLot(ctx, actor, id); err != nil {
		return Graph{}, err
	}
	g, err := s.Trace(ctx, id)
	if err != nil || actor.Has(RoleAdmin) {
		return g, err
	}
	// The graph holds every lot made from the root and, through the root,
	// every lot upstream of it reaches the root's descendants: so mayRead's
	// rule (actor touches the lot or something made from it) is answered
	// from the graph's own edges, without walking the store once per lot.
	// The lots kept are those from which a lot actor touches can be reached:
	// one walk back along the edges from every touched lot finds them all.
	parents := map[string][]string{}
	for _, e := range g.Edges {
		parents[e.To] = append(parents[e.To], e.From)
	}
	kept := map[string]bool{}
	var queue []string
	for _, n := range g.Nodes {
		if touches(actor, n) {
			kept[n.ID] = true
			queue = append(queue, n.ID)
		}
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, p := range parents[id] {
			if !kept[p] {
				kept[p] = true
				queue = append(queue, p)
			}
		}
	}
	var nodes []Lot
	for _, n := range g.Nodes {
		if kept[n.ID] {
			nodes = append(nodes, n)
		}
	}
	var edges []Edge
	for _, e := range g.Edges {
		if kept[e.From] && kept[e.To] {
			edges = append(edges, e)
		}
	}
	g.Nodes, g.Edges = nodes, edges
	return g, nil
}

// LabelledUnits returns the units of a lot with their signed labels, for
// those who may print them.
func (s *Service) LabelledUnits(ctx context.Context, actor Org, lotID string) ([]Unit, error) {
	l, err := s.Store.Lot(ctx, lotID)
	if err != nil {
		return nil, err
	}
	if err := mayLabel(actor, l); err != nil {
		return nil, err
	}
	return s.Store.Units(ctx, lotID)
}

// LabelledUnit returns one unit with its signed label, for those who may
// print it.
func (s *Service) LabelledUnit(ctx context.Context, actor Org, serial string) (Unit, error) {
	u, err := s.Store.Unit(ctx, serial)
	if err != nil {
		return u, err
	}
	l, err := s.Store.Lot(ctx, u.Lot)
	if err != nil {
		return u, fmt.Errorf("unit %s: %w", serial, err)
	}
	return u, mayLabel(actor, l)
}

// Scans lists recorded scans, for regulators.
func (s *Service) Scans(ctx context.Context, actor Org, f ScanFilter) ([]Scan, error) {
	if err := requireRegulator(actor, "scan records"); err != nil {
		return nil, err
	}
	return s.Store.Scans(ctx, f)
}

// Complaints lists the complaint queue, for regulators.
func (s *Service) Complaints(ctx context.Context, actor Org, f ComplaintFilter) ([]Complaint, error) {
	if err := requireRegulator(actor, "complaints"); err != nil {
		return nil, err
	}
	return s.Store.Complaints(ctx, f)
}

// ReadComplaint returns a complaint and its trail, for regulators.
func (s *Service) ReadComplaint(ctx context.Context, actor Org, id string) (Complaint, []ComplaintEntry, error) {
	if err := requireRegulator(actor, "complaints"); err != nil {
		return Complaint{}, nil, err
	}
	c, err := s.Store.Complaint(ctx, id)
	if err != nil {
		return c, nil, err
	}
	trail, err := s.Store.ComplaintEntries(ctx, id)
	return c, trail, err
}

// ReadEvidence returns a complaint photo, for regulators: reporters' photos
// may show their homes and faces.
func (s *Service) ReadEvidence(ctx context.Context, actor Org, hash string) (Evidence, error) {
	if err := requireRegulator(actor, "complaint photos"); err != nil {
		return Evidence{}, err
	}
	return s.Store.Evidence(ctx, hash)
}

// Audit subjects.
const (
	AuditLot       = "lot"
	AuditSerial    = "serial"
	AuditComplaint = "complaint"
)

// MayAudit decides whether actor may have the audit of a lot, a serial or a
// complaint: regulators, for lots they may read (their jurisdiction and its
// provenance), and admins.
func (s *Service) MayAudit(ctx context.Context, actor Org, subject, id string) error {
	if err := requireRegulator(actor, "audits"); err != nil {
		return err
	}
	switch subject {
	case AuditSerial:
		u, err := s.Store.Unit(ctx, id)
		if err != nil {
			return err
		}
		id = u.Lot
	case AuditComplaint:
		return nil
	}
	_, err := s.ReadLot(ctx, actor, id)
	return err
}

// mayCertify decides whether actor may issue a 承诺达标合格证 for l. The
// rules give it to those who sell edible produce as it leaves the farm:
// producers for what they grow, and those who buy it up (collection points)
// for what they sell on, mixed or split. So only producers and collectors,
// and only while they hold the lot: once it has moved on to a mill, the
// produce is no longer theirs to vouch for, and the mill's product is food
// under the SC licence regime, not farm produce.
func mayCertify(actor Org, l Lot) error {
	if err := requireRole(actor, "issuing a certificate of commitment (承诺达标合格证)", RoleProducer, RoleCollector); err != nil {
		return err
	}
	return custodianOf(actor, l, "lot")
}
