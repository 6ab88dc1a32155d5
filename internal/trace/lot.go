package trace

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Lot statuses.
const (
	LotActive   = "active"
	LotConsumed = "consumed"
	LotRecalled = "recalled"
)

// Lot is a quantity of one product that moves and changes as a whole. Its
// state is the result of its events; every change to it is an event.
type Lot struct {
	ID     string `json:"id"`
	GTIN   string `json:"gtin"`
	Number string `json:"lot"`
	// Quantity is what the lot was created with and Available what is left after
	// transforms, splits, packs and sales, both in the product's base unit.
	Quantity    int64          `json:"quantity"`
	Available   int64          `json:"available"`
	BaseUnit    string         `json:"baseUnit"`
	Origin      *Origin        `json:"origin,omitempty"`
	Attributes  map[string]any `json:"attributes,omitempty"`
	Status      string         `json:"status"`
	Producer    string         `json:"producer"`
	Custodian   string         `json:"custodian"`
	InTransitTo string         `json:"inTransitTo,omitempty"`
	Parents     []Portion      `json:"parents,omitempty"`
	// Holders are every organization that has made or held the lot, and Areas
	// every division-code prefix (province, prefecture, county) where it was
	// grown or an event of it took place: what reads are decided by (access.go).
	Holders []string `json:"holders,omitempty"`
	Areas   []string `json:"areas,omitempty"`
	// Basis is the raw material Available stands for; see Basis.
	Basis Basis `json:"basis,omitempty"`
	// Seq and Head are the sequence number and hash of the lot's last event.
	Seq       int64     `json:"seq"`
	Head      string    `json:"head"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Origin is where a lot of produce was grown.
type Origin struct {
	Region      string `json:"region"`
	Village     string `json:"village,omitempty"`
	Farm        string `json:"farm,omitempty"`
	HarvestDate string `json:"harvestDate,omitempty"`
	// Grower is an individual farmer's name: personal information (PIPL),
	// which the public scan page shows only when GrowerConsent records that
	// the farmer agreed. Organizations reading the lot see it regardless.
	Grower        string `json:"grower,omitempty"`
	GrowerConsent bool   `json:"growerConsent,omitempty"`
}

// Public is the origin as anyone scanning a label may see it: without the
// grower's name unless the grower consented.
func (o Origin) Public() Origin {
	if !o.GrowerConsent {
		o.Grower = ""
	}
	return o
}

// Portion is a quantity of a lot: an input of a transform, a parent of a lot.
type Portion struct {
	Lot      string `json:"lot"`
	Quantity int64  `json:"quantity"`
}

// LotID is the identifier of lot number in GTIN's namespace: GS1 lot numbers
// are unique per GTIN, and a GTIN is always 14 digits, so the dot is unambiguous.
func LotID(gtin, number string) string { return gtin + "." + number }

// lotNumberPattern keeps to characters that need no escaping in a GS1 Digital
// Link path, a subset of the AI (10) character set.
var lotNumberPattern = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,19}$`)

// ValidateLotNumber checks a lot number as given for field.
func ValidateLotNumber(field, n string) error {
	if !lotNumberPattern.MatchString(n) {
		return FieldErrorf(EINVALID, field, "lot number must be 1-20 letters, digits, '.', '_' or '-'")
	}
	return nil
}

// ValidateOrigin checks the origin of a lot of produce.
func (o *Origin) Validate() error {
	if o == nil {
		return FieldErrorf(EINVALID, "origin", "origin is required for produce bought from growers")
	}
	if err := ValidateRegion("origin.region", o.Region); err != nil {
		return err
	}
	if o.HarvestDate != "" {
		if _, err := time.Parse(time.DateOnly, o.HarvestDate); err != nil {
			return FieldErrorf(EINVALID, "origin.harvestDate", "harvest date must be YYYY-MM-DD")
		}
	}
	if strings.TrimSpace(o.Village) == "" && strings.TrimSpace(o.Farm) == "" {
		return FieldErrorf(EINVALID, "origin.village", "name the village or the farm/co-op the produce came from")
	}
	if o.GrowerConsent && strings.TrimSpace(o.Grower) == "" {
		return FieldErrorf(EINVALID, "origin.growerConsent", "consent to show a grower's name needs the grower's name")
	}
	if utf8.RuneCountInString(o.Grower) > 50 {
		return FieldErrorf(EINVALID, "origin.grower", "grower's name must be at most 50 characters")
	}
	return nil
}

// Limits on a lot's attributes, so that no lot's public page grows without
// bound: each attribute is shown on every scan of the lot's bottles.
const (
	MaxAttributes        = 50
	MaxAttributeKey      = 64
	MaxAttributeValueLen = 500
)

// ValidateAttributes checks a lot's attributes as given for field: at most
// MaxAttributes, each named in 1 to MaxAttributeKey characters, with a value
// of at most MaxAttributeValueLen bytes as JSON.
func ValidateAttributes(field string, attrs map[string]any) error {
	if len(attrs) > MaxAttributes {
		return FieldErrorf(EINVALID, field, "a lot has at most %d attributes, not %d", MaxAttributes, len(attrs))
	}
	for k, v := range attrs {
		if k == "" || utf8.RuneCountInString(k) > MaxAttributeKey {
			return FieldErrorf(EINVALID, field, "an attribute's name is 1 to %d characters", MaxAttributeKey)
		}
		b, err := json.Marshal(v)
		if err != nil || len(b) > MaxAttributeValueLen {
			return FieldErrorf(EINVALID, field+"."+k, "an attribute's value is at most %d bytes as JSON", MaxAttributeValueLen)
		}
	}
	return nil
}
