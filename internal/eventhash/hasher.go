package eventhash

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

const (
	cbv   = "https://ref.gs1.org/cbv/"
	gs1NS = "https://gs1.org/voc/"
)

// defaultNamespaces are the prefixes the EPCIS 2.0 JSON-LD context defines,
// so that events using them need not declare them again.
func defaultNamespaces() map[string]string {
	return map[string]string{
		"epcis":   "https://ref.gs1.org/epcis/",
		"cbv":     cbv,
		"cbvmda":  "urn:epcglobal:cbv:mda:",
		"gs1":     gs1NS,
		"rdfs":    "http://www.w3.org/2000/01/rdf-schema#",
		"owl":     "http://www.w3.org/2002/07/owl#",
		"xsd":     "http://www.w3.org/2001/XMLSchema#",
		"dcterms": "http://purl.org/dc/terms/",
	}
}

// addNamespaces takes the prefix definitions (term: IRI string) out of a
// JSON-LD @context value. Remote context URLs and expanded term definitions
// carry no prefix this algorithm needs, so they are skipped.
func addNamespaces(ns map[string]string, c any) {
	switch c := c.(type) {
	case []any:
		for _, e := range c {
			addNamespaces(ns, e)
		}
	case map[string]any:
		for k, v := range c {
			if iri, ok := v.(string); ok && !strings.HasPrefix(k, "@") {
				ns[k] = iri
			}
		}
	}
}

// hasher writes the parts of one event's pre-hash string.
type hasher struct {
	ns map[string]string
}

// name expands a compact extension name (prefix:local) to {namespace}local.
func (h hasher) name(k string) string {
	if p, local, ok := strings.Cut(k, ":"); ok {
		if iri, ok := h.ns[p]; ok {
			return "{" + iri + "}" + local
		}
	}
	return k
}

// text is the lexical form of a JSON scalar, with a compact URI expanded.
func (h hasher) text(v any) (string, error) {
	switch v := v.(type) {
	case string:
		s := strings.TrimSpace(v)
		if p, local, ok := strings.Cut(s, ":"); ok {
			if iri, ok := h.ns[p]; ok {
				return iri + local, nil
			}
		}
		return s, nil
	case json.Number:
		return string(v), nil
	case bool:
		if v {
			return "true", nil
		}
		return "false", nil
	case nil:
		return "", fmt.Errorf("null value")
	}
	return "", fmt.Errorf("not a single value")
}

// value is a field's canonical value: CBV URNs as web URIs, numbers without
// redundant zeros, EPC URIs and GS1 Digital Links as constrained canonical
// Digital Links.
func (h hasher) value(v any) (string, error) {
	s, err := h.text(v)
	if err != nil {
		return "", err
	}
	return canonicalValue(s), nil
}

// vocab is value for a field whose standard values JSON-LD writes bare
// ("shipping" for https://ref.gs1.org/cbv/BizStep-shipping).
func (h hasher) vocab(v any, base string) (string, error) {
	s, err := h.text(v)
	if err != nil {
		return "", err
	}
	if s != "" && !strings.Contains(s, ":") {
		return base + s, nil
	}
	return canonicalValue(s), nil
}

// object writes the fields of a structure in the given order, then its user
// extensions, sorted. Fields named in vocab take bare standard values.
func (h hasher) object(m map[string]any, order []string, vocab map[string]string) (string, error) {
	var b strings.Builder
	for _, k := range order {
		v, ok := m[k]
		if !ok {
			continue
		}
		var s string
		var err error
		switch {
		case vocab[k] != "":
			s, err = h.vocab(v, vocab[k])
		case strings.Contains(strings.ToLower(k), "time"):
			t, terr := h.text(v)
			s, err = canonicalTime(t), terr
		default:
			s, err = h.value(v)
		}
		if err != nil {
			return "", fmt.Errorf("%s: %w", k, err)
		}
		b.WriteString(pair(k, s))
	}
	ext, err := h.extensions(m, func(k string) bool { return slices.Contains(order, k) })
	if err != nil {
		return "", err
	}
	return b.String() + ext, nil
}

// extensions writes the members of m that skip does not claim, as user
// extensions, sorted.
func (h hasher) extensions(m map[string]any, skip func(string) bool) (string, error) {
	var parts []string
	for k, v := range m {
		if skip(k) || skipped(k) {
			continue
		}
		p, err := h.extension(h.name(k), v)
		if err != nil {
			return "", err
		}
		parts = append(parts, p...)
	}
	return joinSorted(parts), nil
}

