package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/agritrace/agritrace/chain/embedded"
	"github.com/agritrace/agritrace/internal/anchor"
	"github.com/agritrace/agritrace/internal/api"
	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/fleet"
	"github.com/agritrace/agritrace/internal/iploc"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/labelprint"
	"github.com/agritrace/agritrace/internal/metrics"
	"github.com/agritrace/agritrace/internal/region"
	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/store/mongo"
	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
)

// app is the wired service: store, ledger, keys, domain, anchoring, HTTP.
type app struct {
	cfg     config.Config
	log     *slog.Logger
	store   trace.Store
	ledger  trace.Ledger
	keys    *label.Keyring
	service *trace.Service
	anchor  *anchor.Worker
	printer *labelprint.Printer
	server  *api.Server
	metrics *metrics.Metrics
	// fleet is this instance among those sharing a MongoDB store.
	fleet *fleet.Fleet
	// metricsLn serves the metrics when -metrics-addr is set.
	metricsLn net.Listener
	// tls is the HTTPS configuration when -tls-cert is set.
	tls     *tls.Config
	closers []io.Closer
}

type storeWithPing interface {
	trace.Store
	api.Pinger
}

// open wires everything from cfg. withLedger is false for admin commands,
// which only touch the store.
func open(ctx context.Context, cfg config.Config, log *slog.Logger, withLedger bool) (*app, error) {
	a := &app{cfg: cfg, log: log, metrics: metrics.New()}
	if err := securePrivate(cfg.DataDir, log); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	var st storeWithPing
	var err error
	if cfg.MongoURI != "" {
		name, err := instanceName(cfg)
		if err != nil {
			return nil, err
		}
		st, err = mongo.Open(ctx, cfg.MongoURI, cfg.MongoDB, mongo.WithInstance(name))
		if err != nil {
			return nil, err
		}
		log.Info("store: MongoDB", "db", cfg.MongoDB, "instance", name)
	} else {
		path := sqlitePath(cfg)
		st, err = sqlite.Open(ctx, path)
		log.Info("store: embedded SQLite", "path", path)
	}
	if err != nil {
		return nil, err
	}
	// Everything below reads and writes through the instrumented store, so
	// that what is committed and what fails is counted.
	st = a.metrics.Store(st)
	// Scans are recorded in batches off their requests' path; closing the
	// queue stores what it holds, then closes the store.
	scans := scan.NewQueue(st, scan.QueueOptions{Log: log})
	a.store = scans
	a.closers = append(a.closers, scans)
	if a.keys, err = openLabelKeys(ctx, cfg, st, log); err != nil {
		a.Close()
		return nil, err
	}
	a.service = trace.NewService(scans, a.keys)
	if cfg.Yields != "" {
		if a.service.Yields, err = trace.LoadYields(cfg.Yields); err != nil {
			a.Close()
			return nil, err
		}
	}
	if !withLedger {
		return a, nil
	}
	if err := a.openLedger(ctx); err != nil {
		a.Close()
		return nil, err
	}
	a.anchor = anchor.New(st, a.ledger, log)
	a.anchor.Batch, a.anchor.Idle = cfg.AnchorBatch, cfg.AnchorIdle
	a.printer, err = labelprint.Open(a.service, labelprint.Options{
		Dir: filepath.Join(cfg.DataDir, "print-runs"), Keep: cfg.PrintKeep, FontPath: cfg.PDFFont, Log: log,
	})
	if err != nil {
		a.Close()
		return nil, err
	}
	verifier := verify.Verifier{Store: st, Ledger: a.ledger}
	judge := scan.Judge{
		Store: scans, Service: a.service, Verifier: verifier, Labels: a.keys, Rules: scan.Defaults,
		Cache: scan.NewCache(scan.CacheOptions{TTL: cfg.ScanCacheTTL}),
	}
	if cfg.IPDB != "" {
		ips, err := iploc.Open(cfg.IPDB)
		if err != nil {
			a.Close()
			return nil, err
		}
		judge.IPs = ips
	}
	divisions := region.DemoDirectory()
	if cfg.Divisions != "" {
		if divisions, err = region.LoadDirectory(cfg.Divisions); err != nil {
			a.Close()
			return nil, err
		}
	}
	a.server = &api.Server{
		Service: a.service, Store: scans, Verifier: verifier, Keys: a.keys, Judge: judge,
		BaseURL: cfg.PublicURL, Log: log, Committed: a.anchor.Kick, Ready: []api.Pinger{st}, PDFFont: cfg.PDFFont,
		TrustedProxies: cfg.TrustedProxies, Limits: cfg.Limits, ProbeWindow: cfg.ProbeWindow, Printer: a.printer, Divisions: divisions, Metrics: a.metrics,
		Fleet: a.fleet,
	}
	return a, nil
}

// sqlitePath is where the embedded store keeps its database.
func sqlitePath(cfg config.Config) string { return filepath.Join(cfg.DataDir, "agritrace.db") }

// ledgerPath is where the embedded ledger keeps its block log.
func ledgerPath(cfg config.Config) string { return filepath.Join(cfg.DataDir, "ledger.log") }

