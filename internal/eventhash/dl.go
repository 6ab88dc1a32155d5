package eventhash

import (
	"regexp"
	"strconv"
	"strings"
)

// digitalLink converts an EPC URI, EPC class or pattern URI, or a GS1
// Digital Link URI to the constrained canonical Digital Link the algorithm
// hashes: on https://id.gs1.org, without query string, and carrying only the
// most specific identification level (01/21 rather than 01/10/21). ok is
// false for anything else, which is then hashed as given.
func digitalLink(s string) (string, bool) {
	if strings.HasPrefix(s, "urn:epc:") {
		return epcToDL(s)
	}
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return constrainDL(s)
	}
	return "", false
}

// epcScheme describes how one EPC URI scheme (GS1 Tag Data Standard) maps
// to a GS1 key: parts are the dot-separated fields after the scheme name.
type epcScheme struct {
	parts int
	// key builds the Digital Link path from the company prefix and the
	// remaining fields; it reports false when the fields do not fit.
	key func(cp string, f []string) (string, bool)
}

var epcSchemes = map[string]epcScheme{
	"id:sgtin": {3, func(cp string, f []string) (string, bool) {
		g, ok := gtin(cp, f[0])
		return "/01/" + g + "/21/" + dlEncode(f[1]), ok && epcSerial(f[1], 20)
	}},
	"id:sscc": {2, func(cp string, f []string) (string, bool) {
		if !digits(f[0]) || len(cp)+len(f[0]) != 17 {
			return "", false
		}
		raw := f[0][:1] + cp + f[0][1:]
		return "/00/" + raw + checkDigit(raw), true
	}},
	"id:sgln": {3, func(cp string, f []string) (string, bool) {
		g, ok := gln(cp, f[0])
		if f[1] == "0" {
			return "/414/" + g, ok
		}
		return "/414/" + g + "/254/" + dlEncode(f[1]), ok && epcSerial(f[1], 20)
	}},
	"id:pgln": {2, func(cp string, f []string) (string, bool) {
		g, ok := gln(cp, f[0])
		return "/417/" + g, ok
	}},
	"id:grai": {3, func(cp string, f []string) (string, bool) {
		g, ok := gln(cp, f[0])
		raw := "0" + g[:12]
		return "/8003/" + raw + checkDigit(raw) + dlEncode(f[1]), ok && epcSerial(f[1], 16)
	}},
	"id:giai": {2, func(cp string, f []string) (string, bool) {
		return "/8004/" + cp + dlEncode(f[0]), epcSerial(f[0], 30-len(cp))
	}},
	"id:gsrn": {2, func(cp string, f []string) (string, bool) {
		return serviceKey("/8018/", cp, f[0])
	}},
	"id:gsrnp": {2, func(cp string, f []string) (string, bool) {
		return serviceKey("/8017/", cp, f[0])
	}},
	"id:gdti": {3, func(cp string, f []string) (string, bool) {
		g, ok := gln(cp, f[0])
		return "/253/" + g + dlEncode(f[1]), ok && epcSerial(f[1], 17)
	}},
	"id:sgcn": {3, func(cp string, f []string) (string, bool) {
		g, ok := gln(cp, f[0])
		return "/255/" + g + f[1], ok && digits(f[1]) && len(f[1]) <= 12
	}},
	"id:ginc": {2, func(cp string, f []string) (string, bool) {
		return "/401/" + cp + dlEncode(f[0]), epcSerial(f[0], 30-len(cp))
	}},
	"id:gsin": {2, func(cp string, f []string) (string, bool) {
		if !digits(f[0]) || len(cp)+len(f[0]) != 16 {
			return "", false
		}
		return "/402/" + cp + f[0] + checkDigit(cp+f[0]), true
	}},
	"id:cpi": {3, func(cp string, f []string) (string, bool) {
		return "/8010/" + dlEncode(cp+f[0]) + "/8011/" + f[1], epcSerial(f[0], 30-len(cp)) && digits(f[1]) && len(f[1]) <= 12
	}},
	"id:upui": {3, func(cp string, f []string) (string, bool) {
		g, ok := gtin(cp, f[0])
		return "/01/" + g + "/235/" + dlEncode(f[1]), ok && epcSerial(f[1], 28)
	}},
	"id:itip": {5, func(cp string, f []string) (string, bool) {
		g, ok := gtin(cp, f[0])
		ok = ok && len(f[1]) == 2 && digits(f[1]) && len(f[2]) == 2 && digits(f[2]) && epcSerial(f[3], 20)
		return "/8006/" + g + f[1] + f[2] + "/21/" + dlEncode(f[3]), ok
	}},
	"class:lgtin": {3, func(cp string, f []string) (string, bool) {
		g, ok := gtin(cp, f[0])
		return "/01/" + g + "/10/" + dlEncode(f[1]), ok && epcSerial(f[1], 20)
	}},
	"idpat:sgtin": {3, func(cp string, f []string) (string, bool) {
		g, ok := gtin(cp, f[0])
		return "/01/" + g, ok && f[1] == "*"
	}},
	"idpat:grai": {3, func(cp string, f []string) (string, bool) {
		g, ok := gln(cp, f[0])
		raw := "0" + g[:12]
		return "/8003/" + raw + checkDigit(raw), ok && f[1] == "*"
	}},
	"idpat:gdti": {3, func(cp string, f []string) (string, bool) {
		g, ok := gln(cp, f[0])
		return "/253/" + g, ok && f[1] == "*"
	}},
	"idpat:sgcn": {3, func(cp string, f []string) (string, bool) {
		g, ok := gln(cp, f[0])
		return "/255/" + g, ok && f[1] == "*"
	}},
	"idpat:cpi": {3, func(cp string, f []string) (string, bool) {
		return "/8010/" + dlEncode(cp+f[0]), epcSerial(f[0], 30-len(cp)) && f[1] == "*"
	}},
	"idpat:upui": {3, func(cp string, f []string) (string, bool) {
		g, ok := gtin(cp, f[0])
		return "/01/" + g, ok && f[1] == "*"
	}},
	"idpat:itip": {5, func(cp string, f []string) (string, bool) {
		g, ok := gtin(cp, f[0])
		ok = ok && len(f[1]) == 2 && digits(f[1]) && len(f[2]) == 2 && digits(f[2]) && f[3] == "*"
		return "/8006/" + g + f[1] + f[2], ok
	}},
}

