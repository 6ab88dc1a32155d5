package digitallink

import (
	"fmt"
	"math"
	"math/big"
	"net/url"
	"slices"
	"strings"
)

// This file decodes GS1 Digital Link: Compression. A compressed URI's path is
// one segment of URI-safe base64 holding a bit string: a sequence of AIs, each
// as its digits in 4-bit nibbles (or an 8-bit code standing for a common run
// of AIs), each followed by its value in the AI's format. Non-GS1 key=value
// pairs may follow, flagged by a first nibble of F.

// base64URI is the compression's alphabet: base64url with the value order
// A-Z a-z 0-9 - _.
const base64URI = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// part is one component of an AI's value: numeric (N) or alphanumeric (X),
// of fixed length (fixed > 0) or of at most max characters.
type part struct {
	numeric    bool
	fixed, max int
}

// formats are the value formats of the AIs decoded: the GTIN, its key
// qualifiers, and the dates and weights a label may carry beside them.
// Others are refused as unsupported rather than guessed.
var formats = map[string][]part{
	"01": {{numeric: true, fixed: 14}},
	"10": {{max: 20}}, "21": {{max: 20}}, "22": {{max: 20}},
	"11": {{numeric: true, fixed: 6}}, "13": {{numeric: true, fixed: 6}}, "15": {{numeric: true, fixed: 6}},
	"16": {{numeric: true, fixed: 6}}, "17": {{numeric: true, fixed: 6}},
	"3100": {{numeric: true, fixed: 6}}, "3101": {{numeric: true, fixed: 6}}, "3102": {{numeric: true, fixed: 6}},
	"3103": {{numeric: true, fixed: 6}}, "3104": {{numeric: true, fixed: 6}}, "3105": {{numeric: true, fixed: 6}},
	"7003": {{numeric: true, fixed: 10}},
}

// aiLength gives, by an AI's first two digits, how many digits the AI has
// (the compression standard's table P), for the prefixes of formats.
var aiLength = map[string]int{"01": 2, "10": 2, "11": 2, "13": 2, "15": 2, "16": 2, "17": 2, "21": 2, "22": 2, "31": 4, "70": 4}

// runs are the optimisation codes that stand for a run of AIs, for the runs
// made only of AIs in formats. Each run is in ascending AI order: GS1's
// toolkit sorts its table in place when it loads it, so 1A, listed as 01 10
// 21 17, is written and read as 01 10 17 21 by every URI it compresses.
var runs = map[string][]string{
	"0A": {"01", "22"}, "0B": {"01", "10"}, "0C": {"01", "21"}, "0D": {"01", "17"}, "0E": {"01", "7003"},
	"1A": {"01", "10", "17", "21"}, "1B": {"01", "15"}, "1C": {"01", "11"}, "1D": {"01", "16"}, "1F": {"01", "10", "15"},
	"2A": {"01", "3100"}, "2B": {"01", "3101"}, "2C": {"01", "3102"}, "2D": {"01", "3103"}, "2E": {"01", "3104"}, "2F": {"01", "3105"},
}

// bits reads a bit string left to right.
type bits struct {
	s   string
	pos int
}

func (b *bits) left() int { return len(b.s) - b.pos }

func (b *bits) take(n int) (string, error) {
	if n > b.left() {
		return "", fmt.Errorf("the data ends %d bits early", n-b.left())
	}
	s := b.s[b.pos : b.pos+n]
	b.pos += n
	return s, nil
}

func (b *bits) uint(n int) (int, error) {
	s, err := b.take(n)
	if err != nil {
		return 0, err
	}
	v := 0
	for _, c := range s {
		v = v<<1 | int(c-'0')
	}
	return v, nil
}

// Decompress decodes one compressed path segment into AI values and the
// non-GS1 key=value pairs compressed with them.
func Decompress(segment string) (ais, other map[string]string, err error) {
	var sb strings.Builder
	for _, c := range segment {
		i := strings.IndexRune(base64URI, c)
		if i < 0 {
			return nil, nil, fmt.Errorf("%q is not in the compression's base64 alphabet", c)
		}
		fmt.Fprintf(&sb, "%06b", i)
	}
	b := &bits{s: sb.String()}
	ais, other = map[string]string{}, map[string]string{}
	for b.left() > 8 {
		h1, _ := b.uint(4)
		h2, _ := b.uint(4)
		switch {
		case h1 <= 9 && h2 <= 9:
			err = readAI(b, ais, fmt.Sprintf("%d%d", h1, h2))
		case h1 == 0xF:
			b.pos -= 4
			err = readPair(b, other)
		default:
			run, ok := runs[fmt.Sprintf("%X%X", h1, h2)]
			if !ok {
				return nil, nil, fmt.Errorf("code %X%X stands for no run of AIs this decoder knows", h1, h2)
			}
			for _, ai := range run {
				if err = readValue(b, ais, ai); err != nil {
					break
				}
			}
		}
		if err != nil {
			return nil, nil, err
		}
	}
	if rest := b.s[b.pos:]; strings.Trim(rest, "0") != "" || len(ais) == 0 {
		return nil, nil, fmt.Errorf("%q does not decode to GS1 element strings", segment)
	}
	return ais, other, nil
}

