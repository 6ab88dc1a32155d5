package trace

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agritrace/agritrace/internal/region"
)

// 承诺达标合格证 (certificate of commitment to meet standards): what a
// producer or a collection point hands over with edible farm produce it
// sells, under the Agricultural Product Quality Safety Law (art. 39) and the
// Ministry of Agriculture and Rural Affairs' 农产品质量安全承诺达标合格证管理办法
// (MARA order 2025 No. 4, in force 2026-02-01). It is recorded as a certify
// event on the lot's chain, so it is hashed, anchored and verified like any
// custody step, and the trace code printed on it (证码合一) leads to that chain.

// Commitment is the statement of the national certificate template, in its
// own words; every certificate makes all three commitments, which is why the
// template prints them as boxes to tick, and why the event records the words.
var Commitment = []string{
	"不使用禁用农药兽药、停用兽药和非法添加物",
	"常规农药兽药残留不超标",
	"对承诺的真实性负责",
}

// Bases of a commitment (承诺依据), as the national template lists them.
const (
	BasisCommissionedTest = "commissioned-test" // 委托检测
	BasisSelfTest         = "self-test"         // 自我检测
	BasisInternalControl  = "internal-control"  // 内部质量控制
	BasisSelfCommitment   = "self-commitment"   // 自我承诺
)

// Bases lists the bases in the template's order.
var Bases = []string{BasisCommissionedTest, BasisSelfTest, BasisInternalControl, BasisSelfCommitment}

var basisNames = map[string][2]string{
	BasisCommissionedTest: {"委托检测", "commissioned test"},
	BasisSelfTest:         {"自我检测", "self-test"},
	BasisInternalControl:  {"内部质量控制", "internal quality control"},
	BasisSelfCommitment:   {"自我承诺", "self-commitment"},
}

// BasisName is a basis in words, in Chinese or, for lang "en", in English.
func BasisName(basis, lang string) string {
	n, ok := basisNames[basis]
	switch {
	case !ok:
		return basis
	case lang == "en":
		return n[1]
	}
	return n[0]
}

// CertifyInput is a certificate as its issuer fills it in. Quantity is in the
// lot's base unit; 0 certifies everything the lot still holds.
type CertifyInput struct {
	Product  string `json:"product"`
	Quantity int64  `json:"quantity"`
	// Issuer defaults to the acting organization's name.
	Issuer string `json:"issuer"`
	Phone  string `json:"phone"`
	// Origin (产地) defaults to the lot's region and village.
	Origin string `json:"origin"`
	Basis  string `json:"basis"`
	// Results are a self-test's results, e.g. {"农药残留速测": "阴性"};
	// Report is the number of a test report, required for a commissioned
	// test, which Lab names.
	Results map[string]any `json:"results"`
	Report  string         `json:"report"`
	Lab     string         `json:"lab"`
	// Signer is the person who signs for the issuer (签名).
	Signer string `json:"signer"`
	// Commit must be true: the issuer ticks the commitments.
	Commit bool        `json:"commit"`
	Place  *PlaceInput `json:"place"`
}

// certificateBody is the payload of a certify event.
type certificateBody struct {
	Product   string         `json:"product"`
	Unit      string         `json:"unit"`
	Issuer    string         `json:"issuer"`
	Phone     string         `json:"phone"`
	Origin    string         `json:"origin"`
	Date      string         `json:"date"`
	Statement []string       `json:"statement"`
	Basis     string         `json:"basis"`
	Results   map[string]any `json:"results,omitempty"`
	Report    string         `json:"report,omitempty"`
	Lab       string         `json:"lab,omitempty"`
	Signer    string         `json:"signer"`
}

// Certificate is one issued certificate, read from its event.
type Certificate struct {
	Number    string         `json:"number"`
	Lot       string         `json:"lot"`
	GTIN      string         `json:"gtin"`
	LotNumber string         `json:"lotNumber"`
	Seq       int64          `json:"seq"`
	Hash      string         `json:"hash"`
	IssuerOrg string         `json:"issuerOrg"`
	Issuer    string         `json:"issuer"`
	Phone     string         `json:"phone"`
	Product   string         `json:"product"`
	Quantity  int64          `json:"quantity"`
	Unit      string         `json:"unit"`
	Origin    string         `json:"origin"`
	Date      string         `json:"date"`
	Statement []string       `json:"statement"`
	Basis     string         `json:"basis"`
	Results   map[string]any `json:"results,omitempty"`
	Report    string         `json:"report,omitempty"`
	Lab       string         `json:"lab,omitempty"`
	Signer    string         `json:"signer,omitempty"`
	Time      time.Time      `json:"time"`
}

