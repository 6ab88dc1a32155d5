package labelprint

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agritrace/agritrace/internal/audit"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
)

// Run statuses.
const (
	Queued  = "queued"
	Running = "running"
	Done    = "done"
	Failed  = "failed"
)

// MaxLabels bounds one run: the most units one pack issues.
const MaxLabels = trace.MaxPack

// Run is the record of a print run.
type Run struct {
	ID     string `json:"id"`
	Lot    string `json:"lot"`
	Layout Layout `json:"layout"`
	// Org started the run, and Person when the console names one (see
	// trace.WithPerson).
	Org        string    `json:"org"`
	Person     string    `json:"person,omitempty"`
	Status     string    `json:"status"`
	Done       int       `json:"done"`
	Total      int       `json:"total"`
	Pages      int       `json:"pages"`
	Error      string    `json:"error,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	StartedAt  time.Time `json:"startedAt,omitzero"`
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	// ExpiresAt is when a finished run and its PDF are deleted.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// Options configure a Printer.
type Options struct {
	// Dir keeps the run records and finished PDFs.
	Dir string
	// Keep is how long a finished run is kept; zero means 24 hours.
	Keep time.Duration
	// Concurrent is how many runs execute at once; zero means 1.
	Concurrent int
	// FontPath is the CJK font for product names; "" means audit's default.
	FontPath string
	Log      *slog.Logger
}

// Printer executes print runs in the background: at most one unfinished run
// per organization, Concurrent at a time across all of them.
type Printer struct {
	svc  *trace.Service
	opts Options
	font *audit.Font

	slots chan struct{}
	ctx   context.Context
	stop  context.CancelFunc
	wg    sync.WaitGroup

	mu     sync.Mutex
	runs   map[string]*job
	active map[string]string // org -> its unfinished run
}

// job is a run and the progress of its rendering.
type job struct {
	run  Run
	done atomic.Int64
}

// Open prepares dir, marks runs a stopped service left unfinished as failed
// and deletes expired ones.
func Open(svc *trace.Service, opts Options) (*Printer, error) {
	opts.Keep = cmp.Or(opts.Keep, 24*time.Hour)
	opts.Concurrent = cmp.Or(opts.Concurrent, 1)
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("labelprint: %w", err)
	}
	p := &Printer{svc: svc, opts: opts, slots: make(chan struct{}, opts.Concurrent),
		runs: map[string]*job{}, active: map[string]string{}}
	p.ctx, p.stop = context.WithCancel(context.Background())
	if font, err := audit.LoadFont(opts.FontPath); err == nil {
		p.font = font
	} else {
		opts.Log.Warn("labels print product names without Chinese characters", "err", err)
	}
	// PDFs and records half written when the service stopped.
	tmps, _ := filepath.Glob(filepath.Join(opts.Dir, "*.tmp"))
	for _, f := range tmps {
		if err := remove(f); err != nil {
			opts.Log.Warn("unfinished print file not deleted", "file", f, "err", err)
		}
	}
	files, err := filepath.Glob(filepath.Join(opts.Dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("labelprint: %w", err)
	}
	for _, f := range files {
		j := &job{}
		b, err := os.ReadFile(f)
		if err == nil {
			err = json.Unmarshal(b, &j.run)
		}
		if err != nil {
			opts.Log.Warn("print run record unreadable, ignored", "file", f, "err", err)
			continue
		}
		if j.run.Status == Queued || j.run.Status == Running {
			p.finish(j, errors.New("the service stopped before the run finished; start it again"))
		}
		p.runs[j.run.ID] = j
	}
	p.expire()
	return p, nil
}

// Run deletes expired runs now and then until ctx ends, then cancels the
// runs under way and waits for them to stop.
func (p *Printer) Run(ctx context.Context) {
	tick := time.NewTicker(max(min(p.opts.Keep/4, 10*time.Minute), time.Second))
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			p.expire()
		case <-ctx.Done():
			p.stop()
			p.wg.Wait()
			return
		}
	}
}

// Start begins a print run of lot's labels (all of them, or serials) in
// layout, for actor, who must be one who may have the lot's signed labels.
// base is the public URL the labels' Digital Links name. Returns EINVALID for
// a bad layout or serial list, EUNPROCESSABLE for a lot without units or
// with serials not in it, ECONFLICT while the org has a run unfinished.
func (p *Printer) Start(ctx context.Context, actor trace.Org, lot string, layout Layout, serials []string, base string) (Run, error) {
	if !Valid(layout) {
		return Run{}, trace.FieldErrorf(trace.EINVALID, "layout", "layout must be %q (A4 sheet, 3×7 labels of 63.5×38.1 mm) or %q (50×30 mm thermal roll), not %q", A4, Thermal, layout)
	}
	if len(serials) > MaxLabels {
		return Run{}, trace.FieldErrorf(trace.EINVALID, "serials", "a run prints at most %d labels", MaxLabels)
	}
	units, err := p.svc.LabelledUnits(ctx, actor, lot)
	if err != nil {
		return Run{}, err
	}
	units, err = pick(lot, units, serials)
	if err != nil {
		return Run{}, err
	}
	labels, err := p.labels(ctx, units, base)
	if err != nil {
		return Run{}, err
	}
	now := trace.Now(p.svc.Now())
	j := &job{run: Run{ID: newID(), Lot: lot, Layout: layout, Org: actor.ID, Person: trace.PersonFrom(ctx), Status: Queued,
		Total: len(labels), Pages: pages(layout, len(labels)), CreatedAt: now}}
	p.mu.Lock()
	if id, busy := p.active[actor.ID]; busy {
		p.mu.Unlock()
		return Run{}, trace.Errorf(trace.ECONFLICT, "%s already has print run %s under way; wait for it to finish", actor.ID, id)
	}
	if err := p.save(j.run); err != nil {
		p.mu.Unlock()
		return Run{}, err
	}
	p.runs[j.run.ID], p.active[actor.ID] = j, j.run.ID
	p.wg.Add(1)
	p.mu.Unlock()
	p.opts.Log.Info("print run started", "run", j.run.ID, "lot", lot, "layout", layout, "labels", len(labels), "org", actor.ID, "person", j.run.Person)
	go p.execute(j, labels)
	return j.run, nil
}

// pick returns the units named by serials, in that order, or all units when
// serials is empty.
func pick(lot string, units []trace.Unit, serials []string) ([]trace.Unit, error) {
	if len(units) == 0 {
		return nil, trace.FieldErrorf(trace.EUNPROCESSABLE, "lot", "lot %s has no labelled units: pack it first", lot)
	}
	if len(serials) == 0 {
		return units, nil
	}
	by := make(map[string]trace.Unit, len(units))
	for _, u := range units {
		by[u.Serial] = u
	}
	out := make([]trace.Unit, 0, len(serials))
	seen := make(map[string]bool, len(serials))
	for i, s := range serials {
		u, ok := by[s]
		switch {
		case seen[s]:
			return nil, trace.FieldErrorf(trace.EINVALID, fmt.Sprintf("serials[%d]", i), "serial %s is listed twice", s)
		case !ok:
			return nil, trace.FieldErrorf(trace.EUNPROCESSABLE, fmt.Sprintf("serials[%d]", i), "serial %q is not a unit of lot %s", s, lot)
		}
		seen[s] = true
		out = append(out, u)
	}
	return out, nil
}

// labels makes what each unit's label shows.
func (p *Printer) labels(ctx context.Context, units []trace.Unit, base string) ([]Label, error) {
	names := map[string]string{}
	out := make([]Label, len(units))
	for i, u := range units {
		name, ok := names[u.GTIN]
		if !ok {
			prod, err := p.svc.Store.Product(ctx, u.GTIN)
			if err != nil {
				return nil, fmt.Errorf("labels of lot %s: product %s: %w", u.Lot, u.GTIN, err)
			}
			name = cmp.Or(prod.NameZH, prod.NameEN)
			names[u.GTIN] = name
		}
		out[i] = Label{URL: label.DigitalLink(base, u), Serial: u.Serial, Product: name, Lot: u.LotNumber}
	}
	return out, nil
}

func pages(layout Layout, labels int) int {
	per := PerPage(layout)
	return max(1, (labels+per-1)/per)
}

// execute renders j's labels once a slot is free, into a file renamed into
// place only when complete.
func (p *Printer) execute(j *job, labels []Label) {
	defer p.wg.Done()
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	case <-p.ctx.Done():
		p.finish(j, errors.New("the service stopped before the run began; start it again"))
		return
	}
	p.mu.Lock()
	j.run.Status, j.run.StartedAt = Running, trace.Now(p.svc.Now())
	run := j.run
	p.mu.Unlock()
	if err := p.save(run); err != nil {
		p.finish(j, err)
		return
	}
	p.finish(j, p.render(j, labels))
}

func (p *Printer) render(j *job, labels []Label) error {
	path := p.pdfPath(j.run.ID)
	f, err := os.CreateTemp(p.opts.Dir, j.run.ID+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	err = Render(p.ctx, f, j.run.Layout, labels, p.font, func(n int) { j.done.Store(int64(n)) })
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	return err
}

// finish records the outcome of j: done when err is nil, failed otherwise.
func (p *Printer) finish(j *job, err error) {
	p.mu.Lock()
	now := trace.Now(p.svc.Now())
	j.run.Status, j.run.FinishedAt, j.run.ExpiresAt = Done, now, now.Add(p.opts.Keep)
	j.run.Done = int(j.done.Load())
	if err != nil {
		j.run.Status, j.run.Error = Failed, err.Error()
		if errors.Is(err, context.Canceled) {
			j.run.Error = "cancelled: the service stopped; start the run again"
		}
	}
	if p.active[j.run.Org] == j.run.ID {
		delete(p.active, j.run.Org)
	}
	run := j.run
	p.mu.Unlock()
	if err := p.save(run); err != nil {
		p.opts.Log.Error("print run record not saved", "run", run.ID, "err", err)
	}
	log := p.opts.Log.Info
	if run.Status == Failed {
		log = p.opts.Log.Warn
	}
	log("print run finished", "run", run.ID, "lot", run.Lot, "status", run.Status, "labels", run.Done, "error", run.Error,
		"org", run.Org, "person", run.Person, "took", run.FinishedAt.Sub(run.StartedAt).String())
}

// Get returns a run of actor's organization, with its progress. A run of
// another organization is ENOTFOUND, as if it did not exist.
func (p *Printer) Get(actor trace.Org, id string) (Run, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	j, ok := p.runs[id]
	if !ok || j.run.Org != actor.ID {
		return Run{}, trace.Errorf(trace.ENOTFOUND, "no print run %s of %s (finished runs are kept %s)", id, actor.ID, p.opts.Keep)
	}
	r := j.run
	if r.Status == Running || r.Status == Queued {
		r.Done = int(j.done.Load())
	}
	return r, nil
}

// PDF opens the finished PDF of a run of actor's organization. The labels'
// rule is checked again: an organization that no longer may have the lot's
// signed labels does not get them from an old run. Returns ECONFLICT while
// the run is unfinished or when it failed.
func (p *Printer) PDF(ctx context.Context, actor trace.Org, id string) (*os.File, Run, error) {
	r, err := p.Get(actor, id)
	if err != nil {
		return nil, r, err
	}
	if r.Status != Done {
		msg := fmt.Sprintf("print run %s is %s (%d of %d labels)", id, r.Status, r.Done, r.Total)
		if r.Error != "" {
			msg += ": " + r.Error
		}
		return nil, r, trace.Errorf(trace.ECONFLICT, "%s", msg)
	}
	if _, err := p.svc.LabelledUnits(ctx, actor, r.Lot); err != nil {
		return nil, r, err
	}
	f, err := os.Open(p.pdfPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, r, trace.Errorf(trace.ENOTFOUND, "the PDF of print run %s has expired", id)
	}
	return f, r, err
}
