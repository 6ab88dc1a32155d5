// Package api is AgriTrace's HTTP interface: the REST API under /api/v1, the
// GS1 Digital Link resolver that QR codes point at, label images, and health
// checks. Handlers decode, call the domain, and encode; rules live in trace.
package api

import (
	"cmp"
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/epcis"
	"github.com/agritrace/agritrace/internal/fleet"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/labelprint"
	"github.com/agritrace/agritrace/internal/metrics"
	regions "github.com/agritrace/agritrace/internal/region"
	"github.com/agritrace/agritrace/internal/resolver"
	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
	"github.com/gin-gonic/gin"
)

// Pinger is a dependency that can say whether it is ready.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server holds what the handlers need.
type Server struct {
	Service  *trace.Service
	Store    trace.Store
	Verifier verify.Verifier
	Keys     *label.Keyring
	Judge    scan.Judge
	// BaseURL is the public origin printed in QR codes, e.g. https://trace.example.cn.
	BaseURL string
	Log     *slog.Logger
	// Committed is told after every successful write, to wake the anchoring worker.
	Committed func()
	// Ready lists dependencies that /readyz checks.
	Ready []Pinger
	// Limits rate-limit scans and complaints; a zero rate takes its value
	// from config.DefaultLimits.
	Limits config.Limits
	// ProbeWindow folds repeated probes (scans of labels never issued or
	// falsely signed) from one client address into one alert per window;
	// zero keeps every probe.
	ProbeWindow time.Duration
	scans       *publicLimit
	complaints  *publicLimit
	// Fleet, when set, is the instances sharing the store: complaints are
	// then counted in the store, exactly across all of them, and each
	// instance allows its share of the scan limits. Nil: this process alone.
	Fleet *fleet.Fleet
	// TrustedProxies are the proxies whose X-Forwarded-For names the client;
	// with none, the client is the peer address, so a caller cannot dodge the
	// complaint rate limit by inventing a header.
	TrustedProxies []string
	// SignInEvery and SignInBurst rate-limit console sign-in attempts per
	// client address; zero means one every 6 seconds with a burst of 20.
	SignInEvery time.Duration
	SignInBurst int
	// PDFFont is a TrueType font with Chinese glyphs for printed audits;
	// empty means audit.DefaultFontPath().
	PDFFont string
	// Printer runs label print runs in the background.
	Printer *labelprint.Printer
	// Divisions are the townships and villages the console offers; nil
	// means the demo county's.
	Divisions *regions.Directory
	// Metrics, when set, counts every request by route template; nil
	// collects nothing.
	Metrics *metrics.Metrics
	// pages are the scan page's templates.
	pages *template.Template
	// labels keeps the label images served, by Digital Link and size.
	labels *label.Cache
	// probes folds repeated probes from one source (see ProbeWindow).
	probes *scan.Probes
	// products keeps the products the resolver has found.
	products *resolver.Products

	// epcis serves the EPCIS 2.0 interface; made at the first request, when
	// BaseURL, which names places and parties, is known.
	epcis     *epcis.Service
	epcisOnce sync.Once
}

// labelCacheBytes bounds the label images kept: about 10,000 PNGs of the
// default 256 pixels.
const labelCacheBytes = 16 << 20

// Handler returns the HTTP handler with every route.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	l, d := s.Limits, config.DefaultLimits
	var peers func() int
	if s.Fleet != nil {
		peers = s.Fleet.Live
	}
	s.scans = newPublicLimit("scans", cmp.Or(l.Scans, d.Scans), cmp.Or(l.KeyedScans, d.KeyedScans), peers)
	complaints, keyedComplaints := cmp.Or(l.Complaints, d.Complaints), cmp.Or(l.KeyedComplaints, d.KeyedComplaints)
	if s.Fleet != nil {
		s.complaints = newSharedLimit("reports", s.Store, complaints, keyedComplaints)
	} else {
		s.complaints = newPublicLimit("reports", complaints, keyedComplaints, nil)
	}
	s.labels = label.NewCache(labelCacheBytes)
	s.probes = &scan.Probes{Window: s.ProbeWindow}
	s.products = &resolver.Products{}

	s.Log = WithRequestIDs(s.Log)
	r := gin.New()
	r.Use(s.requestID, securityHeaders)
	if s.Metrics != nil {
		r.Use(s.observe)
	}
	r.Use(s.logRequests, gin.CustomRecovery(func(c *gin.Context, err any) {
		s.Log.ErrorContext(c.Request.Context(), "panic in handler", "err", err, "path", c.Request.URL.Path)
		s.fail(c, trace.Errorf(trace.EINTERNAL, "internal error"))
	}))
	if err := r.SetTrustedProxies(s.TrustedProxies); err != nil {
		s.Log.Error("trusted proxies ignored", "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.HandleMethodNotAllowed = true
	r.NoRoute(func(c *gin.Context) {
		if s.resolveCompressed(c) {
			return
		}
		s.fail(c, trace.Errorf(trace.ENOTFOUND, "no such page or endpoint: %s", c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		c.JSON(http.StatusMethodNotAllowed, errorBody{Error: errorDetail{Code: "method_not_allowed", Message: c.Request.Method + " is not allowed here"}})
	})
	s.routes(r)
	return r
}

func (s *Server) logRequests(c *gin.Context) {
	c.Next()
	level := slog.LevelDebug
	if c.Writer.Status() >= 500 {
		level = slog.LevelError
	}
	s.Log.Log(c.Request.Context(), level, "request", "method", c.Request.Method, "path", c.Request.URL.Path, "status", c.Writer.Status())
}

func (s *Server) committed() {
	if s.Committed != nil {
		s.Committed()
	}
}