// CertificateNumber is the number of the certificate recorded as event seq
// of lot id: "HG", the lot id and the sequence. An event is unique by lot and
// sequence, so numbers are unique for every issuer (and across issuers)
// without a counter, and anyone holding the chain can tell which event a
// printed number stands for.
func CertificateNumber(lotID string, seq int64) string {
	return fmt.Sprintf("HG-%s-%d", lotID, seq)
}

// CertificateOf reads the certificate a certify event records. An event
// whose payload does not read (an edited record) still gives the number,
// lot, seq and hash, with the error.
func CertificateOf(e Event) (Certificate, error) {
	gtin, number, _ := strings.Cut(e.Lot, ".")
	c := Certificate{Number: CertificateNumber(e.Lot, e.Seq), Lot: e.Lot, GTIN: gtin, LotNumber: number, Seq: e.Seq,
		Hash: e.Hash, IssuerOrg: e.Actor, Quantity: e.Quantity, Time: e.Time}
	if e.Type != EventCertify {
		return c, fmt.Errorf("event %s/%d is a %s, not a certificate", e.Lot, e.Seq, e.Type)
	}
	var b certificateBody
	if err := json.Unmarshal(e.Payload, &b); err != nil {
		return c, fmt.Errorf("certificate %s/%d: %w", e.Lot, e.Seq, err)
	}
	c.Issuer, c.Phone, c.Product, c.Unit, c.Origin, c.Date = b.Issuer, b.Phone, b.Product, b.Unit, b.Origin, b.Date
	c.Statement, c.Basis, c.Results, c.Report, c.Lab, c.Signer = b.Statement, b.Basis, b.Results, b.Report, b.Lab, b.Signer
	return c, nil
}

// CertificatesIn returns the certificates among a lot's events, in order.
// One whose record does not read is listed with what its event gives, so
// that verification, not a failed read, reports the edit.
func CertificatesIn(events []Event) []Certificate {
	var out []Certificate
	for _, e := range events {
		if e.Type == EventCertify {
			c, _ := CertificateOf(e)
			out = append(out, c)
		}
	}
	return out
}

// Public is the certificate as anyone may see it, from the scan page or the
// public certificate link: the issuer's phone with its middle digits hidden
// and without the signer's name. The phone is a household's own number when
// a farmer issues (personal information under the PIPL); the whole number
// travels only on the printed certificate handed to the buyer, which is
// what the rules require it for.
func (c Certificate) Public() Certificate {
	c.Phone = MaskPhone(c.Phone)
	c.Signer = ""
	return c
}

// MaskPhone hides all but the first three and last four digits of a phone
// number, the way Chinese services show one: 138****5678.
func MaskPhone(p string) string {
	if len(p) <= 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}

// certPhone accepts a mainland mobile number or a landline with its area
// code, with or without the hyphen.
var certPhone = regexp.MustCompile(`^(1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-?[0-9]{7,8})$`)

// chinaTime is the zone a certificate's date is written in.
var chinaTime = time.FixedZone("CST", 8*3600)

func certText(field, s string, required bool, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		return "", FieldErrorf(EINVALID, field, "%s is required on a certificate", field)
	case utf8.RuneCountInString(s) > max:
		return "", FieldErrorf(EINVALID, field, "%s must be at most %d characters", field, max)
	}
	return s, nil
}

