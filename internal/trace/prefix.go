package trace

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Prefix statuses: a declared prefix is pending until a regulator or an admin
// approves it; only approved prefixes let their owner register products.
const (
	PrefixPending  = "pending"
	PrefixApproved = "approved"
)

// Prefix is a GS1 Company Prefix an organization declares it holds. It covers
// every GTIN-14 whose digits after the indicator digit begin with it: prefix
// 6901234 covers 06901234500592 and 16901234500599 alike.
type Prefix struct {
	Prefix     string    `json:"prefix"`
	Org        string    `json:"org"`
	Status     string    `json:"status"`
	DeclaredBy string    `json:"declaredBy"`
	DeclaredAt time.Time `json:"declaredAt"`
	ApprovedBy string    `json:"approvedBy,omitempty"`
	ApprovedAt time.Time `json:"approvedAt,omitzero"`
}

// Covers reports whether the prefix covers a (valid) GTIN-14.
func (p Prefix) Covers(gtin string) bool {
	return len(gtin) == 14 && strings.HasPrefix(gtin[1:], p.Prefix)
}

// overlaps reports whether one prefix begins the other: then some GTIN would
// be covered by both.
func overlaps(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }

// ValidatePrefix checks a GS1 Company Prefix: 4 to 12 digits.
func ValidatePrefix(p string) error {
	if len(p) < 4 || len(p) > 12 || strings.ContainsFunc(p, func(r rune) bool { return r < '0' || r > '9' }) {
		return FieldErrorf(EINVALID, "prefix", "a GS1 Company Prefix is 4 to 12 digits")
	}
	return nil
}

// DeclarePrefix records that an organization holds a GS1 Company Prefix,
// pending approval. The organization itself or an admin may declare it.
func (s *Service) DeclarePrefix(ctx context.Context, actor Org, orgID, prefix string) (Prefix, error) {
	if actor.ID != orgID && !actor.Has(RoleAdmin) {
		return Prefix{}, Errorf(EFORBIDDEN, "only %s itself or an admin may declare its GS1 Company Prefixes", orgID)
	}
	p, err := s.newPrefix(ctx, actor, orgID, prefix)
	if err != nil {
		return Prefix{}, err
	}
	return p, s.Store.CreatePrefix(ctx, p)
}

// RegisterPrefix records an approved prefix at once: for the admin command
// line, whose user holds the database and answers for the registration.
func (s *Service) RegisterPrefix(ctx context.Context, orgID, prefix string) (Prefix, error) {
	p, err := s.newPrefix(ctx, CommandLine, orgID, prefix)
	if err != nil {
		return Prefix{}, err
	}
	p.Status, p.ApprovedBy, p.ApprovedAt = PrefixApproved, CommandLine.ID, p.DeclaredAt
	return p, s.Store.CreatePrefix(ctx, p)
}

// newPrefix checks a declaration: a well-formed prefix, an existing
// organization, and no overlap with another organization's prefix, pending
// or approved (one prefix, one owner).
func (s *Service) newPrefix(ctx context.Context, actor Org, orgID, prefix string) (Prefix, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return Prefix{}, err
	}
	if _, err := s.Store.Org(ctx, orgID); err != nil {
		return Prefix{}, err
	}
	if err := s.noOverlap(ctx, orgID, prefix); err != nil {
		return Prefix{}, err
	}
	return Prefix{Prefix: prefix, Org: orgID, Status: PrefixPending, DeclaredBy: actor.ID, DeclaredAt: Now(s.Now())}, nil
}

func (s *Service) noOverlap(ctx context.Context, orgID, prefix string) error {
	all, err := s.Store.Prefixes(ctx)
	if err != nil {
		return err
	}
	for _, p := range all {
		if p.Org != orgID && overlaps(p.Prefix, prefix) {
			return FieldErrorf(ECONFLICT, "prefix", "prefix %s overlaps %s, declared by %s", prefix, p.Prefix, p.Org)
		}
	}
	return nil
}

// ApprovePrefix approves a pending prefix: regulators and admins may, but not
// for their own organization.
func (s *Service) ApprovePrefix(ctx context.Context, actor Org, orgID, prefix string) (Prefix, error) {
	if err := requireRole(actor, "approving GS1 Company Prefixes", RoleRegulator, RoleAdmin); err != nil {
		return Prefix{}, err
	}
	if actor.ID == orgID {
		return Prefix{}, Errorf(EFORBIDDEN, "%s cannot approve its own prefix", orgID)
	}
	ps, err := s.Prefixes(ctx, orgID)
	if err != nil {
		return Prefix{}, err
	}
	i := slices.IndexFunc(ps, func(p Prefix) bool { return p.Prefix == prefix })
	if i < 0 {
		return Prefix{}, Errorf(ENOTFOUND, "%s has not declared prefix %s", orgID, prefix)
	}
	p := ps[i]
	if p.Status == PrefixApproved {
		return Prefix{}, Errorf(ECONFLICT, "prefix %s of %s is already approved", prefix, orgID)
	}
	// Checked again: two overlapping declarations can race past each other.
	if err := s.noOverlap(ctx, orgID, prefix); err != nil {
		return Prefix{}, err
	}
	p.Status, p.ApprovedBy, p.ApprovedAt = PrefixApproved, actor.ID, Now(s.Now())
	return p, s.Store.UpdatePrefix(ctx, p)
}

// Prefixes lists an organization's prefixes.
func (s *Service) Prefixes(ctx context.Context, orgID string) ([]Prefix, error) {
	if _, err := s.Store.Org(ctx, orgID); err != nil {
		return nil, err
	}
	all, err := s.Store.Prefixes(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(p Prefix) bool { return p.Org != orgID }), nil
}

// prefixFor returns the approved prefix covering gtin, if any.
func (s *Service) prefixFor(ctx context.Context, gtin string) (Prefix, bool, error) {
	all, err := s.Store.Prefixes(ctx)
	if err != nil {
		return Prefix{}, false, err
	}
	for _, p := range all {
		if p.Status == PrefixApproved && p.Covers(gtin) {
			return p, true, nil
		}
	}
	return Prefix{}, false, nil
}

// CreateProduct registers a trade item. Only the owner of an approved prefix
// covering the GTIN may, and it becomes the product's owner: an admin cannot
// register products on anyone's behalf.
func (s *Service) CreateProduct(ctx context.Context, actor Org, p Product) (Product, error) {
	if err := requireRole(actor, "registering products", RoleProducer, RoleCollector, RoleProcessor); err != nil {
		return Product{}, err
	}
	if err := p.Validate(); err != nil {
		return Product{}, err
	}
	if p.Owner != "" && p.Owner != actor.ID {
		return Product{}, FieldErrorf(EINVALID, "owner", "a product is registered by its owner; %s cannot register it for %s", actor.ID, p.Owner)
	}
	prefix, ok, err := s.prefixFor(ctx, p.GTIN)
	if err != nil {
		return Product{}, err
	}
	switch {
	case ok && prefix.Org != actor.ID:
		return Product{}, FieldErrorf(EFORBIDDEN, "gtin", "GTIN %s is under GS1 Company Prefix %s of %s", p.GTIN, prefix.Prefix, prefix.Org)
	case !ok:
		return Product{}, FieldErrorf(EFORBIDDEN, "gtin", "no approved GS1 Company Prefix of %s covers GTIN %s: declare it and have a regulator approve it first", actor.ID, p.GTIN)
	}
	p.Owner, p.CreatedAt = actor.ID, Now(s.Now())
	return p, s.Store.CreateProduct(ctx, p)
}
