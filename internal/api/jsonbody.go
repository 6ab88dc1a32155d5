package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"reflect"
	"slices"
	"strings"

	"github.com/agritrace/agritrace/internal/jcs"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// jsonBody is the one place a request's JSON is read: every endpoint taking
// JSON comes through here. The body must be declared as one of types (so a
// form or text/plain post from another site's page, which a browser sends
// without asking, is refused 415) and be I-JSON (RFC 7493) with nothing after
// the value: what it carries is hashed into the chain, and a duplicate name or
// a number a double cannot hold would be recorded as something the client
// never sent.
func jsonBody(c *gin.Context, limit int64, types ...string) ([]byte, error) {
	declared := c.GetHeader("Content-Type")
	mt, params, err := mime.ParseMediaType(declared)
	if err != nil || !slices.Contains(types, mt) {
		return nil, trace.Errorf(trace.EUNSUPPORTED, "send the body as %s, not %q", strings.Join(types, " or "), declared)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, trace.Errorf(trace.EUNSUPPORTED, "send the body in UTF-8, not %s", cs)
	}
	b, err := body(c, limit)
	if err != nil {
		return nil, err
	}
	if err := jcs.Check(b); err != nil {
		e := trace.Errorf(trace.EINVALID, "request body is not I-JSON (RFC 7493), so it cannot be recorded as sent: %s", strings.TrimPrefix(err.Error(), "jcs: "))
		if pe := new(jcs.PathError); errors.As(err, &pe) {
			e.Field = pe.Field()
		}
		return nil, e
	}
	return b, nil
}

// decodeStrict decodes b into v, refusing names v does not have. Go's decoder
// matches names regardless of case, so {"GTIN":..} would fill gtin; the
// names are checked again exactly.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return trace.Errorf(trace.EINVALID, "request body: %v", err)
	}
	var raw any
	if err := json.Unmarshal(b, &raw); err != nil {
		return trace.Errorf(trace.EINVALID, "request body: %v", err)
	}
	return exactNames(raw, reflect.TypeOf(v), "")
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// exactNames checks that every object member name in raw is spelt as a field
// of t is tagged. Types that decode themselves name their own members.
func exactNames(raw any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return nil
	}
	switch raw := raw.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Struct:
			fields := jsonFields(t)
			for name, member := range raw {
				ft, ok := fields[name]
				if !ok {
					return trace.FieldErrorf(trace.EINVALID, join(path, name), "request body: unknown field %q (names are case-sensitive)", name)
				}
				if err := exactNames(member, ft, join(path, name)); err != nil {
					return err
				}
			}
		case reflect.Map:
			for name, member := range raw {
				if err := exactNames(member, t.Elem(), join(path, name)); err != nil {
					return err
				}
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, e := range raw {
				if err := exactNames(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// jsonFields are the member names encoding/json gives t's fields, promoted
// fields of untagged embedded structs included.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for _, f := range reflect.VisibleFields(t) {
		tag := f.Tag.Get("json")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if !f.IsExported() || tag == "-" || (f.Anonymous && tag == "" && ft.Kind() == reflect.Struct) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
