package epcis

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// Validate parses a capture document and checks it against the EPCIS 2.0
// JSON schema's rules for what AgriTrace reads: the document's required
// fields, and for every event its type, times and time zone offset, action,
// URIs, vocabulary (CBV words or URIs outside CBV's namespaces), quantity
// elements, sources and destinations, and that every field is the standard's
// or a namespaced extension. The tests hold it to GS1's published schema.
// It returns EINVALID naming the first field found wrong.
func Validate(body []byte) (Document, error) {
	var doc Document
	if err := parseJSON(body, &doc); err != nil || doc == nil {
		return nil, trace.Errorf(trace.EINVALID, "the body is not a JSON object: %v", err)
	}
	v := &validator{}
	v.document(doc)
	if v.err != nil {
		return nil, v.err
	}
	return doc, nil
}

type validator struct{ err error }

func (v *validator) fail(field, format string, args ...any) {
	if v.err == nil {
		v.err = trace.FieldErrorf(trace.EINVALID, field, "%s: %s", field, fmt.Sprintf(format, args...))
	}
}

var (
	versionPattern = regexp.MustCompile(`^\d+(\.\d+)*$`)
	offsetPattern  = regexp.MustCompile(`^[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)$`)
	uomPattern     = regexp.MustCompile(`^[A-Z0-9]{2,3}$`)
)

var documentFields = words("@context id type schemaVersion creationDate instanceIdentifier sender receiver epcisHeader epcisBody")

func (v *validator) document(d Document) {
	if d["type"] != "EPCISDocument" {
		v.fail("type", "a capture takes an EPCISDocument")
	}
	if d["@context"] == nil {
		v.fail("@context", "the JSON-LD context is required")
	}
	if s, ok := d["schemaVersion"].(string); !ok || !versionPattern.MatchString(s) {
		v.fail("schemaVersion", "required, e.g. \"2.0\"")
	}
	v.time("creationDate", d["creationDate"])
	v.fields("", d, documentFields)
	body, ok := d["epcisBody"].(map[string]any)
	if !ok {
		v.fail("epcisBody", "required, an object with eventList")
		return
	}
	list, ok := body["eventList"].([]any)
	if !ok {
		v.fail("epcisBody.eventList", "required, an array of events")
		return
	}
	for i, e := range list {
		field := fmt.Sprintf("epcisBody.eventList[%d]", i)
		ev, ok := e.(map[string]any)
		if !ok {
			v.fail(field, "an event is a JSON object")
			return
		}
		v.event(field, ev)
	}
}

var (
	commonFields = "@context type eventTime recordTime eventTimeZoneOffset eventID certificationInfo errorDeclaration "
	whyWhere     = "bizStep disposition persistentDisposition readPoint bizLocation bizTransactionList sourceList destinationList sensorElementList ilmd "
	eventFields  = map[string]map[string]bool{
		ObjectEvent:         words(commonFields + whyWhere + "action epcList quantityList"),
		AggregationEvent:    words(commonFields + whyWhere + "action parentID childEPCs childQuantityList"),
		TransactionEvent:    words(commonFields + whyWhere + "action parentID epcList quantityList"),
		AssociationEvent:    words(commonFields + whyWhere + "action parentID childEPCs childQuantityList"),
		TransformationEvent: words(commonFields + whyWhere + "inputEPCList inputQuantityList outputEPCList outputQuantityList transformationID"),
	}
)

func (v *validator) event(field string, ev map[string]any) {
	typ, _ := ev["type"].(string)
	if typ == "" {
		v.fail(field+".type", "required")
		return
	}
	v.time(field+".eventTime", ev["eventTime"])
	if s, ok := ev["eventTimeZoneOffset"].(string); !ok || !offsetPattern.MatchString(s) {
		v.fail(field+".eventTimeZoneOffset", "required, e.g. \"+08:00\"")
	}
	if ev["recordTime"] != nil {
		v.time(field+".recordTime", ev["recordTime"])
	}
	if ev["eventID"] != nil {
		v.uri(field+".eventID", ev["eventID"])
	}
	if d, ok := ev["errorDeclaration"]; ok {
		m, ok := d.(map[string]any)
		if !ok {
			v.fail(field+".errorDeclaration", "an object with declarationTime")
		} else {
			v.time(field+".errorDeclaration.declarationTime", m["declarationTime"])
		}
	}
	allowed, known := eventFields[typ]
	if !known {
		// An extension event type: the schema asks only for the common fields.
		return
	}
	v.fields(field, ev, allowed)
	if a, ok := ev["action"]; ok || typ != TransformationEvent {
		if !slices.Contains([]any{ActionAdd, ActionObserve, ActionDelete}, a) {
			v.fail(field+".action", "ADD, OBSERVE or DELETE")
		}
	}
	v.vocab(field+".bizStep", ev["bizStep"], cbvBizSteps)
	v.vocab(field+".disposition", ev["disposition"], cbvDispositions)
	for _, k := range []string{"readPoint", "bizLocation"} {
		if x, ok := ev[k]; ok {
			m, _ := x.(map[string]any)
			v.uri(field+"."+k+".id", m["id"])
		}
	}
	for _, k := range []string{"epcList", "childEPCs", "inputEPCList", "outputEPCList"} {
		v.epcs(field+"."+k, ev[k])
	}
	for _, k := range []string{"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"} {
		v.quantities(field+"."+k, ev[k])
	}
	v.parties(field+".sourceList", ev["sourceList"], "source")
	v.parties(field+".destinationList", ev["destinationList"], "destination")
	if typ == ObjectEvent && ev["epcList"] == nil && ev["quantityList"] == nil {
		v.fail(field, "an ObjectEvent names its objects in epcList or quantityList")
	}
	if typ == TransformationEvent && ev["inputEPCList"] == nil && ev["inputQuantityList"] == nil &&
		ev["outputEPCList"] == nil && ev["outputQuantityList"] == nil {
		v.fail(field, "a TransformationEvent names its inputs or outputs")
	}
}

