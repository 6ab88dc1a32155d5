package scan

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/agritrace/agritrace/internal/region"
)

// Where a scan's place came from, weakest evidence last.
const (
	// SourceInspector is the place an inspector, scanning with a regulator's
	// key, declares: an official's statement.
	SourceInspector = "inspector"
	// SourceGeolocation is the phone's location, shared by the shopper and
	// corroborated by the network address being in the same province.
	SourceGeolocation = "geolocation"
	// SourceIP is the client address mapped offline to a province: carriers
	// route a province's phones through the same exits, so no finer.
	SourceIP = "ip"
	// SourceNone means the scan could not be placed.
	SourceNone = "none"
	// sourceRecord is a place the custody records give (the market).
	sourceRecord = "record"
)

// Place is where a scan happened, as far as the evidence shows.
type Place struct {
	Region string `json:"region,omitempty"`
	Source string `json:"source"`
	// Reported is a place the scanner offered that the verdict did not use:
	// a consumer's ?region=, or a phone location the network address does not
	// corroborate. It is kept for investigators, never weighed.
	Reported string `json:"reported,omitempty"`
}

// digits is how many leading digits of the place's code the evidence
// supports: the province for an address, the prefecture otherwise; 0 for a
// place unknown or of a source that carries no weight (scans recorded
// before sources were).
func (p Place) digits() int {
	switch {
	case p.Region == "":
		return 0
	case p.Source == SourceIP:
		return 2
	case p.Source == SourceInspector || p.Source == SourceGeolocation || p.Source == sourceRecord:
		return 4
	}
	return 0
}

// far reports whether a and b are in different places at the precision of
// the weaker evidence: different prefectures, or different provinces when
// either was placed by its network address.
func far(a, b Place) bool {
	n := min(a.digits(), b.digits())
	return n > 0 && len(a.Region) >= n && len(b.Region) >= n && a.Region[:n] != b.Region[:n]
}

func (p Place) source() name {
	switch p.Source {
	case SourceInspector:
		return name{"地点由检查员申报", "place declared by the inspector"}
	case SourceGeolocation:
		return name{"地点依据手机定位", "placed by the phone's location"}
	case SourceIP:
		return name{"地点依据网络地址，精确到省", "placed by the network address, to the province"}
	}
	return name{"地点不明", "place unknown"}
}

// locate weighs the evidence of where a scan happened. A region in the URL
// counts only from an inspector: anyone else could type any place and make a
// genuine bottle look cloned. A phone's location is the shopper's to fake as
// well, so it refines the address's province and is used only where the
// address agrees.
func (j Judge) locate(l Label) Place {
	if l.Client == Inspector && l.Declared != "" {
		return Place{Region: l.Declared, Source: SourceInspector}
	}
	var ip, geo string
	if j.IPs != nil && l.Address != "" {
		ip = j.IPs.Region(l.Address)
	}
	if l.Geo != nil {
		geo = region.Nearest(l.Geo.Lat, l.Geo.Lon)
	}
	p := Place{Source: SourceNone, Reported: l.Declared}
	switch {
	case geo != "" && ip != "" && geo[:2] == ip[:2]:
		p.Region, p.Source = geo, SourceGeolocation
	case ip != "":
		p.Region, p.Source = ip, SourceIP
	}
	if geo != "" && p.Source != SourceGeolocation {
		p.Reported = geo
	}
	return p
}

// scannerID names a scanner by its cookie and address together, hashed so
// that the stored scans hold neither: one phone reloading keeps one id, and a
// copied cookie used from elsewhere is another scanner.
func scannerID(l Label) string {
	sum := sha256.Sum256([]byte(l.Token + "\x00" + l.Address))
	return hex.EncodeToString(sum[:12])
}
