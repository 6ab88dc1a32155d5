package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/agritrace/agritrace/internal/digitallink"
	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/web"
	"github.com/gin-gonic/gin"
)

// scanPage is a provenance as the page renders it, in the reader's language.
type scanPage struct {
	*scan.Provenance
	Lang         string
	OtherLangURL template.URL
	// Located is set when the phone's location was sent, so the page does
	// not offer the button again.
	Located bool
	// History is the page's part that the lot's records alone decide,
	// rendered once per kept provenance and language.
	History template.HTML
}

func (s *Server) mountWeb(r *gin.Engine) {
	s.pages = web.Templates()
	r.SetHTMLTemplate(s.pages)
	r.StaticFS("/static", filesOnly{http.FS(web.Static())})
}

// scanUnit is a unit's provenance page: where a phone lands, through the
// resolver, from a QR label.
func (s *Server) scanUnit(c *gin.Context) {
	in := s.scanInput(c)
	in.Serial, in.KeyID, in.Signature = c.Param("serial"), c.Query("k"), c.Query("s")
	s.judgeUnit(c, in)
}

// scanSerial is the page of a serial given without its lot
// (/01/{gtin}/21/{serial}): the unit's lot is read from its records, and an
// unknown serial is judged as such.
func (s *Server) scanSerial(c *gin.Context) {
	in := s.scanInput(c)
	in.Serial, in.KeyID, in.Signature = c.Param("serial"), c.Query("k"), c.Query("s")
	if u, err := s.Store.Unit(c.Request.Context(), in.Serial); err == nil && u.GTIN == in.GTIN {
		in.Lot = u.LotNumber
	}
	s.judgeUnit(c, in)
}

func (s *Server) judgeUnit(c *gin.Context, in scan.Label) {
	p, err := s.Judge.Unit(c.Request.Context(), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.recordScan(c, &p)
	s.render(c, &p)
}

// scanLot is a lot's provenance page, for lot-level Digital Links as printed
// on bags and drums.
func (s *Server) scanLot(c *gin.Context) {
	p, err := s.Judge.Lot(c.Request.Context(), s.scanInput(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.recordScan(c, &p)
	s.render(c, &p)
}

// checkLink refuses a provenance path that is not a valid Digital Link (a
// GTIN with a wrong check digit, a lot or serial longer than 20 characters or
// outside GS1 character set 82) with 400, before anything is judged or
// recorded: the resolver's rule for /01/ paths.
func (s *Server) checkLink(c *gin.Context) {
	path := strings.TrimPrefix(c.Request.URL.EscapedPath(), "/provenance")
	if _, err := digitallink.Parse(path); err != nil {
		s.fail(c, trace.Errorf(trace.EINVALID, "not a valid GS1 Digital Link: %v", err))
		return
	}
	c.Next()
}

// scanInput gathers the evidence a scan carries; the judge weighs it.
func (s *Server) scanInput(c *gin.Context) scan.Label {
	return scan.Label{
		GTIN: c.Param("gtin"), Lot: c.Param("lot"), Client: s.client(c), Declared: region(c),
		Address: c.ClientIP(), Token: s.scannerToken(c), Geo: coords(c), Time: time.Now().UTC(),
	}
}

// client tells an inspector, who scans with the regulator's key, from a consumer.
func (s *Server) client(c *gin.Context) string {
	if org, ok, _ := s.bearer(c); ok && org.Has(trace.RoleRegulator) {
		return scan.Inspector
	}
	return scan.Consumer
}

// region is the place given in the URL; anything but a division code is
// ignored, and the judge weighs it only from an inspector.
func region(c *gin.Context) string {
	r := c.Query("region")
	if trace.ValidateRegion("region", r) != nil {
		return ""
	}
	return r
}

// coords are the phone's location as the page's location button sends it.
func coords(c *gin.Context) *scan.Coords {
	lat, err1 := strconv.ParseFloat(c.Query("lat"), 64)
	lon, err2 := strconv.ParseFloat(c.Query("lon"), 64)
	if err1 != nil || err2 != nil {
		return nil
	}
	return &scan.Coords{Lat: lat, Lon: lon}
}

// scannerCookie holds a random first-party token that tells one phone's
// reloads from many phones' scans. It says nothing about the person and is
// sent only to this site.
const scannerCookie = "agritrace_scanner"

// scannerToken returns the scanner's token, issuing one when the request
// carries none (or one not of our making).
func (s *Server) scannerToken(c *gin.Context) string {
	if tok, err := c.Cookie(scannerCookie); err == nil && len(tok) == 32 && strings.Trim(tok, "0123456789abcdef") == "" {
		return tok
	}
	b := make([]byte, 16)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	c.SetSameSite(http.SameSiteLaxMode)
	c.SetCookie(scannerCookie, tok, 2*365*24*3600, "/", "", strings.HasPrefix(s.BaseURL, "https://"), true)
	return tok
}

// recordScan keeps every scan; a scan that cannot be recorded still gets its
// answer, since the person holding the bottle is owed one.
func (s *Server) recordScan(c *gin.Context, p *scan.Provenance) {
	sc := p.Record
	for _, keep := range s.probes.Fold(clientKey(c.ClientIP()), sc) {
		keep.ID = newID()
		if err := s.Store.AddScan(c.Request.Context(), keep); err != nil {
			s.Log.ErrorContext(c.Request.Context(), "record scan", "err", err, "serial", keep.Serial)
		}
	}
	if (scan.Result{Verdict: sc.Verdict}).Alert() {
		s.Log.WarnContext(c.Request.Context(), "suspicious scan", "serial", sc.Serial, "lot", sc.Lot, "verdict", sc.Verdict, "reasons", sc.Reasons,
			"region", sc.Region, "source", sc.RegionSource)
	}
}

func (s *Server) render(c *gin.Context, p *scan.Provenance) {
	if wantsJSON(c) {
		c.JSON(http.StatusOK, p)
		return
	}
	pg := scanPage{Provenance: p, Located: c.Query("lat") != ""}
	pg.Lang = web.Lang(c.Query("lang"), c.GetHeader("Accept-Language"))
	q := c.Request.URL.Query()
	q.Set("lang", map[string]string{"zh": "en", "en": "zh"}[pg.Lang])
	pg.OtherLangURL = template.URL((&url.URL{Path: c.Request.URL.Path, RawQuery: q.Encode()}).String())
	history, err := p.Memo("history."+pg.Lang, func() (string, error) {
		var b strings.Builder
		err := s.pages.ExecuteTemplate(&b, "scan-history", pg)
		return b.String(), err
	})
	if err != nil {
		s.fail(c, fmt.Errorf("render scan history of %s: %w", p.LotID, err))
		return
	}
	pg.History = template.HTML(history)
	c.HTML(http.StatusOK, "scan.html", pg)
}

func wantsJSON(c *gin.Context) bool {
	accept := c.GetHeader("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}