// fields checks that every field is one the standard defines or an
// extension named by a URI or a prefixed (compact) IRI.
func (v *validator) fields(field string, m map[string]any, allowed map[string]bool) {
	for k := range m {
		if !allowed[k] && !strings.Contains(k, ":") {
			v.fail(strings.TrimPrefix(field+"."+k, "."), "not a field of EPCIS 2.0; extensions are named with a namespace prefix")
		}
	}
}

func (v *validator) time(field string, x any) {
	s, _ := x.(string)
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		v.fail(field, "required, an RFC 3339 date-time")
	}
}

func (v *validator) uri(field string, x any) {
	s, _ := x.(string)
	if u, err := url.Parse(s); err != nil || u.Scheme == "" {
		v.fail(field, "must be a URI")
	}
}

// vocab checks a CBV value: a bare CBV word, or a URI outside CBV's own
// namespaces.
func (v *validator) vocab(field string, x any, cbv map[string]bool) {
	if x == nil {
		return
	}
	s, _ := x.(string)
	if cbv[s] {
		return
	}
	if strings.HasPrefix(s, "urn:epcglobal:cbv") || strings.HasPrefix(s, "https://ns.gs1.org/cbv/") || strings.HasPrefix(s, "http://ns.gs1.org/cbv/") {
		v.fail(field, "%q: write CBV values as their bare word, e.g. \"shipping\"", s)
		return
	}
	v.uri(field, x)
}

func (v *validator) epcs(field string, x any) {
	if x == nil {
		return
	}
	l, ok := x.([]any)
	if !ok {
		v.fail(field, "an array of URIs")
		return
	}
	for i, e := range l {
		v.uri(fmt.Sprintf("%s[%d]", field, i), e)
		if slices.Contains(l[:i], e) {
			v.fail(fmt.Sprintf("%s[%d]", field, i), "listed twice")
		}
	}
}

func (v *validator) quantities(field string, x any) {
	if x == nil {
		return
	}
	l, ok := x.([]any)
	if !ok {
		v.fail(field, "an array of quantity elements")
		return
	}
	for i, e := range l {
		f := fmt.Sprintf("%s[%d]", field, i)
		m, ok := e.(map[string]any)
		if !ok {
			v.fail(f, "a quantity element is an object with epcClass")
			continue
		}
		v.uri(f+".epcClass", m["epcClass"])
		for k, val := range m {
			switch k {
			case "epcClass":
			case "quantity":
				if _, ok := val.(interface{ Float64() (float64, error) }); !ok {
					v.fail(f+".quantity", "a number")
				}
			case "uom":
				if s, _ := val.(string); !uomPattern.MatchString(s) {
					v.fail(f+".uom", "a UN/ECE Recommendation 20 code such as KGM")
				}
			default:
				v.fail(f+"."+k, "a quantity element has only epcClass, quantity and uom")
			}
		}
	}
}

func (v *validator) parties(field string, x any, key string) {
	if x == nil {
		return
	}
	l, ok := x.([]any)
	if !ok {
		v.fail(field, "an array")
		return
	}
	for i, e := range l {
		f := fmt.Sprintf("%s[%d]", field, i)
		m, _ := e.(map[string]any)
		if len(m) != 2 || m["type"] == nil || m[key] == nil {
			v.fail(f, "an object of type and %s, and nothing else", key)
			continue
		}
		v.vocab(f+".type", m["type"], words("owning_party possessing_party location"))
		v.uri(f+"."+key, m[key])
	}
}
