package trace

import (
	"context"
	"slices"
)

// CreateOrg registers an organization; only admins may.
func (s *Service) CreateOrg(ctx context.Context, actor Org, o Org) (Org, error) {
	if err := requireRole(actor, "creating organizations", RoleAdmin); err != nil {
		return Org{}, err
	}
	return s.Bootstrap(ctx, o)
}

// Bootstrap registers an organization without an acting one: for the admin
// command line, which has the database itself.
func (s *Service) Bootstrap(ctx context.Context, o Org) (Org, error) {
	o.Roles = slices.Compact(slices.Sorted(slices.Values(o.Roles)))
	if err := o.Validate(); err != nil {
		return Org{}, err
	}
	o.CreatedAt = Now(s.Now())
	return o, s.Store.CreateOrg(ctx, o)
}

// CreateAPIKey issues a key for an organization; admins may issue keys for
// any organization. The secret is returned once and only its hash is kept.
func (s *Service) CreateAPIKey(ctx context.Context, actor Org, orgID string) (APIKey, string, error) {
	if err := requireRole(actor, "issuing API keys", RoleAdmin); err != nil {
		return APIKey{}, "", err
	}
	return s.IssueKey(ctx, orgID)
}

// IssueKey issues a key without an acting organization, for the command line.
func (s *Service) IssueKey(ctx context.Context, orgID string) (APIKey, string, error) {
	if _, err := s.Store.Org(ctx, orgID); err != nil {
		return APIKey{}, "", err
	}
	k, secret := NewAPIKey(orgID, Now(s.Now()))
	return k, secret, s.Store.CreateAPIKey(ctx, k)
}

// CreateProduct registers a trade item.
func (s *Service) CreateProduct(ctx context.Context, actor Org, p Product) (Product, error) {
	if err := requireRole(actor, "registering products", RoleAdmin, RoleProducer, RoleCollector, RoleProcessor); err != nil {
		return Product{}, err
	}
	if err := p.Validate(); err != nil {
		return Product{}, err
	}
	p.CreatedAt = Now(s.Now())
	return p, s.Store.CreateProduct(ctx, p)
}
