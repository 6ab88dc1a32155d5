package labelprint_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/labelprint"
	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
)

func service(t *testing.T) *trace.Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "agritrace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return trace.NewService(st, label.NewKeyring())
}

func write(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestOpenAfterStop: a run the service was rendering when it stopped is
// reported failed, not left running for ever, and a finished run past its
// time is deleted with its PDF, as is a PDF left half written.
func TestOpenAfterStop(t *testing.T) {
	svc := service(t)
	dir := t.TempDir()
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	mill := trace.Org{ID: "gufu-mill"}
	write(t, filepath.Join(dir, "cut.json"), labelprint.Run{ID: "cut", Org: mill.ID, Status: labelprint.Running, Total: 10, CreatedAt: now.Add(-time.Minute)})
	write(t, filepath.Join(dir, "old.json"), labelprint.Run{ID: "old", Org: mill.ID, Status: labelprint.Done, ExpiresAt: now.Add(-time.Second)})
	write(t, filepath.Join(dir, "kept.json"), labelprint.Run{ID: "kept", Org: mill.ID, Status: labelprint.Done, ExpiresAt: now.Add(time.Hour)})
	for _, id := range []string{"old", "kept"} {
		if err := os.WriteFile(filepath.Join(dir, id+".pdf"), []byte("%PDF-"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "cut.123.tmp"), []byte("%PDF-"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := labelprint.Open(svc, labelprint.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cut.123.tmp")); !os.IsNotExist(err) {
		t.Errorf("the half-written PDF of the interrupted run is still there: %v", err)
	}
	cut, err := p.Get(mill, "cut")
	if err != nil || cut.Status != labelprint.Failed || !strings.Contains(cut.Error, "stopped") || cut.ExpiresAt.IsZero() {
		t.Errorf("interrupted run = %+v, %v; want failed, saying the service stopped, and expiring", cut, err)
	}
	if _, err := p.Get(mill, "old"); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Errorf("expired run: err = %v, want not found", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "old.pdf")); !os.IsNotExist(err) {
		t.Errorf("the PDF of the expired run is still there: %v", err)
	}
	if _, err := p.Get(mill, "kept"); err != nil {
		t.Errorf("unexpired run: %v", err)
	}
	if _, err := p.Get(trace.Org{ID: "zhaojun-shop"}, "kept"); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Errorf("another organization's run: err = %v, want not found", err)
	}
	// Reopened, the failure was saved.
	p, err = labelprint.Open(svc, labelprint.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := p.Get(mill, "cut"); again.Status != labelprint.Failed || again.Error != cut.Error {
		t.Errorf("reopened: %+v, want %+v", again, cut)
	}
}

// bottles records, through the domain, a lot of n bottles packed at the demo
// mill (of 10 mL: samples), and returns the mill and the lot's id.
func bottles(t *testing.T, svc *trace.Service, n int) (trace.Org, string) {
	t.Helper()
	ctx := context.Background()
	orgs := map[string]trace.Org{}
	for _, o := range demo.Cast() {
		o, err := svc.Bootstrap(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		orgs[o.ID] = o
	}
	for org, prefix := range demo.Prefixes() {
		if _, err := svc.RegisterPrefix(ctx, org, prefix); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range demo.Products() {
		if _, err := svc.CreateProduct(ctx, orgs[p.Owner], p); err != nil {
			t.Fatal(err)
		}
	}
	cc, mill := orgs[demo.Collector], orgs[demo.Mill]
	seed := trace.LotID(demo.Seed, "A1")
	oil := trace.LotID(demo.Oil, "O1")
	steps := []func() (trace.Result, error){
		func() (trace.Result, error) {
			return svc.Commission(ctx, cc, trace.CommissionInput{GTIN: demo.Seed, Lot: "A1", Quantity: 1_000_000, Origin: &trace.Origin{Region: "420526", Village: "桃园村"}})
		},
		func() (trace.Result, error) { return svc.Ship(ctx, cc, seed, trace.ShipInput{To: demo.Mill}) },
		func() (trace.Result, error) { return svc.Receive(ctx, mill, seed, trace.ReceiveInput{}) },
		func() (trace.Result, error) {
			return svc.Transform(ctx, mill, trace.TransformInput{Inputs: []trace.Portion{{Lot: seed, Quantity: 1_000_000}}, Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "O1", Quantity: 380_000}}})
		},
		func() (trace.Result, error) {
			return svc.Pack(ctx, mill, oil, trace.PackInput{GTIN: demo.Bottle, Lot: "B1", Count: n, UnitSize: 10})
		},
	}
	for i, step := range steps {
		if _, err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	return mill, trace.LotID(demo.Bottle, "B1")
}

// TestRunNamesItsStarter: the run record names the organization and, when
// the console passes one, the person who started it, and survives a restart.
func TestRunNamesItsStarter(t *testing.T) {
	svc := service(t)
	mill, lot := bottles(t, svc, 3)
	dir := t.TempDir()
	p, err := labelprint.Open(svc, labelprint.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { p.Run(ctx); close(stopped) }()
	run, err := p.Start(trace.WithPerson(context.Background(), "王芳"), mill, lot, labelprint.A4, nil, "https://trace.example.cn")
	if err != nil {
		t.Fatal(err)
	}
	for run.Status == labelprint.Queued || run.Status == labelprint.Running {
		time.Sleep(10 * time.Millisecond) // leave the core to the run
		if run, err = p.Get(mill, run.ID); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	<-stopped
	if run.Status != labelprint.Done || run.Org != demo.Mill || run.Person != "王芳" || run.CreatedAt.IsZero() || run.Done != 3 {
		t.Fatalf("run = %+v", run)
	}
	p, err = labelprint.Open(svc, labelprint.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := p.Get(mill, run.ID); err != nil || again != run {
		t.Fatalf("reopened: %+v, %v; want %+v", again, err, run)
	}
}

// TestShutdownCancelsRun: stopping the printer stops a run under way, which
// then says it was cancelled, and leaves no PDF behind.
func TestShutdownCancelsRun(t *testing.T) {
	svc := service(t)
	mill, lot := bottles(t, svc, labelprint.MaxLabels)
	dir := t.TempDir()
	p, err := labelprint.Open(svc, labelprint.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { p.Run(ctx); close(stopped) }()
	run, err := p.Start(context.Background(), mill, lot, labelprint.Thermal, nil, "https://trace.example.cn")
	if err != nil {
		t.Fatal(err)
	}
	for run.Done == 0 {
		time.Sleep(10 * time.Millisecond)
		if run, err = p.Get(mill, run.ID); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	<-stopped
	run, err = p.Get(mill, run.ID)
	if err != nil || run.Status != labelprint.Failed || !strings.Contains(run.Error, "cancelled") || run.Done >= run.Total {
		t.Fatalf("run after shutdown = %+v, %v", run, err)
	}
	if pdfs, _ := filepath.Glob(filepath.Join(dir, "*.pdf")); len(pdfs) > 0 {
		t.Errorf("a cancelled run left %v", pdfs)
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(tmps) > 0 {
		t.Errorf("a cancelled run left %v", tmps)
	}
}
