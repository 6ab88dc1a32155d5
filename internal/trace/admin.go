package trace

import (
	"context"
	"slices"
	"time"
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
	o.Disabled, o.DisabledAt = false, time.Time{}
	return o, s.Store.CreateOrg(ctx, o)
}

// SetDisabled disables an organization, or enables it again; only admins may,
// and not their own. A disabled organization's keys answer 401 and nothing
// can be shipped to it; its past records are untouched.
func (s *Service) SetDisabled(ctx context.Context, actor Org, id string, disabled bool) (Org, error) {
	if err := requireRole(actor, "disabling or enabling organizations", RoleAdmin); err != nil {
		return Org{}, err
	}
	if id == actor.ID {
		return Org{}, Errorf(EUNPROCESSABLE, "%s cannot disable or enable itself", actor.ID)
	}
	o, err := s.Store.Org(ctx, id)
	if err != nil {
		return Org{}, err
	}
	o.Disabled, o.DisabledAt = disabled, time.Time{}
	if disabled {
		o.DisabledAt = Now(s.Now())
	}
	defer s.keys.forget(id)
	return o, s.Store.UpdateOrg(ctx, o)
}

// Authenticate returns the organization a presented API key secret stands
// for: EUNAUTHORIZED for an unknown or revoked key, or a disabled organization.
// Answers are cached for up to APIKeyTTL; see keyCache.
func (s *Service) Authenticate(ctx context.Context, secret string) (Org, error) {
	hash := HashAPIKey(secret)
	o, gen, ok := s.keys.get(hash, time.Now())
	if !ok {
		var err error
		if o, err = s.Store.OrgByAPIKey(ctx, hash); err != nil {
			return Org{}, err
		}
		s.keys.put(hash, o, gen, time.Now())
	}
	if o.Disabled {
		return Org{}, Errorf(EUNAUTHORIZED, "organization %s is disabled", o.ID)
	}
	return o, nil
}

// CreateAPIKey issues a key for an organization; admins may issue keys for
// any organization, and the key records which one did. The secret is
// returned once and only its hash is kept.
func (s *Service) CreateAPIKey(ctx context.Context, actor Org, orgID string) (APIKey, string, error) {
	if err := requireRole(actor, "issuing API keys", RoleAdmin); err != nil {
		return APIKey{}, "", err
	}
	if _, err := s.Store.Org(ctx, orgID); err != nil {
		return APIKey{}, "", err
	}
	k, secret := NewAPIKey(orgID, actor.ID, Now(s.Now()))
	return k, secret, s.Store.CreateAPIKey(ctx, k)
}

// IssueKey issues a key as the command line.
func (s *Service) IssueKey(ctx context.Context, orgID string) (APIKey, string, error) {
	return s.CreateAPIKey(ctx, CommandLine, orgID)
}

// mayManageKeys: an organization manages its own keys, admins anyone's.
func mayManageKeys(actor Org, orgID string) error {
	if actor.ID == orgID || actor.Has(RoleAdmin) {
		return nil
	}
	return Errorf(EFORBIDDEN, "only %s itself or an admin may see or revoke its API keys", orgID)
}

// APIKeys lists an organization's keys, revoked ones included; never secrets.
func (s *Service) APIKeys(ctx context.Context, actor Org, orgID string) ([]APIKey, error) {
	if err := mayManageKeys(actor, orgID); err != nil {
		return nil, err
	}
	if _, err := s.Store.Org(ctx, orgID); err != nil {
		return nil, err
	}
	return s.Store.APIKeys(ctx, orgID)
}

// RevokeAPIKey revokes one of an organization's keys for good: from then on
// it answers 401.
func (s *Service) RevokeAPIKey(ctx context.Context, actor Org, orgID, keyID string) (APIKey, error) {
	keys, err := s.APIKeys(ctx, actor, orgID)
	if err != nil {
		return APIKey{}, err
	}
	i := slices.IndexFunc(keys, func(k APIKey) bool { return k.ID == keyID })
	if i < 0 {
		return APIKey{}, Errorf(ENOTFOUND, "%s has no API key %s", orgID, keyID)
	}
	k := keys[i]
	if k.Revoked() {
		return APIKey{}, Errorf(ECONFLICT, "API key %s was revoked by %s at %s", k.ID, k.RevokedBy, FormatTime(k.RevokedAt))
	}
	k.RevokedBy, k.RevokedAt = actor.ID, Now(s.Now())
	defer s.keys.forget(orgID)
	return k, s.Store.UpdateAPIKey(ctx, k)
}