func epcToDL(s string) (string, bool) {
	rest := strings.TrimPrefix(s, "urn:epc:")
	i := strings.LastIndex(rest, ":")
	if i < 0 {
		return "", false
	}
	scheme, ok := epcSchemes[rest[:i]]
	if !ok {
		return "", false
	}
	f := strings.SplitN(rest[i+1:], ".", scheme.parts)
	if len(f) != scheme.parts || len(f[0]) < 6 || len(f[0]) > 12 || !digits(f[0]) {
		return "", false
	}
	path, ok := scheme.key(f[0], f[1:])
	if !ok {
		return "", false
	}
	return "https://id.gs1.org" + path, true
}

// gtin joins an EPC company prefix and indicator+item reference into a
// GTIN-14 with its check digit.
func gtin(cp, itemRef string) (string, bool) {
	if !digits(itemRef) || len(cp)+len(itemRef) != 13 {
		return "", false
	}
	raw := itemRef[:1] + cp + itemRef[1:]
	return raw + checkDigit(raw), true
}

// gln joins a company prefix and a 12-digit-completing reference into a
// 13-digit key with its check digit (GLN, GDTI, GCN and GRAI bodies).
func gln(cp, ref string) (string, bool) {
	if ref != "" && !digits(ref) || len(cp)+len(ref) != 12 {
		return strings.Repeat("0", 13), false
	}
	return cp + ref + checkDigit(cp+ref), true
}

func serviceKey(ai, cp, ref string) (string, bool) {
	if !digits(ref) || len(cp)+len(ref) != 17 {
		return "", false
	}
	return ai + cp + ref + checkDigit(cp+ref), true
}

// checkDigit is the GS1 mod-10 check digit (GS1 General Specifications
// 7.9.1): weights 3 and 1 alternate from the rightmost digit.
func checkDigit(body string) string {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return strconv.Itoa((10 - sum%10) % 10)
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// epcSerial reports whether s is an EPC URI alphanumeric component of at
// most max characters, an escape (%xx) counting as one.
func epcSerial(s string, max int) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z',
			strings.IndexByte("!')(*+,.:;=_-", c) >= 0:
		default:
			return false
		}
		n++
	}
	return n > 0 && n <= max
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f'
}