// Expand reads a compressed Digital Link path segment as a URI, and returns
// beside it what else was compressed: data attributes (by AI) and non-GS1
// pairs, as the query string of the uncompressed URI carries them.
func Expand(segment string) (URI, url.Values, error) {
	ais, other, err := Decompress(segment)
	if err != nil {
		return URI{}, nil, &SyntaxError{Msg: "not a compressed Digital Link: " + err.Error()}
	}
	u, err := FromAIs(ais)
	if err != nil {
		return URI{}, nil, err
	}
	rest := url.Values{}
	for ai, v := range ais {
		if ai != "01" && !slices.Contains(qualifiers, ai) {
			rest.Set(ai, v)
		}
	}
	for k, v := range other {
		rest.Set(k, v)
	}
	return u, rest, nil
}

// readAI reads the rest of an AI whose first two digits are h, then its value.
func readAI(b *bits, ais map[string]string, h string) error {
	ai := h
	n, ok := aiLength[h]
	if !ok {
		return fmt.Errorf("AI %s… is not supported by this decoder", h)
	}
	for len(ai) < n {
		d, err := b.uint(4)
		if err != nil || d > 9 {
			return fmt.Errorf("AI %s… is not all digits", ai)
		}
		ai += fmt.Sprint(d)
	}
	return readValue(b, ais, ai)
}

// readValue reads an AI's value in its format.
func readValue(b *bits, ais map[string]string, ai string) error {
	f, ok := formats[ai]
	if !ok {
		return fmt.Errorf("AI %s is not supported by this decoder", ai)
	}
	var v strings.Builder
	for _, p := range f {
		switch {
		case p.numeric && p.fixed > 0:
			s, err := digits(b, p.fixed)
			if err != nil {
				return fmt.Errorf("AI %s: %w", ai, err)
			}
			v.WriteString(s)
		case p.numeric:
			n, err := b.uint(lengthBits(p.max))
			if err != nil {
				return fmt.Errorf("AI %s: %w", ai, err)
			}
			s, err := digits(b, n)
			if err != nil {
				return fmt.Errorf("AI %s: %w", ai, err)
			}
			v.WriteString(s)
		default:
			enc, err := b.uint(3)
			if err != nil {
				return fmt.Errorf("AI %s: %w", ai, err)
			}
			n := p.fixed
			if n == 0 {
				if n, err = b.uint(lengthBits(p.max)); err != nil {
					return fmt.Errorf("AI %s: %w", ai, err)
				}
			}
			s, err := text(b, enc, n)
			if err != nil {
				return fmt.Errorf("AI %s: %w", ai, err)
			}
			v.WriteString(s)
		}
	}
	ais[ai] = v.String()
	return nil
}

// readPair reads a non-GS1 key=value pair after its F nibble: a 7-bit key
// length, the key in base64 characters, then the value as an alphanumeric of
// up to 127 characters.
func readPair(b *bits, other map[string]string) error {
	n, err := b.uint(7)
	if err != nil {
		return err
	}
	key, err := text(b, 3, n)
	if err != nil {
		return err
	}
	enc, err := b.uint(3)
	if err != nil {
		return err
	}
	n, err = b.uint(7)
	if err != nil {
		return err
	}
	v, err := text(b, enc, n)
	if err != nil {
		return err
	}
	other[key] = v
	return nil
}

// lengthBits is how many bits hold the length of a value of at most max.
func lengthBits(max int) int { return int(math.Ceil(math.Log2(float64(max)) + 0.01)) }

// digits reads n decimal digits stored as one binary number in the fewest
// bits that hold any n-digit number.
func digits(b *bits, n int) (string, error) {
	if n == 0 {
		return "", nil
	}
	s, err := b.take(int(math.Ceil(float64(n)*math.Log2(10) + 0.01)))
	if err != nil {
		return "", err
	}
	v, _ := new(big.Int).SetString(s, 2)
	out := v.String()
	if len(out) > n {
		return "", fmt.Errorf("%s is more than %d digits", out, n)
	}
	return strings.Repeat("0", n-len(out)) + out, nil
}

// text reads n characters in encoding enc: 0 digits, 1 lower-case hex, 2
// upper-case hex, 3 the base64 alphabet, 4 7-bit ASCII.
func text(b *bits, enc, n int) (string, error) {
	var width int
	var alphabet string
	switch enc {
	case 0:
		return digits(b, n)
	case 1:
		width, alphabet = 4, "0123456789abcdef"
	case 2:
		width, alphabet = 4, "0123456789ABCDEF"
	case 3:
		width, alphabet = 6, base64URI
	case 4:
		width = 7
	default:
		return "", fmt.Errorf("encoding %d is not defined", enc)
	}
	var s strings.Builder
	for range n {
		c, err := b.uint(width)
		if err != nil {
			return "", err
		}
		if alphabet != "" {
			s.WriteByte(alphabet[c])
		} else {
			s.WriteByte(byte(c))
		}
	}
	return s.String(), nil
}
