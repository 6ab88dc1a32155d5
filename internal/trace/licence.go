package trace

import (
	"context"
	"fmt"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/hashchain"
)

// Licence actions.
const (
	LicenceGrant  = "grant"
	LicenceRevoke = "revoke"
)

// LicenceEntry is one grant or revocation of a licence to use a GTIN. A
// GTIN's entries form a hash chain anchored on the ledger (record kind
// "licence", keyed by the GTIN), so a licence cannot be added or removed in
// the database without the ledger showing it.
type LicenceEntry struct {
	GTIN     string `json:"gtin"`
	Seq      int64  `json:"seq"`
	Action   string `json:"action"`
	Licensee string `json:"licensee"`
	Actor    string `json:"actor"`
	// Person is the console user who acted for Actor, as in Event.
	Person   string    `json:"person,omitempty"`
	Time     time.Time `json:"time"`
	PrevHash string    `json:"prevHash"`
	Hash     string    `json:"hash"`
}

// ComputeHash is the entry's chain hash (see internal/hashchain), the same
// recipe as for custody events.
func (e LicenceEntry) ComputeHash() (string, error) {
	h, err := hashchain.Hash(struct {
		GTIN     string `json:"gtin"`
		Seq      int64  `json:"seq"`
		Action   string `json:"action"`
		Licensee string `json:"licensee"`
		Actor    string `json:"actor"`
		Person   string `json:"person,omitempty"`
		Time     string `json:"time"`
		PrevHash string `json:"prevHash"`
	}{e.GTIN, e.Seq, e.Action, e.Licensee, e.Actor, e.Person, FormatTime(e.Time), e.PrevHash})
	if err != nil {
		return "", fmt.Errorf("licence entry %s/%d: %w", e.GTIN, e.Seq, err)
	}
	return h, nil
}

// linkLicence chains e after the GTIN's entries so far.
func linkLicence(chain []LicenceEntry, e LicenceEntry) (LicenceEntry, error) {
	head := hashchain.Empty
	if n := len(chain); n > 0 {
		head = hashchain.Head{Seq: chain[n-1].Seq, Hash: chain[n-1].Hash}
	}
	e.Seq, e.PrevHash = head.Next()
	h, err := e.ComputeHash()
	e.Hash = h
	return e, err
}

// Licence is a licence in force: who may use the GTIN, granted when and by whom.
type Licence struct {
	Licensee  string    `json:"licensee"`
	GrantedBy string    `json:"grantedBy"`
	GrantedAt time.Time `json:"grantedAt"`
}

// ActiveLicences replays a GTIN's entries into the licences in force.
func ActiveLicences(entries []LicenceEntry) []Licence {
	var out []Licence
	for _, e := range entries {
		out = removeLicence(out, e.Licensee)
		if e.Action == LicenceGrant {
			out = append(out, Licence{Licensee: e.Licensee, GrantedBy: e.Actor, GrantedAt: e.Time})
		}
	}
	return out
}

func removeLicence(ls []Licence, licensee string) []Licence {
	var out []Licence
	for _, l := range ls {
		if l.Licensee != licensee {
			out = append(out, l)
		}
	}
	return out
}

func licensed(entries []LicenceEntry, org string) bool {
	for _, l := range ActiveLicences(entries) {
		if l.Licensee == org {
			return true
		}
	}
	return false
}

// LicensedAt reports whether org held a licence from entries at time at: the
// question an audit asks of a lot made under someone else's GTIN.
func LicensedAt(entries []LicenceEntry, org string, at time.Time) bool {
	var before []LicenceEntry
	for _, e := range entries {
		if !e.Time.After(at) {
			before = append(before, e)
		}
	}
	return licensed(before, org)
}

// owner returns the organization a product belongs to. Products registered
// before ownership was recorded belong to the holder of the approved prefix
// covering their GTIN, if there is one.
func (s *Service) owner(ctx context.Context, p Product) (string, error) {
	if p.Owner != "" {
		return p.Owner, nil
	}
	prefix, ok, err := s.prefixFor(ctx, p.GTIN)
	if err != nil || !ok {
		return "", err
	}
	return prefix.Org, nil
}

