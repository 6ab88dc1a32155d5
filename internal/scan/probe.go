package scan

import (
	"slices"
	"sync"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// RepeatedProbes is the reason a folded alert carries: it stands for Count
// probes from one source, of which it keeps the last.
const RepeatedProbes = "repeated_probes"

// maxProbeSources bounds the sources followed at once, so that a flood from
// many addresses cannot grow the map without end; past it probes are kept
// one by one, as before folding existed (the scan rate limit still holds).
const maxProbeSources = 10_000

// Probes folds repeated probes from one source into one alert per window. A
// probe is a scan of a label no genuine bottle carries: a serial never
// issued, or a signature missing or false. Someone trying serials from one
// address would otherwise leave thousands of alert rows; the first probe of a
// window is kept as it came, and the rest of the window becomes one alert
// with their count. A copied genuine label is not a probe: each of its scans
// is evidence of where copies are sold, and is kept.
type Probes struct {
	// Window is how long probes from one source fold together; zero folds
	// nothing.
	Window time.Duration

	mu   sync.Mutex
	open map[string]*fold
	// next is when the earliest open window ends: scans before it need not
	// look through the open windows, so a scan costs no more while many
	// sources probe.
	next time.Time
}

// fold is one source's open window.
type fold struct {
	until time.Time
	n     int
	since time.Time
	last  trace.Scan
}

// Probe reports whether sc is a probe.
func Probe(sc trace.Scan) bool {
	if sc.Verdict != NotGenuine {
		return false
	}
	return slices.ContainsFunc(sc.Reasons, func(r string) bool {
		return r == UnknownSerial || r == BadSignature || r == NoSignature
	})
}

// Fold takes a scan from source (a client address, or its /64) and returns
// the scans to keep: the alerts of windows that have closed by sc's time,
// then sc itself unless it folds into its source's open window.
func (p *Probes) Fold(source string, sc trace.Scan) []trace.Scan {
	if p == nil || p.Window <= 0 {
		return []trace.Scan{sc}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.closed(sc.Time)
	if !Probe(sc) {
		return append(out, sc)
	}
	if f, ok := p.open[source]; ok {
		if f.n == 0 {
			f.since = sc.Time
		}
		f.n++
		f.last = sc
		return out
	}
	if p.open == nil {
		p.open = map[string]*fold{}
	}
	if len(p.open) < maxProbeSources {
		until := sc.Time.Add(p.Window)
		p.open[source] = &fold{until: until}
		if p.next.IsZero() || until.Before(p.next) {
			p.next = until
		}
	}
	return append(out, sc)
}

// closed ends the windows over by now and returns an alert for each that
// folded any probe. A window closes when a later scan (from any source)
// arrives, so a service that stops loses the count of a window still open;
// its first probe is kept.
func (p *Probes) closed(now time.Time) []trace.Scan {
	if p.next.IsZero() || now.Before(p.next) {
		return nil
	}
	var out []trace.Scan
	p.next = time.Time{}
	for src, f := range p.open {
		if now.Before(f.until) {
			if p.next.IsZero() || f.until.Before(p.next) {
				p.next = f.until
			}
			continue
		}
		delete(p.open, src)
		if f.n == 0 {
			continue
		}
		sc := f.last
		sc.Count, sc.Since = f.n, f.since
		sc.Reasons = append(slices.Clone(sc.Reasons), RepeatedProbes)
		out = append(out, sc)
	}
	slices.SortFunc(out, func(a, b trace.Scan) int { return a.Time.Compare(b.Time) })
	return out
}
