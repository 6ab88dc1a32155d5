package trace

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Roles an organization can hold.
const (
	RoleProducer  = "producer"
	RoleCollector = "collector"
	RoleProcessor = "processor"
	RoleLogistics = "logistics"
	RoleRetailer  = "retailer"
	RoleRegulator = "regulator"
	RoleAdmin     = "admin"
)

// RoleLab is an accredited testing laboratory: it records test results on any
// lot, and they are shown as an accredited lab's.
const RoleLab = "lab"

// Roles lists every role, in the order the docs give them.
var Roles = []string{RoleProducer, RoleCollector, RoleProcessor, RoleLogistics, RoleRetailer, RoleRegulator, RoleLab, RoleAdmin}

// Org is an organization that acts on lots: a co-op, collection center, mill,
// distribution center, shop or regulator.
type Org struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	NameEN string   `json:"nameEn,omitempty"`
	Roles  []string `json:"roles"`
	Region string   `json:"region"`
	// SCCode is the food production licence number (食品生产许可证编号) of a
	// processor that holds one; the scan page shows it for the organization
	// that made or packed the product.
	SCCode    string    `json:"scCode,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	// Disabled organizations cannot sign in and nothing is shipped to them;
	// what they recorded before stays valid.
	Disabled   bool      `json:"disabled,omitempty"`
	DisabledAt time.Time `json:"disabledAt,omitzero"`
}

// CommandLine is the actor of the admin command line, which has the database
// itself: an admin that no API key can stand for.
var CommandLine = Org{ID: "cli", Name: "agritrace admin", Roles: []string{RoleAdmin}}

// Has reports whether o holds any of roles.
func (o Org) Has(roles ...string) bool {
	for _, r := range roles {
		if slices.Contains(o.Roles, r) {
			return true
		}
	}
	return false
}

var (
	orgIDPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)
	regionPattern = regexp.MustCompile(`^([0-9]{6}|[0-9]{9}|[0-9]{12})$`)
	// An SC code is "SC" and 14 digits: a 3-digit food category whose first
	// digit is 1 for food, province, city and county (2 digits each), a 4-digit
	// sequence and a check digit. The check digit's algorithm is not published,
	// so it is not verified.
	scCodePattern = regexp.MustCompile(`^SC1[0-9]{13}$`)
)

// Validate checks an organization before it is created.
func (o Org) Validate() error {
	switch {
	case !orgIDPattern.MatchString(o.ID):
		return FieldErrorf(EINVALID, "id", "organization id must be 2-40 lowercase letters, digits or dashes")
	case o.ID == CommandLine.ID:
		return FieldErrorf(EINVALID, "id", "organization id %q is reserved for the admin command line", o.ID)
	case strings.TrimSpace(o.Name) == "":
		return FieldErrorf(EINVALID, "name", "organization name is required")
	case len(o.Roles) == 0:
		return FieldErrorf(EINVALID, "roles", "at least one role is required")
	}
	for _, r := range o.Roles {
		if !slices.Contains(Roles, r) {
			return FieldErrorf(EINVALID, "roles", "unknown role %q (known: %s)", r, strings.Join(Roles, ", "))
		}
	}
	if o.SCCode != "" && !scCodePattern.MatchString(o.SCCode) {
		return FieldErrorf(EINVALID, "scCode", "food production licence number must be SC and 14 digits, the first 1 (food)")
	}
	return ValidateRegion("region", o.Region)
}

// ValidateRegion checks a Chinese administrative division code: 6 digits for a
// county, 9 for a township, 12 for a village.
func ValidateRegion(field, code string) error {
	if !regionPattern.MatchString(code) {
		return FieldErrorf(EINVALID, field, "region must be a 6, 9 or 12 digit administrative division code")
	}
	return nil
}

// APIKey is an organization's credential. Only the SHA-256 of the secret is
// stored: keys are 256-bit random, so a slow hash would add nothing.
type APIKey struct {
	ID    string `json:"id"`
	OrgID string `json:"org"`
	Hash  string `json:"-"`
	// CreatedBy is the organization that issued the key (an admin's, or the
	// command line's "cli"), so a key made for someone else is on record.
	CreatedBy string    `json:"createdBy"`
	CreatedAt time.Time `json:"createdAt"`
	RevokedBy string    `json:"revokedBy,omitempty"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
}

// Revoked reports whether the key no longer signs anyone in.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// NewAPIKey makes a key for org, issued by by, and returns it with the secret
// to hand out once.
func NewAPIKey(org, by string, now time.Time) (APIKey, string) {
	id := randomToken(6)
	secret := "atk_" + id + "_" + randomToken(32)
	return APIKey{ID: id, OrgID: org, Hash: HashAPIKey(secret), CreatedBy: by, CreatedAt: now}, secret
}

// HashAPIKey is how a presented secret is looked up.
func HashAPIKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}