// mayUseGTIN is the one rule for making goods under a GTIN (commissioning,
// packing, transform outputs): the actor owns the GTIN's product or holds a
// licence from its owner that is not revoked.
func (s *Service) mayUseGTIN(ctx context.Context, actor Org, field, gtin string) error {
	p, err := s.product(ctx, gtin, field)
	if err != nil {
		return err
	}
	owner, err := s.owner(ctx, p)
	if err != nil || owner == actor.ID {
		return err
	}
	entries, err := s.Store.LicenceEntries(ctx, gtin)
	if err != nil || licensed(entries, actor.ID) {
		return err
	}
	if owner == "" {
		return FieldErrorf(EFORBIDDEN, field, "GTIN %s has no owner: no approved GS1 Company Prefix covers it", gtin)
	}
	return FieldErrorf(EFORBIDDEN, field, "GTIN %s belongs to %s; %s holds no licence to use it", gtin, owner, actor.ID)
}

// registered reads the product a licence request names.
func (s *Service) registered(ctx context.Context, gtin string) (Product, error) {
	if err := ValidateGTIN(gtin); err != nil {
		return Product{}, err
	}
	return s.Store.Product(ctx, gtin)
}

// GrantLicence lets licensee commission, pack and make transform outputs
// under a GTIN. Only the product's owner may grant it.
func (s *Service) GrantLicence(ctx context.Context, actor Org, gtin, licensee string) (LicenceEntry, error) {
	return s.licenceStep(ctx, actor, gtin, licensee, LicenceGrant)
}

// RevokeLicence ends a licence; only the product's owner may.
func (s *Service) RevokeLicence(ctx context.Context, actor Org, gtin, licensee string) (LicenceEntry, error) {
	return s.licenceStep(ctx, actor, gtin, licensee, LicenceRevoke)
}

func (s *Service) licenceStep(ctx context.Context, actor Org, gtin, licensee, action string) (LicenceEntry, error) {
	p, err := s.registered(ctx, gtin)
	if err != nil {
		return LicenceEntry{}, err
	}
	owner, err := s.owner(ctx, p)
	if err != nil {
		return LicenceEntry{}, err
	}
	if owner != actor.ID {
		return LicenceEntry{}, Errorf(EFORBIDDEN, "only the owner of GTIN %s (%s) may grant or revoke licences for it", gtin, owner)
	}
	entries, err := s.Store.LicenceEntries(ctx, gtin)
	if err != nil {
		return LicenceEntry{}, err
	}
	switch held := licensed(entries, licensee); {
	case action == LicenceRevoke && !held:
		return LicenceEntry{}, Errorf(ENOTFOUND, "%s holds no licence for GTIN %s", licensee, gtin)
	case action == LicenceGrant && held:
		return LicenceEntry{}, FieldErrorf(ECONFLICT, "licensee", "%s already holds a licence for GTIN %s", licensee, gtin)
	case action == LicenceGrant:
		if licensee == actor.ID {
			return LicenceEntry{}, FieldErrorf(EINVALID, "licensee", "the owner needs no licence")
		}
		o, err := s.Store.Org(ctx, licensee)
		if ErrorCode(err) == ENOTFOUND {
			return LicenceEntry{}, FieldErrorf(EUNPROCESSABLE, "licensee", "organization %s is not registered", licensee)
		} else if err != nil {
			return LicenceEntry{}, err
		}
		if o.Disabled {
			return LicenceEntry{}, FieldErrorf(EUNPROCESSABLE, "licensee", "organization %s is disabled", licensee)
		}
	}
	e, err := linkLicence(entries, LicenceEntry{GTIN: gtin, Action: action, Licensee: licensee, Actor: actor.ID, Person: PersonFrom(ctx), Time: Now(s.Now())})
	if err != nil {
		return LicenceEntry{}, err
	}
	replay, err := replayFor(ctx, e.Time, e)
	if err != nil {
		return LicenceEntry{}, err
	}
	err = s.Store.Commit(ctx, Change{
		Licences: []LicenceEntry{e},
		// The owner writes its licence chain as itself; "" as the custodian
		// makes a regulator's entry oversight (see act).
		Anchors: []custody.Record{{Kind: custody.KindLicence, Key: e.GTIN, Seq: uint64(e.Seq), Hash: e.Hash, PrevHash: e.PrevHash,
			Act: act(action, actor, ""), By: s.ledgerOrg(actor)}},
		Replay: replay,
	})
	return e, err
}

// Licences returns a GTIN's owner, the licences in force and the chain of
// entries they come from.
func (s *Service) Licences(ctx context.Context, gtin string) (string, []Licence, []LicenceEntry, error) {
	p, err := s.registered(ctx, gtin)
	if err != nil {
		return "", nil, nil, err
	}
	owner, err := s.owner(ctx, p)
	if err != nil {
		return "", nil, nil, err
	}
	entries, err := s.Store.LicenceEntries(ctx, gtin)
	if err != nil {
		return "", nil, nil, err
	}
	return owner, ActiveLicences(entries), entries, nil
}