// body validates in against the lot and fills in what defaults.
func (in CertifyInput) body(actor Org, l Lot, p Product) (certificateBody, error) {
	b := certificateBody{Product: in.Product, Issuer: in.Issuer, Origin: in.Origin, Unit: l.BaseUnit,
		Statement: slices.Clone(Commitment), Basis: in.Basis, Results: in.Results}
	if strings.TrimSpace(b.Product) == "" {
		b.Product = p.NameZH
	}
	if strings.TrimSpace(b.Issuer) == "" {
		b.Issuer = actor.Name
	}
	if strings.TrimSpace(b.Origin) == "" && l.Origin != nil {
		b.Origin = region.Name(l.Origin.Region, "zh") + l.Origin.Village
	}
	var err error
	for _, f := range []struct {
		name string
		v    *string
		raw  string
		req  bool
		max  int
	}{
		{"product", &b.Product, b.Product, true, 64}, {"issuer", &b.Issuer, b.Issuer, true, 64},
		{"phone", &b.Phone, in.Phone, true, 20}, {"origin", &b.Origin, b.Origin, true, 128},
		{"report", &b.Report, in.Report, false, 64}, {"lab", &b.Lab, in.Lab, false, 64},
		{"signer", &b.Signer, in.Signer, true, 32},
	} {
		if *f.v, err = certText(f.name, f.raw, f.req, f.max); err != nil {
			return b, err
		}
	}
	if !certPhone.MatchString(b.Phone) {
		return b, FieldErrorf(EINVALID, "phone", "phone must be a mobile number (11 digits) or a landline with its area code, e.g. 0716-1234567")
	}
	if !in.Commit {
		return b, FieldErrorf(EINVALID, "commit", "the issuer must make the commitment: %s", strings.Join(Commitment, "；"))
	}
	for k := range b.Results {
		if strings.TrimSpace(k) == "" || len(k) > 64 {
			return b, FieldErrorf(EINVALID, "results", "result names must be 1-64 characters")
		}
	}
	switch b.Basis {
	case BasisCommissionedTest:
		if b.Report == "" {
			return b, FieldErrorf(EINVALID, "report", "a commissioned test needs the number of its test report")
		}
	case BasisSelfTest:
		if len(b.Results) == 0 && b.Report == "" {
			return b, FieldErrorf(EINVALID, "results", "a self-test needs its results, e.g. {\"农药残留速测\": \"阴性\"}, or its report number")
		}
	case BasisInternalControl, BasisSelfCommitment:
		if len(b.Results) > 0 || b.Report != "" || b.Lab != "" {
			return b, FieldErrorf(EINVALID, "basis", "results and reports belong to a test basis (%s or %s)", BasisSelfTest, BasisCommissionedTest)
		}
	default:
		return b, FieldErrorf(EINVALID, "basis", "basis must be one of %v", Bases)
	}
	return b, nil
}

// Certify issues a 承诺达标合格证 for a quantity of a lot, recorded as a
// certify event. Only the lot's producer or collector custodian may: see
// mayCertify. Returns EINVALID for a field the certificate needs or gets
// wrong, EUNPROCESSABLE for more than the lot holds, EFORBIDDEN for anyone
// else, ENOTFOUND for an unknown lot.
func (s *Service) Certify(ctx context.Context, actor Org, lotID string, in CertifyInput) (Result, error) {
	place, err := s.place(actor, in.Place)
	if err != nil {
		return Result{}, err
	}
	return s.write(ctx, func() (*change, error) {
		l, err := s.lotFor(ctx, lotID, "lot")
		if err != nil {
			return nil, err
		}
		if err := mayCertify(actor, l); err != nil {
			return nil, err
		}
		p, err := s.Store.Product(ctx, l.GTIN)
		if err != nil {
			return nil, fmt.Errorf("certificate for %s: %w", l.ID, err)
		}
		qty := in.Quantity
		if qty == 0 {
			qty = l.Available
		}
		if err := ValidateQuantity("quantity", qty); err != nil {
			return nil, err
		}
		if qty > l.Available {
			return nil, FieldErrorf(EUNPROCESSABLE, "quantity", "lot %s holds %d %s; a certificate cannot cover %d", l.ID, l.Available, l.BaseUnit, qty)
		}
		b, err := in.body(actor, l, p)
		if err != nil {
			return nil, err
		}
		c := s.newChange(actor, place)
		b.Date = c.now.In(chinaTime).Format("2006-01-02")
		c.track(l)
		return c, c.append(l.ID, EventCertify, qty, b)
	})
}

// Certificates returns the certificates issued for a lot actor may read.
func (s *Service) Certificates(ctx context.Context, actor Org, lotID string) ([]Certificate, error) {
	l, err := s.ReadLot(ctx, actor, lotID)
	if err != nil {
		return nil, err
	}
	events, err := s.Store.Events(ctx, l.ID)
	if err != nil {
		return nil, fmt.Errorf("certificates of %s: %w", l.ID, err)
	}
	return CertificatesIn(events), nil
}
