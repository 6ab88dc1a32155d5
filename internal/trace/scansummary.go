package trace

import (
	"cmp"
	"slices"
	"time"
)

// SummaryKeep is how many distinct scanners, and how many distinct places,
// a ScanSummary keeps: the most recently seen. It is far above any sensible
// threshold of scanners, so a verdict that counts them still decides the
// same; only the count shown for a code scanned by more phones than this
// stops at it.
const SummaryKeep = 64

// ScanSummary is what judging a label needs from its scan history, kept up
// to date as scans are recorded so that a scan reads one document instead
// of a thousand rows: who has scanned it and where, each with when last.
type ScanSummary struct {
	Serial   string     `json:"serial"`
	Scanners []Sighting `json:"scanners,omitempty"`
	Places   []Sighting `json:"places,omitempty"`
}

// Sighting is one distinct scanner (Key is its id) or one distinct place
// (Region and Source) of a label's scans, by kind of client, with the time
// of its latest scan.
type Sighting struct {
	Key    string    `json:"key,omitempty"`
	Region string    `json:"region,omitempty"`
	Source string    `json:"source,omitempty"`
	Client string    `json:"client"`
	Last   time.Time `json:"last"`
}

// Add folds one scan into the summary. Adding a scan twice changes nothing,
// so a batch of scans written again after a failure leaves it as it was.
func (s *ScanSummary) Add(sc Scan) {
	// Scans recorded before scanners were told apart count one each.
	s.Scanners = sight(s.Scanners, Sighting{Key: cmp.Or(sc.Scanner, sc.ID), Client: sc.Client, Last: sc.Time})
	if sc.Region != "" {
		s.Places = sight(s.Places, Sighting{Region: sc.Region, Source: sc.RegionSource, Client: sc.Client, Last: sc.Time})
	}
}

// sight records one sighting, keeping the latest SummaryKeep, latest first.
func sight(list []Sighting, n Sighting) []Sighting {
	i := slices.IndexFunc(list, func(o Sighting) bool {
		return o.Key == n.Key && o.Region == n.Region && o.Source == n.Source && o.Client == n.Client
	})
	switch {
	case i < 0:
		list = append(list, n)
	case n.Last.After(list[i].Last):
		list[i].Last = n.Last
	default:
		return list
	}
	slices.SortStableFunc(list, func(a, b Sighting) int { return b.Last.Compare(a.Last) })
	if len(list) > SummaryKeep {
		list = list[:SummaryKeep]
	}
	return list
}
