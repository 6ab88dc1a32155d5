package trace

import "time"

// Unit statuses.
const (
	UnitActive   = "active"
	UnitSold     = "sold"
	UnitRecalled = "recalled"
)

// Unit is one serialized item of a packed lot: a bottle with a QR label.
type Unit struct {
	Serial    string    `json:"serial"`
	Lot       string    `json:"lot"`
	GTIN      string    `json:"gtin"`
	LotNumber string    `json:"lotNumber"`
	KeyID     string    `json:"keyId"`
	Signature string    `json:"signature"`
	Status    string    `json:"status"`
	SoldBy    string    `json:"soldBy,omitempty"`
	SoldAt    time.Time `json:"soldAt,omitzero"`
	CreatedAt time.Time `json:"createdAt"`
}

// Scan is one look-up of a label or lot by a consumer or inspector.
type Scan struct {
	ID      string    `json:"id"`
	Serial  string    `json:"serial,omitempty"`
	Lot     string    `json:"lot,omitempty"`
	Time    time.Time `json:"time"`
	Region  string    `json:"region,omitempty"`
	Client  string    `json:"client"`
	Verdict string    `json:"verdict"`
	Reasons []string  `json:"reasons,omitempty"`
}
