package jcs

import (
	"fmt"
	"math/big"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// I-JSON (RFC 7493) is the subset of JSON that RFC 8785 canonicalizes. The
// parser below refuses what I-JSON forbids rather than letting a decoder
// quietly repair it: a repaired input would be hashed as something its sender
// never wrote.

// member is one name/value pair of an object, in input order.
type member struct {
	name  string
	value any
}

// object is a parsed JSON object; number is a numeric literal as written.
type (
	object []member
	number string
)

// maxDepth bounds nesting, so a hostile input cannot exhaust the stack.
const maxDepth = 512

type parser struct {
	in    []byte
	pos   int
	depth int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("jcs: at byte %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *parser) space() {
	for p.pos < len(p.in) {
		switch p.in[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value() (any, error) {
	p.space()
	if p.pos >= len(p.in) {
		return nil, p.errorf("unexpected end of JSON")
	}
	switch c := p.in[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.string()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	for lit, v := range map[string]any{"true": true, "false": false, "null": nil} {
		if len(p.in)-p.pos >= len(lit) && string(p.in[p.pos:p.pos+len(lit)]) == lit {
			p.pos += len(lit)
			return v, nil
		}
	}
	return nil, p.errorf("unexpected character %q", p.in[p.pos])
}

func (p *parser) nest() error {
	if p.depth++; p.depth > maxDepth {
		return p.errorf("nested deeper than %d levels", maxDepth)
	}
	return nil
}

func (p *parser) object() (any, error) {
	if err := p.nest(); err != nil {
		return nil, err
	}
	p.pos++
	o := object{}
	seen := map[string]bool{}
	p.space()
	if p.pos < len(p.in) && p.in[p.pos] == '}' {
		p.pos++
		p.depth--
		return o, nil
	}
	for {
		p.space()
		if p.pos >= len(p.in) || p.in[p.pos] != '"' {
			return nil, p.errorf("expected a member name")
		}
		name, err := p.string()
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, p.errorf("duplicate member name %q", name)
		}
		seen[name] = true
		p.space()
		if p.pos >= len(p.in) || p.in[p.pos] != ':' {
			return nil, p.errorf("expected ':' after member name %q", name)
		}
		p.pos++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		o = append(o, member{name, v})
		if done, err := p.next('}'); done || err != nil {
			return o, err
		}
	}
}

func (p *parser) array() (any, error) {
	if err := p.nest(); err != nil {
		return nil, err
	}
	p.pos++
	a := []any{}
	p.space()
	if p.pos < len(p.in) && p.in[p.pos] == ']' {
		p.pos++
		p.depth--
		return a, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		if done, err := p.next(']'); done || err != nil {
			return a, err
		}
	}
}

// next consumes the ',' between elements, or the closing bracket.
func (p *parser) next(closing byte) (bool, error) {
	p.space()
	switch {
	case p.pos < len(p.in) && p.in[p.pos] == ',':
		p.pos++
		return false, nil
	case p.pos < len(p.in) && p.in[p.pos] == closing:
		p.pos++
		p.depth--
		return true, nil
	}
	return false, p.errorf("expected ',' or %q", closing)
}

var escapes = map[byte]rune{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

func (p *parser) string() (string, error) {
	p.pos++
	var out []byte
	for {
		if p.pos >= len(p.in) {
			return "", p.errorf("unterminated string")
		}
		c := p.in[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(out), nil
		case c < 0x20:
			return "", p.errorf("control character %#x in a string must be escaped", c)
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			out = utf8.AppendRune(out, r)
		default:
			r, size := utf8.DecodeRune(p.in[p.pos:])
			if r == utf8.RuneError && size == 1 {
				return "", p.errorf("invalid UTF-8")
			}
			out = append(out, p.in[p.pos:p.pos+size]...)
			p.pos += size
		}
	}
}

// escape decodes one escape sequence; a \u surrogate must be half of a pair.
func (p *parser) escape() (rune, error) {
	if p.pos+1 >= len(p.in) {
		return 0, p.errorf("unterminated escape")
	}
	if r, ok := escapes[p.in[p.pos+1]]; ok {
		p.pos += 2
		return r, nil
	}
	hi, err := p.hex4()
	if err != nil {
		return 0, err
	}
	switch {
	case hi >= 0xdc00 && hi <= 0xdfff:
		return 0, p.errorf("lone low surrogate \\u%04x", hi)
	case hi < 0xd800 || hi > 0xdbff:
		return hi, nil
	}
	lo, err := p.hex4()
	if err != nil || lo < 0xdc00 || lo > 0xdfff {
		return 0, p.errorf("lone high surrogate \\u%04x", hi)
	}
	return utf16.DecodeRune(hi, lo), nil
}

func (p *parser) hex4() (rune, error) {
	if p.pos+6 > len(p.in) || p.in[p.pos] != '\\' || p.in[p.pos+1] != 'u' {
		return 0, p.errorf("invalid escape")
	}
	n, err := strconv.ParseUint(string(p.in[p.pos+2:p.pos+6]), 16, 16)
	if err != nil {
		return 0, p.errorf("invalid \\u escape")
	}
	p.pos += 6
	return rune(n), nil
}

func (p *parser) number() (any, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.in) && p.in[p.pos] >= '0' && p.in[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.in[p.pos] == '-' {
		p.pos++
	}
	intStart := p.pos
	if n := digits(); n == 0 || n > 1 && p.in[intStart] == '0' {
		return nil, p.errorf("invalid number")
	}
	if p.pos < len(p.in) && p.in[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return nil, p.errorf("invalid number")
		}
	}
	if p.pos < len(p.in) && (p.in[p.pos] == 'e' || p.in[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.in) && (p.in[p.pos] == '+' || p.in[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.errorf("invalid number")
		}
	}
	return number(p.in[start:p.pos]), nil
}

// canonicalNumber returns the RFC 8785 form of a literal, refusing one whose
// form would denote another value: an IEEE 754 double cannot hold it (I-JSON
// section 2.2), and hashing the rounded value would silently change the record.
func canonicalNumber(lit number) (string, error) {
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil {
		return "", fmt.Errorf("jcs: number %s is out of range for a double", lit)
	}
	out, err := formatNumber(f)
	if err != nil {
		return "", err
	}
	if f == 0 {
		// Compared without big.Rat, which would expand an exponent like
		// 1e-999999999 in full.
		for _, c := range lit {
			if c >= '1' && c <= '9' {
				return "", fmt.Errorf("jcs: number %s is too small for a double and would become 0", lit)
			}
			if c == 'e' || c == 'E' {
				break
			}
		}
		return out, nil
	}
	want, ok1 := new(big.Rat).SetString(string(lit))
	got, ok2 := new(big.Rat).SetString(out)
	if !ok1 || !ok2 || want.Cmp(got) != 0 {
		return "", fmt.Errorf("jcs: number %s cannot be represented exactly: it would become %s", lit, out)
	}
	return out, nil
}
