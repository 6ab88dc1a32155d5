// Package console is the web console people sign in to: server-rendered
// pages under /console/ on the same domain services as the API. Handlers
// parse a form, call trace, and render; the rules stay in trace.
package console

import (
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/labelprint"
	"github.com/agritrace/agritrace/internal/region"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
	"github.com/agritrace/agritrace/web"
	"github.com/gin-gonic/gin"
)

// Console holds what the console's handlers need.
type Console struct {
	Service *trace.Service
	Store   trace.Store
	Log     *slog.Logger
	// AllowSignIn rate-limits sign-in attempts per client address (the API's
	// limiter); nil allows every attempt.
	AllowSignIn func(addr string) bool
	// Committed is told after every successful write, to wake the anchoring worker.
	Committed func()
	// Divisions are the townships and villages a delivery's village is
	// picked from; nil means the demo county's.
	Divisions *region.Directory
	// Printer renders label print runs; BaseURL gives the public origin
	// their QR codes name, as the API has it when a run starts. A nil
	// Printer offers no printing.
	Printer *labelprint.Printer
	BaseURL func() string

	prints sync.Map // org/form token -> print run id
	// Verifier checks audited records against the ledger; PDFFont is the
	// font with Chinese glyphs for audit PDFs (see audit.PDFOptions).
	Verifier verify.Verifier
	PDFFont  string
	// Keys signs QR labels; the admin's label keys page rotates it.
	Keys *label.Keyring

	pages  map[string]*template.Template
	assets map[string]web.Asset
	byName map[string]web.Asset
}

// Mount adds the console's routes under /console/ to r.
func (c *Console) Mount(r gin.IRouter) {
	if c.Divisions == nil {
		c.Divisions = region.DemoDirectory()
	}
	c.pages = web.ConsoleTemplates(template.FuncMap{"fld": fieldOf})
	c.assets = web.ConsoleAssets()
	c.byName = map[string]web.Asset{}
	for _, a := range c.assets {
		c.byName[a.Name] = a
	}
	c.routes(r.Group("/console"))
}

const (
	sessionCookie = "agritrace_session"
	langCookie    = "agritrace_lang"
	cookiePath    = "/console/"
	whoKey        = "console.who"
)

// page is what every template gets: the layout's needs and the page's Data.
type page struct {
	Lang, Title, Subtitle string
	CSS, OtherLang        string
	Who                   *trace.SignedIn
	Nav                   []navItem
	CSRF, FormToken       string
	// Values are the form's inputs as sent; Errors the field errors, in the
	// page's language, keyed by form field.
	Values, Errors map[string]string
	Multi          map[string][]string
	Notice         string
	Failure        string
	Detail         string
	Status         int
	// Secret is shown once (a generated password, an API key), under the
	// text of SecretKey.
	Secret, SecretKey string
	Roles             []string
	Data              any
	names             map[string]string
}

// Time shows t in China's time zone, as the people using the console read it.
func (p *page) Time(t time.Time) string {
	return t.In(china).Format("2006-01-02 15:04")
}

var china = time.FixedZone("CST", 8*3600)

// OrgName names an organization by its name where the page knows it.
func (p *page) OrgName(id string) string {
	if n := p.names[id]; n != "" {
		return n + " (" + id + ")"
	}
	return id
}

// Qty shows a quantity in base units (g, mL, pieces) in the unit people
// weigh and pour in: kg and L, to the gram and millilitre.
func (p *page) Qty(n int64, base string) string {
	switch base {
	case "g", "mL":
		unit := map[string]string{"g": "kg", "mL": "L"}[base]
		s := strconv.FormatFloat(float64(n)/1000, 'f', -1, 64)
		return s + " " + unit
	}
	return strconv.FormatInt(n, 10) + " " + base
}

// Locked reports whether a user is locked out now.
func (p *page) Locked(u trace.User) bool { return time.Now().Before(u.LockedUntil) }

// Checked reports whether a multi-valued field was sent with v.
func (p *page) Checked(field, v string) bool {
	for _, x := range p.Multi[field] {
		if x == v {
			return true
		}
	}
	return false
}

