package console

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/agritrace/agritrace/internal/certprint"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// certFields are the certificate form's fields by the domain's field names:
// the form's own names carry a prefix, since "phone" and "quantity" already
// have error texts of other forms.
var certFields = map[string]string{
	"product": "certproduct", "quantity": "certqty", "issuer": "certissuer", "phone": "certphone",
	"origin": "certorigin", "basis": "certbasis", "results": "certresults", "report": "certreport",
	"lab": "certlab", "signer": "certsigner", "commit": "certcommit",
}

// certifies decides whether the lot page offers the certificate form, and
// fills in what the signed-in person would type anyway: their phone and name.
// The domain decides again when the form is sent.
func certifies(p *page, who trace.SignedIn, l trace.Lot, held bool) bool {
	if !held || !who.Org.Has(trace.RoleProducer, trace.RoleCollector) {
		return false
	}
	if _, posted := p.Values["certphone"]; !posted {
		p.Values["certphone"], p.Values["certsigner"] = who.User.Phone, who.User.Name
	}
	return true
}

// certify issues a 承诺达标合格证 from the lot page's form. Results are typed
// one a line as "test: result".
func (c *Console) certify(g *gin.Context) {
	p := c.newPage(g, "lot.title")
	names := make([]string, 0, len(certFields))
	for _, f := range certFields {
		names = append(names, f)
	}
	keep(g, p, names...)
	l, err := c.Service.ReadLot(g.Request.Context(), signedIn(g).Org, g.Param("id"))
	if err != nil {
		c.fail(g, err)
		return
	}
	v := func(f string) string { return strings.TrimSpace(p.Values[f]) }
	in := trace.CertifyInput{
		Product: v("certproduct"), Issuer: v("certissuer"), Phone: v("certphone"), Origin: v("certorigin"),
		Basis: v("certbasis"), Report: v("certreport"), Lab: v("certlab"), Signer: v("certsigner"),
		Commit: v("certcommit") == "yes",
	}
	if v("certqty") != "" {
		in.Quantity = amount(p, "certqty", l.BaseUnit)
	}
	for _, line := range strings.Split(v("certresults"), "\n") {
		k, val, ok := strings.Cut(line, ":")
		if !ok {
			k, val, ok = strings.Cut(line, "：")
		}
		switch {
		case strings.TrimSpace(line) == "":
		case !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(val) == "":
			setError(p, "certresults", "err.certresults")
		default:
			if in.Results == nil {
				in.Results = map[string]any{}
			}
			in.Results[strings.TrimSpace(k)] = strings.TrimSpace(val)
		}
	}
	if len(p.Errors) > 0 {
		c.showLot(g, p, http.StatusUnprocessableEntity)
		return
	}
	c.lotWriteTo(g, p, "/console/lots/"+url.PathEscape(l.ID)+"?done=certify#certificates", certFields, func(g *gin.Context, who trace.SignedIn, id string) error {
		_, err := c.Service.Certify(g.Request.Context(), who.Org, id, in)
		return err
	})
}

// certificatePDF prints a lot's certificates for those who may read the lot,
// in full: the issuer prints this one to hand over with the produce, with
// the phone the rules require on it and the signer's name.
func (c *Console) certificatePDF(g *gin.Context) {
	certs, err := c.Service.Certificates(g.Request.Context(), signedIn(g).Org, g.Param("id"))
	if err != nil {
		c.fail(g, err)
		return
	}
	if len(certs) == 0 {
		c.fail(g, trace.Errorf(trace.ENOTFOUND, "lot %s has no certificate", g.Param("id")))
		return
	}
	var buf bytes.Buffer
	if err := certprint.Print(&buf, c.BaseURL(), certs, c.PDFFont); err != nil {
		c.fail(g, err)
		return
	}
	g.Header("Cache-Control", "no-store")
	g.Header("Content-Disposition", fmt.Sprintf(`inline; filename="certificate-%s.pdf"`, g.Param("id")))
	g.Data(http.StatusOK, "application/pdf", buf.Bytes())
}