// extension writes one user extension element: its expanded name, =value
// for a value, its children sorted for an object, and one element per
// member for an array.
func (h hasher) extension(name string, v any) ([]string, error) {
	switch v := v.(type) {
	case []any:
		var out []string
		for _, e := range v {
			p, err := h.extension(name, e)
			if err != nil {
				return nil, err
			}
			out = append(out, p...)
		}
		return out, nil
	case map[string]any:
		s, err := h.extensions(v, func(string) bool { return false })
		if err != nil {
			return nil, err
		}
		return []string{name + s}, nil
	}
	s, err := h.value(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if s == "" {
		return []string{name}, nil
	}
	return []string{name + "=" + s}, nil
}

// leftovers writes what the reference implementation sorts together after
// the fixed-order fields: the typed lists, ilmd and the event's own
// extensions.
func (h hasher) leftovers(ev map[string]any) (string, error) {
	var parts []string
	typed := map[string][2]string{
		"bizTransactionList": {"bizTransaction", cbv + "BTT-"},
		"sourceList":         {"source", cbv + "SDT-"},
		"destinationList":    {"destination", cbv + "SDT-"},
	}
	for k, v := range ev {
		if inOrder(k) || ignored[k] || skipped(k) {
			continue
		}
		if t, ok := typed[k]; ok {
			s, err := h.typedList(k, t[0], t[1], v)
			if err != nil {
				return "", fmt.Errorf("eventhash: %s: %w", k, err)
			}
			if s != "" {
				parts = append(parts, s)
			}
			continue
		}
		if k == "ilmd" {
			m, ok := v.(map[string]any)
			if !ok {
				return "", fmt.Errorf("eventhash: ilmd: not an object")
			}
			s, err := h.extensions(m, func(string) bool { return false })
			if err != nil {
				return "", fmt.Errorf("eventhash: ilmd: %w", err)
			}
			parts = append(parts, "ilmd"+s)
			continue
		}
		p, err := h.extension(h.name(k), v)
		if err != nil {
			return "", fmt.Errorf("eventhash: %w", err)
		}
		parts = append(parts, p...)
	}
	return joinSorted(parts), nil
}

// typedList writes a bizTransactionList, sourceList or destinationList:
// each element is its type then its value (CBV rule: the type attribute
// goes with its value before sorting), elements sorted.
func (h hasher) typedList(name, key, base string, v any) (string, error) {
	list, ok := v.([]any)
	if !ok {
		return "", fmt.Errorf("not a list")
	}
	parts := make([]string, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return "", fmt.Errorf("element is not an object")
		}
		s, err := h.object(m, []string{"type", key}, map[string]string{"type": base})
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	return section(name, parts), nil
}

func sensorElementListField(h hasher, name string, v any) (string, error) {
	list, ok := v.([]any)
	if !ok {
		return "", fmt.Errorf("not a list")
	}
	parts := make([]string, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return "", fmt.Errorf("sensor element is not an object")
		}
		s, err := h.sensorElement(m)
		if err != nil {
			return "", err
		}
		parts = append(parts, "sensorElement"+s)
	}
	return section(name, parts), nil
}

var (
	sensorMetadataOrder = []string{"time", "startTime", "endTime", "deviceID",
		"deviceMetadata", "rawData", "dataProcessingMethod", "bizRules"}
	sensorReportOrder = []string{"type", "exception", "deviceID", "deviceMetadata",
		"rawData", "dataProcessingMethod", "time", "microorganism", "chemicalSubstance",
		"value", "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue",
		"minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom",
		"coordinateReferenceSystem"}
	sensorReportVocab = map[string]string{"type": gs1NS, "exception": gs1NS, "component": cbv + "Comp-"}
)

// sensorElement writes sensorMetadata, the sorted sensorReports, then the
// element's own extensions.
func (h hasher) sensorElement(m map[string]any) (string, error) {
	var b strings.Builder
	if md, ok := m["sensorMetadata"].(map[string]any); ok {
		s, err := h.object(md, sensorMetadataOrder, nil)
		if err != nil {
			return "", fmt.Errorf("sensorMetadata: %w", err)
		}
		b.WriteString("sensorMetadata" + s)
	}
	reports, _ := m["sensorReport"].([]any)
	parts := make([]string, 0, len(reports))
	for _, r := range reports {
		rm, ok := r.(map[string]any)
		if !ok {
			return "", fmt.Errorf("sensorReport is not an object")
		}
		s, err := h.object(rm, sensorReportOrder, sensorReportVocab)
		if err != nil {
			return "", fmt.Errorf("sensorReport: %w", err)
		}
		parts = append(parts, "sensorReport"+s)
	}
	b.WriteString(joinSorted(parts))
	ext, err := h.extensions(m, func(k string) bool { return k == "sensorMetadata" || k == "sensorReport" })
	if err != nil {
		return "", err
	}
	return b.String() + ext, nil
}
