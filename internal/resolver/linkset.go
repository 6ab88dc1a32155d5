// Package resolver holds the rules of AgriTrace's GS1-Conformant resolver:
// which links each Digital Link has (as an RFC 9264 linkset with GS1 Web
// Vocabulary link types), which one is the default, the recall status a
// gs1:recallStatus link points at, and the resolver description file. The
// HTTP side (redirects, headers, content negotiation) is the API's.
package resolver

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Vocab is the GS1 Web Vocabulary namespace; link types are written in full
// in linksets, as GS1's linkset schema requires.
const Vocab = "https://gs1.org/voc/"

// GS1 link types the resolver serves.
const (
	DefaultLink         = Vocab + "defaultLink"
	PIP                 = Vocab + "pip"
	Traceability        = Vocab + "traceability"
	CertificationInfo   = Vocab + "certificationInfo"
	RecallStatus        = Vocab + "recallStatus"
	VerificationService = Vocab + "verificationService"
)

// Media types and the JSON-LD context of linksets.
const (
	LinksetType = "application/linkset+json"
	// ContextURL is GS1's JSON-LD context for resolver linksets, published
	// with the GS1-Conformant resolver standard as an immutable artefact.
	ContextURL = "https://ref.gs1.org/standards/resolver/linkset-context"
)

// Link is one link target (RFC 9264 section 4.2.3): href and a title always;
// type and hreflang where they help a client choose.
type Link struct {
	Href     string   `json:"href"`
	Title    string   `json:"title"`
	Type     string   `json:"type,omitempty"`
	Hreflang []string `json:"hreflang,omitempty"`
}

// Context is one link context object: the anchor (a Digital Link), what it
// names, and its links by link type.
type Context struct {
	Anchor          string
	ItemDescription string
	Links           map[string][]Link
	// order keeps link types in the order they were added, so a linkset
	// reads the same every time.
	order []string
}

func (c *Context) add(rel string, l Link) {
	if c.Links == nil {
		c.Links = map[string][]Link{}
	}
	if _, ok := c.Links[rel]; !ok {
		c.order = append(c.order, rel)
	}
	c.Links[rel] = append(c.Links[rel], l)
}

// MarshalJSON writes the object RFC 9264 section 4.2.2 defines: anchor,
// then one member per link type whose value is an array of targets.
func (c Context) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	write := func(k string, v any) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
		return nil
	}
	if err := write("anchor", c.Anchor); err != nil {
		return nil, err
	}
	if err := write("itemDescription", c.ItemDescription); err != nil {
		return nil, err
	}
	for _, rel := range c.order {
		if err := write(rel, c.Links[rel]); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Linkset is an application/linkset+json document.
type Linkset struct {
	Linkset []Context `json:"linkset"`
}

// ExpandLinkType reads a linkType parameter as a full GS1 link type: a gs1: CURIE
// or a URI in any of the namespaces GS1 has used for its vocabulary.
func ExpandLinkType(s string) string {
	for _, ns := range []string{"gs1:", "https://gs1.org/voc/", "http://gs1.org/voc/", "https://ref.gs1.org/voc/", "https://www.gs1.org/voc/", "http://www.gs1.org/voc/"} {
		if rest, ok := strings.CutPrefix(s, ns); ok {
			return Vocab + rest
		}
	}
	return s
}
