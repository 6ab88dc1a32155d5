// Package jcs canonicalizes JSON as RFC 8785 (JSON Canonicalization Scheme), the
// form AgriTrace hashes: object members sorted by the UTF-16 code units of their
// names, no insignificant white space, minimal string escapes, and numbers in
// the ECMAScript shortest round-trip form.
package jcs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Canonicalize returns the RFC 8785 form of one JSON text. It refuses input
// that is not I-JSON (RFC 7493) instead of repairing it: invalid UTF-8, lone
// surrogates, duplicate member names, and numbers that a double cannot hold
// exactly enough for their canonical form to denote the same value.
func Canonicalize(in []byte) ([]byte, error) {
	p := parser{in: in}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if p.space(); p.pos != len(in) {
		return nil, p.errorf("trailing data after JSON value")
	}
	var buf bytes.Buffer
	if err := write(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Check reports whether in is I-JSON that Canonicalize accepts, for inputs
// that are decoded by other means but will be hashed later.
func Check(in []byte) error {
	_, err := Canonicalize(in)
	return err
}

// Marshal encodes v with encoding/json and canonicalizes the result.
func Marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("jcs: %w", err)
	}
	return Canonicalize(b)
}

func write(buf *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case number:
		s, err := canonicalNumber(v)
		if err != nil {
			return err
		}
		buf.WriteString(s)
	case string:
		writeString(buf, v)
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := write(buf, e); err != nil {
				return within(err, fmt.Sprintf("[%d]", i))
			}
		}
		buf.WriteByte(']')
	case object:
		sort.Slice(v, func(i, j int) bool { return lessUTF16(v[i].name, v[j].name) })
		buf.WriteByte('{')
		for i, m := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, m.name)
			buf.WriteByte(':')
			if err := write(buf, m.value); err != nil {
				return within(err, "."+m.name)
			}
		}
		buf.WriteByte('}')
	default:
		return fmt.Errorf("jcs: unexpected %T", v)
	}
	return nil
}

// PathError says where in the input a value was refused, so that a client
// is told which field to fix.
type PathError struct {
	// Path is like ".parts[0].quantity": member names after dots, array
	// indexes in brackets, empty for the top-level value.
	Path string
	Err  error
}

func (e *PathError) Error() string { return fmt.Sprintf("%v (at %s)", e.Err, e.Field()) }

func (e *PathError) Unwrap() error { return e.Err }

// Field is the path without its leading dot, as API errors name fields.
func (e *PathError) Field() string { return strings.TrimPrefix(e.Path, ".") }

// within prefixes the path of err with one step out towards the root.
func within(err error, step string) error {
	var pe *PathError
	if errors.As(err, &pe) {
		pe.Path = step + pe.Path
		return pe
	}
	return &PathError{Path: step, Err: err}
}

// lessUTF16 orders names by UTF-16 code units, as RFC 8785 section 3.2.3 asks;
// this differs from byte order only for characters outside the BMP.
func lessUTF16(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}

func writeString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			buf.WriteString(`\"`)
		case '\\':
			buf.WriteString(`\\`)
		case '\b':
			buf.WriteString(`\b`)
		case '\f':
			buf.WriteString(`\f`)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		case '\t':
			buf.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(buf, `\u%04x`, r)
			} else {
				buf.WriteRune(r)
			}
		}
	}
	buf.WriteByte('"')
}

// formatNumber renders f as ECMAScript's Number.prototype.toString does
// (ECMA-262 7.1.12.1), which RFC 8785 section 3.2.2.3 adopts.
func formatNumber(f float64) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("jcs: %v is not a JSON number", f)
	}
	if f == 0 {
		return "0", nil
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// Shortest digits that round-trip, as d.ddddde±x.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expStr, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	exp, err := strconv.Atoi(expStr)
	if err != nil {
		return "", fmt.Errorf("jcs: format %v: %w", f, err)
	}
	k := len(digits)
	n := exp + 1 // position of the decimal point relative to the digits
	switch {
	case k <= n && n <= 21:
		return sign + digits + strings.Repeat("0", n-k), nil
	case 0 < n && n <= 21:
		return sign + digits[:n] + "." + digits[n:], nil
	case -6 < n && n <= 0:
		return sign + "0." + strings.Repeat("0", -n) + digits, nil
	}
	expSign := "+"
	if n-1 < 0 {
		expSign = "-"
	}
	out := digits[:1]
	if k > 1 {
		out += "." + digits[1:]
	}
	return sign + out + "e" + expSign + strconv.Itoa(abs(n-1)), nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