// newPage starts a page for the request in its language.
func (c *Console) newPage(g *gin.Context, title string) *page {
	lang := c.lang(g)
	q := g.Request.URL.Query()
	q.Set("lang", map[string]string{"zh": "en", "en": "zh"}[lang])
	p := &page{
		Lang: lang, Title: title, CSS: "/console/static/" + c.assets["console.css"].Name,
		OtherLang: g.Request.URL.Path + "?" + q.Encode(),
		Values:    map[string]string{}, Errors: map[string]string{}, Multi: map[string][]string{},
	}
	if w, ok := g.Get(whoKey); ok {
		who := w.(trace.SignedIn)
		p.Who, p.CSRF, p.FormToken = &who, who.Session.CSRF, newFormToken()
		p.Nav = nav(who, g.Request.URL.Path)
	}
	return p
}

// lang is the console's language: ?lang= (remembered in a cookie), else
// the cookie, else the browser's, Chinese by default.
func (c *Console) lang(g *gin.Context) string {
	if q := g.Query("lang"); q == "en" || q == "zh" {
		g.SetCookie(langCookie, q, 365*24*3600, cookiePath, "", c.secure(g), true)
		return q
	}
	if v, err := g.Cookie(langCookie); err == nil && (v == "en" || v == "zh") {
		return v
	}
	return web.Lang("", g.GetHeader("Accept-Language"))
}

// render writes a page; pages carry personal data and form tokens, so no
// cache may keep them.
func (c *Console) render(g *gin.Context, status int, name string, p *page) {
	g.Header("Cache-Control", "no-store")
	g.Header("Content-Type", "text/html; charset=utf-8")
	g.Header("X-Frame-Options", "DENY")
	g.Status(status)
	if err := c.pages[name].ExecuteTemplate(g.Writer, "layout.html", p); err != nil {
		c.Log.ErrorContext(g.Request.Context(), "console: render", "page", name, "err", err)
	}
}

// fail renders a refusal page for err: 403 for what the user may not do,
// 404 for what does not exist, 500 (logged, never shown) for the rest.
func (c *Console) fail(g *gin.Context, err error) {
	p := c.newPage(g, "error.title")
	switch trace.ErrorCode(err) {
	case trace.EFORBIDDEN:
		p.Status, p.Failure = http.StatusForbidden, "error.forbidden"
	case trace.ENOTFOUND:
		p.Status, p.Failure = http.StatusNotFound, "error.notfound"
	case trace.EINVALID, trace.EUNPROCESSABLE, trace.ECONFLICT:
		p.Status, p.Failure, p.Detail = http.StatusUnprocessableEntity, "error.refused", trace.ErrorMessage(err)
	default:
		c.Log.ErrorContext(g.Request.Context(), "console: request failed", "path", g.Request.URL.Path, "err", err)
		p.Status, p.Failure = http.StatusInternalServerError, "error.internal"
	}
	c.render(g, p.Status, "error", p)
	g.Abort()
}

// static serves the versioned assets, gzipped when the browser accepts it,
// cached for a year: a changed file gets a new name.
func (c *Console) static(g *gin.Context) {
	a, ok := c.byName[g.Param("name")]
	if !ok {
		g.Status(http.StatusNotFound)
		return
	}
	g.Header("Cache-Control", "public, max-age=31536000, immutable")
	g.Header("Vary", "Accept-Encoding")
	if strings.Contains(g.GetHeader("Accept-Encoding"), "gzip") {
		g.Header("Content-Encoding", "gzip")
		g.Data(http.StatusOK, a.ContentType, a.Gzip)
		return
	}
	g.Data(http.StatusOK, a.ContentType, a.Body)
}

// redirect answers a form with 303, so reloading the next page resends nothing.
func redirect(g *gin.Context, to string) {
	g.Redirect(http.StatusSeeOther, to)
	g.Abort()
}

// local keeps a ?next= target on the console, so sign-in cannot be made to
// send someone elsewhere.
func local(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/console/") || strings.HasPrefix(next, "//") {
		return "/console/"
	}
	return u.RequestURI()
}
