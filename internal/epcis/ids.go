package epcis

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
)

// dlBase is the domain of canonical GS1 Digital Link URIs, the form EPCIS
// 2.0 (section 8.1) recommends for identifiers in its JSON-LD binding.
const dlBase = "https://id.gs1.org"

// ClassURI is a lot as an EPCIS class (LGTIN): the canonical GS1 Digital
// Link URI of its GTIN and lot number.
func ClassURI(lotID string) string {
	gtin, number := splitLot(lotID)
	return dlBase + "/01/" + gtin + "/10/" + url.PathEscape(number)
}

// InstanceURI is a labelled unit as an EPC (SGTIN): the canonical GS1
// Digital Link URI of its GTIN and serial.
func InstanceURI(gtin, serial string) string {
	return dlBase + "/01/" + gtin + "/21/" + url.PathEscape(serial)
}

// splitLot splits a lot id, {gtin14}.{lot number}.
func splitLot(id string) (gtin, number string) {
	if len(id) > 15 && id[14] == '.' {
		return id[:14], id[15:]
	}
	return "", id
}

// ParseClass reads an LGTIN, as a GS1 Digital Link URI on any domain
// (…/01/{gtin}/10/{lot}) or as an EPC class URN (urn:epc:class:lgtin:…), and
// returns the lot id it names.
func ParseClass(uri string) (string, error) {
	if rest, ok := strings.CutPrefix(uri, "urn:epc:class:lgtin:"); ok {
		parts := strings.SplitN(rest, ".", 3)
		if len(parts) != 3 {
			return "", fmt.Errorf("%s is not an LGTIN URN (urn:epc:class:lgtin:CompanyPrefix.IndicatorItemRef.Lot)", uri)
		}
		gtin, err := urnGTIN(parts[0], parts[1])
		if err != nil {
			return "", fmt.Errorf("%s: %w", uri, err)
		}
		lot, err := url.PathUnescape(parts[2])
		if err != nil {
			return "", fmt.Errorf("%s: %w", uri, err)
		}
		return trace.LotID(gtin, lot), nil
	}
	keys, err := dlKeys(uri)
	if err != nil {
		return "", err
	}
	if keys["01"] == "" || keys["10"] == "" || keys["21"] != "" {
		return "", fmt.Errorf("%s is not a GS1 Digital Link URI of a lot (…/01/{gtin}/10/{lot})", uri)
	}
	return trace.LotID(keys["01"], keys["10"]), nil
}

// ParseInstance reads an SGTIN, as a GS1 Digital Link URI on any domain
// (…/01/{gtin}/21/{serial}, a lot between them allowed) or as an EPC URN
// (urn:epc:id:sgtin:…), and returns its GTIN and serial.
func ParseInstance(uri string) (gtin, serial string, err error) {
	if rest, ok := strings.CutPrefix(uri, "urn:epc:id:sgtin:"); ok {
		parts := strings.SplitN(rest, ".", 3)
		if len(parts) != 3 {
			return "", "", fmt.Errorf("%s is not an SGTIN URN (urn:epc:id:sgtin:CompanyPrefix.IndicatorItemRef.Serial)", uri)
		}
		if gtin, err = urnGTIN(parts[0], parts[1]); err != nil {
			return "", "", fmt.Errorf("%s: %w", uri, err)
		}
		serial, err = url.PathUnescape(parts[2])
		return gtin, serial, err
	}
	keys, err := dlKeys(uri)
	if err != nil {
		return "", "", err
	}
	if keys["01"] == "" || keys["21"] == "" {
		return "", "", fmt.Errorf("%s is not a GS1 Digital Link URI of a unit (…/01/{gtin}/21/{serial})", uri)
	}
	return keys["01"], keys["21"], nil
}

// dlKeys reads the primary key and key qualifiers of a GS1 Digital Link
// URI's path: AI 01 with a valid GTIN, then 10 and 21 in any allowed order.
func dlKeys(uri string) (map[string]string, error) {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%s is not an http(s) GS1 Digital Link URI", uri)
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	for i, s := range segs {
		if s == "01" && len(segs) > i+1 && (len(segs)-i)%2 == 0 {
			segs = segs[i:]
			break
		}
	}
	keys := map[string]string{}
	for i := 0; i+1 < len(segs); i += 2 {
		v, err := url.PathUnescape(segs[i+1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", uri, err)
		}
		switch segs[i] {
		case "01", "10", "21":
			if _, dup := keys[segs[i]]; dup || (i == 0) != (segs[i] == "01") {
				return nil, fmt.Errorf("%s is not a GS1 Digital Link URI of a GTIN, lot or unit", uri)
			}
			keys[segs[i]] = v
		default:
			return nil, fmt.Errorf("%s: AI %s is not one AgriTrace identifies lots or units by", uri, segs[i])
		}
	}
	if len(keys["01"]) == 13 {
		keys["01"] = "0" + keys["01"]
	}
	if err := trace.ValidateGTIN(keys["01"]); err != nil {
		return nil, fmt.Errorf("%s: %s", uri, trace.ErrorMessage(err))
	}
	return keys, nil
}

// urnGTIN rebuilds the GTIN-14 of an EPC URN's company prefix and indicator
// digit plus item reference (EPC Tag Data Standard, GTIN from SGTIN/LGTIN).
func urnGTIN(prefix, itemRef string) (string, error) {
	if len(prefix)+len(itemRef) != 13 || itemRef == "" {
		return "", fmt.Errorf("company prefix and item reference must have 13 digits together")
	}
	body := itemRef[:1] + prefix + itemRef[1:]
	for _, r := range body {
		if r < '0' || r > '9' {
			return "", fmt.Errorf("company prefix and item reference must be digits")
		}
	}
	sum := 0
	for i, r := range body {
		d := int(r - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return body + fmt.Sprint((10-sum%10)%10), nil
}

// party is an organization as a source or destination: an HTTP URI under the
// service's base URL (AgriTrace organizations have no GLN).
func party(base, org string) string { return base + "/epcis/orgs/" + url.PathEscape(org) }

// parseParty returns the organization a party URI names, or "".
func parseParty(base, uri string) string {
	id, ok := strings.CutPrefix(uri, base+"/epcis/orgs/")
	if !ok {
		return ""
	}
	id, _ = url.PathUnescape(id)
	return id
}

// PlaceURI is a place as a read point or business location: AgriTrace places
// are a name and a division code, not GLNs, so they are HTTP URIs under the
// service's base URL, …/epcis/places/{division}/{name}.
func PlaceURI(base string, p trace.Place) string {
	return base + "/epcis/places/" + url.PathEscape(p.Region) + "/" + url.PathEscape(p.Name)
}

// parsePlace reads a place URI of this service; ok is false for any other
// location identifier.
func parsePlace(base, uri string) (trace.PlaceInput, bool) {
	rest, ok := strings.CutPrefix(uri, base+"/epcis/places/")
	if !ok {
		return trace.PlaceInput{}, false
	}
	region, name, ok := strings.Cut(rest, "/")
	if !ok {
		return trace.PlaceInput{}, false
	}
	region, err1 := url.PathUnescape(region)
	name, err2 := url.PathUnescape(name)
	return trace.PlaceInput{Name: name, Region: region}, err1 == nil && err2 == nil
}
