package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/embedded"
	"github.com/agritrace/agritrace/internal/anchor"
	"github.com/agritrace/agritrace/internal/api"
	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/labelprint"
	"github.com/agritrace/agritrace/internal/metrics"
	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/store/mongo"
	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
)

// env is a running service on real parts: SQLite in a temp dir, the embedded
// ledger, the anchoring worker, and an HTTP server on a loopback port.
type env struct {
	URL    string
	Store  *sqlite.Store
	Ledger trace.Ledger
	Keys   map[string]string
	Worker *anchor.Worker
	// Scans is the queue scans are recorded through; Flush stores them.
	Scans *scan.Queue
	dir   string
}

// switchable lets a test take the ledger away and give it back: the one fake
// here, for fault injection.
type switchable struct {
	trace.Ledger
	down atomic.Bool
}

func (s *switchable) Anchor(ctx context.Context, recs []custody.Record) ([]trace.Receipt, error) {
	if s.down.Load() {
		return nil, context.DeadlineExceeded
	}
	return s.Ledger.Anchor(ctx, recs)
}

type options struct {
	ledger    func(trace.Ledger) trace.Ledger
	noWorker  bool
	dir       string
	bootstrap bool
	// ips places scans by address, behind a proxy on loopback whose
	// X-Forwarded-For tests set.
	ips scan.IPLocator
	// service and server adjust the service and the HTTP server before
	// they serve (a test clock, tighter limits).
	service func(*trace.Service)
	server  func(*api.Server)
	// worker adjusts the anchoring worker before it runs (a benchmark's
	// -anchor-batch).
	worker func(*anchor.Worker)
	// metrics, when set, instruments the store, the ledger and the server.
	metrics *metrics.Metrics
	// mongoURI and mongoDB, when set, put the store in that MongoDB
	// database instead of SQLite (env.Store is then nil): several services
	// may share one.
	mongoURI, mongoDB string
}

func start(t testing.TB, opts ...func(*options)) *env {
	t.Helper()
	o := options{bootstrap: true}
	for _, f := range opts {
		f(&o)
	}
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	ctx, cancel := context.WithCancel(context.Background())
	var st interface {
		trace.Store
		api.Pinger
	}
	var sq *sqlite.Store
	var err error
	if o.mongoURI != "" {
		st, err = mongo.Open(ctx, o.mongoURI, o.mongoDB)
	} else {
		sq, err = sqlite.Open(ctx, filepath.Join(o.dir, "agritrace.db"))
		st = sq
	}
	if err != nil {
		t.Fatal(err)
	}
	led, err := embedded.Open(filepath.Join(o.dir, "ledger.log"))
	if err != nil {
		t.Fatal(err)
	}
	var ledger trace.Ledger = led
	if o.ledger != nil {
		ledger = o.ledger(led)
	}
	keys, err := label.LoadOrCreate(filepath.Join(o.dir, "label-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var store trace.Store = st
	if o.metrics != nil {
		store = o.metrics.Store(st)
		o.metrics.WatchLedger(ledger)
	}
	scans := scan.NewQueue(store, scan.QueueOptions{Log: log})
	svc := trace.NewService(scans, keys)
	if o.service != nil {
		o.service(svc)
	}
	w := anchor.New(store, ledger, log)
	w.Idle, w.MaxBackoff = 50*time.Millisecond, 100*time.Millisecond
	if o.worker != nil {
		o.worker(w)
	}
	printer, err := labelprint.Open(svc, labelprint.Options{Dir: filepath.Join(o.dir, "print-runs"), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	printed := make(chan struct{})
	go func() { printer.Run(ctx); close(printed) }()
	verifier := verify.Verifier{Store: store, Ledger: ledger}
	srv := &api.Server{
		Printer: printer, Service: svc, Store: scans, Verifier: verifier, Keys: keys,
		Judge: scan.Judge{Store: scans, Service: svc, Verifier: verifier, Labels: keys, IPs: o.ips, Rules: scan.Defaults,
			// Short: tests that edit the database behind the service's back
			// scan again at once, and the TTL is what bounds how long a kept
			// provenance can hide such an edit.
			Cache: scan.NewCache(scan.CacheOptions{TTL: 20 * time.Millisecond})},
		Log: log, Committed: w.Kick, Ready: []api.Pinger{st}, Metrics: o.metrics,
	}
	if o.ips != nil {
		srv.TrustedProxies = []string{"127.0.0.1"}
	}
	// Every test scans from loopback, many of them hundreds of times; the
	// tests of the scan limit set a small budget of their own.
	unlimited := config.Rate{N: 1 << 20, Per: time.Second}
	srv.Limits.Scans, srv.Limits.KeyedScans = unlimited, unlimited
	if o.server != nil {
		o.server(srv)
	}
	h := srv.Handler()
	// Every exchange of the API tests is checked against the OpenAPI
	// document; benchmarks measure the service alone.
	if _, bench := t.(*testing.B); !bench {
		h = checked(t, mustContract(t), h)
	}
	hs := httptest.NewServer(h)
	srv.BaseURL = hs.URL
	done := make(chan struct{})
	if o.noWorker {
		close(done)
	} else {
		go func() { w.Run(ctx); close(done) }()
	}
	e := &env{URL: hs.URL, Store: sq, Ledger: ledger, Worker: w, Scans: scans, Keys: map[string]string{}, dir: o.dir}
	t.Cleanup(func() {
		hs.Close()
		cancel()
		<-done
		<-printed
		led.Close()
		scans.Close()
	})
	if o.bootstrap {
		for _, org := range demo.Cast() {
			if _, err := svc.Bootstrap(ctx, org); err != nil && trace.ErrorCode(err) != trace.ECONFLICT {
				t.Fatal(err)
			}
			_, secret, err := svc.IssueKey(ctx, org.ID)
			if err != nil {
				t.Fatal(err)
			}
			e.Keys[org.ID] = secret
		}
		for org, prefix := range demo.Prefixes() {
			if _, err := svc.RegisterPrefix(ctx, org, prefix); err != nil && trace.ErrorCode(err) != trace.ECONFLICT {
				t.Fatal(err)
			}
		}
	}
	return e
}

// as returns an API client acting as org ("" for anonymous).
func (e *env) as(org string) demo.Client { return demo.Client{Base: e.URL, Key: e.Keys[org]} }

// story runs the demo story and waits until every event is anchored.
func (e *env) story(t testing.TB) demo.Story {
	t.Helper()
	st, err := demo.Run(context.Background(), e.URL, e.Keys, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := demo.WaitAnchored(ctx, e.URL, st); err != nil {
		t.Fatal(err)
	}
	return st
}
