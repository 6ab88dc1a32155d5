package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// testEventsPage: events of every lot list in time, lot and seq order,
// filtered by type and time and continued after a key, page by page.
func testEventsPage(t *testing.T, s trace.Store) {
	c := batchChange(t, "P", 5)
	// Spread the lots over time: lot i commissioned at t0+i min, inspected an hour later.
	for i := range c.Events {
		c.Events[i].Time = c.Events[i].Time.Add(time.Duration(i/2) * time.Minute)
	}
	must(t, s.Commit(ctx, c))
	key := func(e trace.Event) string { return fmt.Sprintf("%s/%d", e.Lot, e.Seq) }
	keys := func(evs []trace.Event) []string {
		var out []string
		for _, e := range evs {
			out = append(out, key(e))
		}
		return out
	}
	ordered := slices.Clone(c.Events)
	slices.SortFunc(ordered, func(a, b trace.Event) int {
		if d := a.Time.Compare(b.Time); d != 0 {
			return d
		}
		if a.Lot != b.Lot {
			return map[bool]int{true: -1, false: 1}[a.Lot < b.Lot]
		}
		return int(a.Seq - b.Seq)
	})

	all, err := s.EventsPage(ctx, trace.EventFilter{})
	must(t, err)
	if !slices.Equal(keys(all), keys(ordered)) {
		t.Fatalf("EventsPage = %v, want %v", keys(all), keys(ordered))
	}
	if all[0].Hash != ordered[0].Hash || !all[0].Time.Equal(ordered[0].Time) {
		t.Errorf("first event = %+v, want %+v", all[0], ordered[0])
	}

	tests := []struct {
		name string
		f    trace.EventFilter
		want []string
	}{
		{"type", trace.EventFilter{Types: []string{trace.EventInspect}}, []string{"06901234567892.P0/1", "06901234567892.P1/1", "06901234567892.P2/1", "06901234567892.P3/1", "06901234567892.P4/1"}},
		{"from", trace.EventFilter{From: t0.Add(4 * time.Minute), To: t0.Add(time.Hour)}, []string{"06901234567892.P4/0"}},
		{"to", trace.EventFilter{To: t0.Add(time.Minute)}, []string{"06901234567892.P0/0"}},
		{"limit", trace.EventFilter{Types: []string{trace.EventCommission}, Limit: 2}, []string{"06901234567892.P0/0", "06901234567892.P1/0"}},
		{"after", trace.EventFilter{Types: []string{trace.EventCommission}, After: &trace.EventKey{Time: ordered[1].Time, Lot: ordered[1].Lot, Seq: ordered[1].Seq}, Limit: 2},
			[]string{"06901234567892.P2/0", "06901234567892.P3/0"}},
		{"none", trace.EventFilter{Types: []string{trace.EventRecall}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.EventsPage(ctx, tt.f)
			must(t, err)
			if !slices.Equal(keys(got), tt.want) {
				t.Errorf("EventsPage = %v, want %v", keys(got), tt.want)
			}
		})
	}
}

// testCaptured: captured event identifiers are kept with the change that
// records them, and a change repeating one writes nothing.
func testCaptured(t *testing.T, s trace.Store) {
	c := batchChange(t, "E", 2)
	c.Captured = []string{"urn:uuid:1", "ni:///sha-256;aa?ver=CBV2.0"}
	must(t, s.Commit(ctx, c))
	got, err := s.Captured(ctx, []string{"urn:uuid:1", "urn:uuid:2", "ni:///sha-256;aa?ver=CBV2.0"})
	must(t, err)
	slices.Sort(got)
	if want := []string{"ni:///sha-256;aa?ver=CBV2.0", "urn:uuid:1"}; !slices.Equal(got, want) {
		t.Fatalf("Captured = %v, want %v", got, want)
	}

	again := batchChange(t, "F", 1)
	again.Captured = []string{"urn:uuid:3", "urn:uuid:1"}
	wantCode(t, s.Commit(ctx, again), trace.ECONFLICT)
	if _, err := s.Lot(ctx, again.Lots[0].Lot.ID); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Errorf("lot of a change repeating a captured event: %v", err)
	}
	if got, err := s.Captured(ctx, []string{"urn:uuid:3"}); err != nil || len(got) != 0 {
		t.Errorf("Captured after a refused change = %v, %v", got, err)
	}
	if got, err := s.Captured(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("Captured(nil) = %v, %v", got, err)
	}
}