// dlEncode percent-encodes the characters an EPC URI may carry bare but a
// Digital Link path segment may not (GS1 Digital Link table 7-1).
var dlEncode = strings.NewReplacer("!", "%21", "(", "%28", ")", "%29", "*", "%2A",
	"+", "%2B", ",", "%2C", ":", "%3A").Replace

// dlAliases are the GS1 Digital Link 1.0 short names of primary keys and
// qualifiers, replaced by their AIs.
var dlAliases = strings.NewReplacer("/gtin/", "/01/", "/itip/", "/8006/", "/cpid/", "/8010/",
	"/gln/", "/414/", "/party/", "/417/", "/gsrnp/", "/8017/", "/gsrn/", "/8018/",
	"/gcn/", "/255/", "/sscc/", "/00/", "/gdti/", "/253/", "/ginc/", "/401/",
	"/gsin/", "/402/", "/grai/", "/8003/", "/giai/", "/8004/", "/cpv/", "/22/",
	"/lot/", "/10/", "/ser/", "/21/")

var (
	dlShape = regexp.MustCompile(`^https?://[^/?#]*(/[^?#]*)?/(01|gtin|8006|itip|8010|cpid|414|gln|417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin|8003|grai|8004|giai)/\d{4}`)
	// dlPrimary lists primary-key AIs in the order the reference looks for
	// them when moving a Digital Link to id.gs1.org.
	dlPrimary = []string{"00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8017", "8018"}
	dlCPV     = regexp.MustCompile(`^(https://id\.gs1\.org/(?:01/\d{14}|8006/\d{18}))/22/[^/]*`)
	dlLotSer  = regexp.MustCompile(`^(https://id\.gs1\.org/(?:01/\d{14}|8006/\d{18}))/10/[^/]*(/21/[^/]*)$`)
	dlValid   = regexp.MustCompile(`^https://id\.gs1\.org/(` + strings.Join([]string{
		`00/\d{18}`,
		`01/\d{14}(/21/` + dlChars + `{0,20}|/10/` + dlChars + `{0,20}|/235/` + dlChars + `{0,28})?`,
		`253/\d{13}` + dlChars + `{0,17}`,
		`255/\d{13}\d{0,12}`,
		`401/` + dlChars + `{0,30}`,
		`402/\d{17}`,
		`414/\d{13}(/254/` + dlChars + `{0,20})?`,
		`417/\d{13}`,
		`8003/\d{14}` + dlChars + `{0,16}`,
		`8004/` + dlChars + `{0,30}`,
		`8006/\d{18}(/21/` + dlChars + `{0,20}|/10/` + dlChars + `{0,20})?`,
		`8010/[#\-/0-9A-Z]{0,30}(/8011/\d{0,12})?`,
		`8017/\d{18}`,
		`8018/\d{18}`,
	}, "|") + `)$`)
)

// dlChars is the character set the reference accepts in a constrained
// Digital Link's alphanumeric values.
const dlChars = `["'\-.0-9;-?A-Z_a-z]`

func constrainDL(s string) (string, bool) {
	if !dlShape.MatchString(s) {
		return "", false
	}
	s, _, _ = strings.Cut(s, "?")
	s = dlAliases.Replace(s)
	if !strings.HasPrefix(s, "https://id.gs1.org/") {
		for _, ai := range dlPrimary {
			if i := strings.Index(s, "/"+ai+"/"); i >= 0 {
				s = "https://id.gs1.org" + s[i:]
				break
			}
		}
	}
	if g, ok := strings.CutPrefix(s, "https://id.gs1.org/01/"); ok {
		n := len(g) - len(strings.TrimLeft(g, "0123456789"))
		if n == 8 || n == 12 || n == 13 {
			s = "https://id.gs1.org/01/" + strings.Repeat("0", 14-n) + g
		}
	}
	s = dlCPV.ReplaceAllString(s, "$1")
	s = dlLotSer.ReplaceAllString(s, "$1$2")
	if !dlValid.MatchString(s) {
		return "", false
	}
	return s, true
}
