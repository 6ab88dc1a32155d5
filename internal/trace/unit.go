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
	// RegionSource is the evidence that placed the scan: ip, geolocation,
	// inspector or none (empty on scans recorded before sources were).
	RegionSource string `json:"regionSource,omitempty"`
	// ReportedRegion is a place the scanner offered that was not weighed.
	ReportedRegion string `json:"reportedRegion,omitempty"`
	// Scanner is a hash of the scanner's cookie and address: reloads by one
	// phone share it.
	Scanner string `json:"scanner,omitempty"`
	// Count is how many probes this alert stands for when it folds repeated
	// probes from one source (see scan.Probes), since Since; absent, one.
	Count int       `json:"count,omitempty"`
	Since time.Time `json:"since,omitzero"`
}
