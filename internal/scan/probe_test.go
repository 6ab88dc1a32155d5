package scan_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/trace"
)

func TestProbesFoldPerWindow(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	probe := func(serial string, at time.Duration) trace.Scan {
		return trace.Scan{Serial: serial, Time: t0.Add(at), Verdict: scan.NotGenuine, Reasons: []string{scan.UnknownSerial}}
	}
	copied := trace.Scan{Serial: "C", Time: t0.Add(2 * time.Second), Verdict: scan.NotGenuine, Reasons: []string{scan.CopiedLabel}}
	p := &scan.Probes{Window: time.Minute}
	var kept []trace.Scan
	for i, step := range []struct {
		source string
		sc     trace.Scan
	}{
		{"a", probe("S0", 0)},
		{"a", probe("S1", time.Second)},
		{"a", copied},
		{"b", probe("S2", 3*time.Second)},
		{"a", probe("S3", 4*time.Second)},
		{"a", probe("S4", 5*time.Second)},
		// A minute on, a scan from anyone closes a's and b's windows and
		// opens a new one for a.
		{"a", probe("S5", 61*time.Second)},
	} {
		got := p.Fold(step.source, step.sc)
		if len(got) == 0 && !scan.Probe(step.sc) {
			t.Fatalf("step %d: a scan that is not a probe was folded", i)
		}
		kept = append(kept, got...)
	}
	var summary []string
	for _, sc := range kept {
		summary = append(summary, fmt.Sprintf("%s:%d", sc.Serial, sc.Count))
	}
	want := []string{"S0:0", "C:0", "S2:0", "S4:3", "S5:0"}
	if len(kept) != len(want) {
		t.Fatalf("kept %v, want %v", summary, want)
	}
	for i := range want {
		if summary[i] != want[i] {
			t.Fatalf("kept %v, want %v", summary, want)
		}
	}
	folded := kept[3]
	if !folded.Since.Equal(t0.Add(time.Second)) || folded.Reasons[len(folded.Reasons)-1] != scan.RepeatedProbes {
		t.Errorf("folded alert = %+v, want since %v and reason %s", folded, t0.Add(time.Second), scan.RepeatedProbes)
	}
}

func TestProbesOff(t *testing.T) {
	var p *scan.Probes
	sc := trace.Scan{Verdict: scan.NotGenuine, Reasons: []string{scan.UnknownSerial}}
	for range 3 {
		if got := p.Fold("a", sc); len(got) != 1 {
			t.Fatalf("a nil folder kept %d scans, want each", len(got))
		}
	}
}