func (a *app) openLedger(ctx context.Context) error {
	switch a.cfg.Ledger {
	case "fabric":
		l, orgs, err := openFabric(ctx, a.cfg)
		if err != nil {
			return err
		}
		a.ledger = l
		a.closers = append(a.closers, l)
		a.service.LedgerOrgs = orgs
		a.log.Info("ledger: Hyperledger Fabric", "channel", l.Info().Channel, "chaincode", l.Info().Chaincode, "writers", orgs.MSPs())
		for _, msp := range orgs.MSPs() {
			if !l.Signs(msp) {
				a.log.Warn("ledger: this node holds no identity of "+msp+"; its records wait for a node that does", "msp", msp)
			}
		}
		if err := a.joinFleet(ctx, trace.LedgerClaim{Kind: l.Info().Kind, Channel: l.Info().Channel, Chaincode: l.Info().Chaincode}); err != nil {
			return err
		}
	default:
		path := ledgerPath(a.cfg)
		l, err := embedded.Open(path)
		if err != nil {
			return err
		}
		a.ledger = l
		a.closers = append(a.closers, l)
		a.log.Info("ledger: embedded block log", "path", path, "blocks", l.Height(), "rehashed", l.Rehashed())
		if err := a.joinFleet(ctx, trace.LedgerClaim{Kind: l.Info().Kind, ID: l.ID()}); err != nil {
			return err
		}
		if err := a.resendLost(ctx, l); err != nil {
			return err
		}
	}
	a.metrics.WatchLedger(a.ledger)
	return nil
}

// resendLost puts back into the outbox the records of blocks the store saw
// settled but the log no longer holds (its end was torn or cut off), so
// that they are anchored again; acknowledged writes live in the store, and
// the ledger is brought back to witness all of them. A torn end that held
// only an unfinished block loses nothing: its records were never settled.
func (a *app) resendLost(ctx context.Context, l *embedded.Ledger) error {
	n, err := a.store.ResendAnchors(ctx, l.Info().Kind, l.NextBlock())
	if err != nil {
		return err
	}
	switch {
	case n > 0:
		a.log.Error("ledger: the log lost blocks the store saw settled (its end was torn or cut off); their records are back in the outbox and will be anchored again",
			"torn_bytes", l.Torn(), "from_block", l.NextBlock(), "records_resent", n)
	case l.Torn() > 0:
		a.log.Warn("ledger: dropped a last block cut short by a crash; its records were never settled and are still in the outbox", "torn_bytes", l.Torn())
	}
	return nil
}

// Close closes what open opened, last first.
func (a *app) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i].Close())
	}
	return errors.Join(errs...)
}

// listenAndOpen binds the HTTP address (and the metrics address, if any),
// so a taken port is reported before anything is opened, then wires the
// service.
func listenAndOpen(ctx context.Context, cfg config.Config, log *slog.Logger) (*app, net.Listener, error) {
	// A certificate that does not load is reported before anything is
	// bound or opened.
	tlsConf, err := loadTLS(cfg)
	if err != nil {
		return nil, nil, err
	}
	ln, err := listen(cfg.Addr)
	if err != nil {
		return nil, nil, err
	}
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		if metricsLn, err = listen(cfg.MetricsAddr); err != nil {
			ln.Close()
			return nil, nil, fmt.Errorf("metrics: %w", err)
		}
		log.Info("metrics", "addr", metricsLn.Addr().String(), "path", "/metrics")
	}
	// A label printed with port 0 in its URL would lead nowhere: when the
	// public URL is the default one made from -addr, use the port bound.
	if scheme := cfg.Scheme() + "://"; strings.HasSuffix(cfg.Addr, ":0") && cfg.PublicURL == scheme+cfg.Addr {
		cfg.PublicURL = scheme + ln.Addr().String()
	}
	a, err := open(ctx, cfg, log, true)
	if err != nil {
		ln.Close()
		if metricsLn != nil {
			metricsLn.Close()
		}
		return nil, nil, err
	}
	a.metricsLn, a.tls = metricsLn, tlsConf
	return a, ln, nil
}

// listen binds the HTTP address.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another agritrace running? use -addr)", addr, err)
	}
	return ln, nil
}

// serveHTTP runs the server, the anchoring worker and the label printer
// until ctx ends, then shuts down gracefully.
func (a *app) serveHTTP(ctx context.Context, ln net.Listener) error {
	t := a.cfg.Timeouts
	srv := &http.Server{
		Handler:           api.Paced(a.server.Handler(), api.Pace{Read: t.Read, Write: t.Write, MinRate: t.MinRate}),
		ReadHeaderTimeout: t.ReadHeader, IdleTimeout: t.Idle,
	}
	workerCtx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	workerDone := make(chan struct{})
	go func() { a.anchor.Run(workerCtx); close(workerDone) }()
	// Print runs under way are cancelled at shutdown; their records say so.
	printCtx, stopPrinter := context.WithCancel(context.WithoutCancel(ctx))
	printerDone := make(chan struct{})
	go func() { a.printer.Run(printCtx); close(printerDone) }()
	keysDone := make(chan struct{})
	go func() { a.keys.Watch(workerCtx, a.cfg.LabelRefresh); close(keysDone) }()
	errc := make(chan error, 2)
	go func() {
		if a.tls == nil {
			errc <- srv.Serve(ln)
			return
		}
		srv.TLSConfig = a.tls
		errc <- srv.ServeTLS(ln, "", "")
	}()
	metricsSrv := &http.Server{Handler: a.metricsHandler(), ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write, IdleTimeout: t.Idle}
	if a.metricsLn != nil {
		go func() { errc <- metricsSrv.Serve(a.metricsLn) }()
	}
	var err error
	select {
	case <-ctx.Done():
		a.log.Info("shutting down")
	case err = <-errc:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := srv.Shutdown(shutdownCtx); serr != nil && err == nil {
		err = serr
	}
	if a.metricsLn != nil {
		if serr := metricsSrv.Shutdown(shutdownCtx); serr != nil && err == nil {
			err = serr
		}
	}
	stopWorker()
	stopPrinter()
	<-workerDone
	<-printerDone
	<-keysDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// metricsHandler serves /metrics and nothing else on the metrics listener.
func (a *app) metricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.Handler())
	return mux
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
