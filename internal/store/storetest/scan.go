package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// testScanBatches records scans in batches: every scan lands, each label's
// summary holds its distinct scanners and places with their latest times,
// and writing a batch again (a retry after a failure) changes nothing.
func testScanBatches(t *testing.T, s trace.Store) {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	batch := []trace.Scan{
		{ID: "b-0", Serial: "S1", Lot: "L", Time: at(0), Region: "420526", RegionSource: "ip", Client: "consumer", Scanner: "phone-a", Verdict: "genuine"},
		{ID: "b-1", Serial: "S1", Lot: "L", Time: at(1), Region: "420526", RegionSource: "ip", Client: "consumer", Scanner: "phone-a", Verdict: "genuine"},
		{ID: "b-2", Serial: "S1", Lot: "L", Time: at(2), Region: "110101", RegionSource: "geolocation", Client: "consumer", Scanner: "phone-b", Verdict: "suspicious"},
		{ID: "b-3", Serial: "S2", Lot: "L", Time: at(3), Client: "inspector", Scanner: "officer", Verdict: "genuine"},
		{ID: "b-4", Lot: "L", Time: at(4), Client: "consumer", Scanner: "phone-c", Verdict: "genuine"},
		// Scans recorded before scanners were told apart count one each.
		{ID: "b-5", Serial: "S1", Lot: "L", Time: at(5), Client: "consumer", Verdict: "genuine"},
	}
	must(t, s.AddScans(ctx, batch))
	must(t, s.AddScans(ctx, batch))
	must(t, s.AddScans(ctx, nil))
	all, err := s.Scans(ctx, trace.ScanFilter{Lot: "L"})
	must(t, err)
	if len(all) != len(batch) {
		t.Errorf("Scans(L) after the batch twice = %d scans, want %d", len(all), len(batch))
	}
	sum, err := s.ScanSummary(ctx, "S1")
	must(t, err)
	want := trace.ScanSummary{
		Serial: "S1",
		Scanners: []trace.Sighting{
			{Key: "b-5", Client: "consumer", Last: at(5)},
			{Key: "phone-b", Client: "consumer", Last: at(2)},
			{Key: "phone-a", Client: "consumer", Last: at(1)},
		},
		Places: []trace.Sighting{
			{Region: "110101", Source: "geolocation", Client: "consumer", Last: at(2)},
			{Region: "420526", Source: "ip", Client: "consumer", Last: at(1)},
		},
	}
	if got, wanted := fmt.Sprint(sum), fmt.Sprint(want); got != wanted {
		t.Errorf("ScanSummary(S1) =\n%s\nwant\n%s", got, wanted)
	}
	// Later batches fold in; AddScan is a batch of one.
	must(t, s.AddScan(ctx, trace.Scan{ID: "b-6", Serial: "S1", Lot: "L", Time: at(9), Region: "420526", RegionSource: "ip", Client: "consumer", Scanner: "phone-a", Verdict: "genuine"}))
	sum, err = s.ScanSummary(ctx, "S1")
	must(t, err)
	if len(sum.Scanners) != 3 || sum.Scanners[0].Key != "phone-a" || !sum.Scanners[0].Last.Equal(at(9)) || len(sum.Places) != 2 || sum.Places[0].Region != "420526" {
		t.Errorf("ScanSummary(S1) after a later scan = %+v", sum)
	}
	if sum, err := s.ScanSummary(ctx, "S2"); err != nil || len(sum.Scanners) != 1 || sum.Scanners[0].Client != "inspector" || len(sum.Places) != 0 {
		t.Errorf("ScanSummary(S2) = %+v, %v", sum, err)
	}
	if sum, err := s.ScanSummary(ctx, "NEVER"); err != nil || sum.Serial != "NEVER" || len(sum.Scanners)+len(sum.Places) != 0 {
		t.Errorf("ScanSummary(never scanned) = %+v, %v", sum, err)
	}
	// A label scanned by more phones than a summary keeps keeps the latest.
	var many []trace.Scan
	for i := range trace.SummaryKeep + 10 {
		many = append(many, trace.Scan{ID: fmt.Sprintf("m-%d", i), Serial: "S3", Lot: "L", Time: at(i), Client: "consumer", Scanner: fmt.Sprintf("phone-%d", i), Verdict: "genuine"})
	}
	must(t, s.AddScans(ctx, many))
	sum, err = s.ScanSummary(ctx, "S3")
	must(t, err)
	if len(sum.Scanners) != trace.SummaryKeep || sum.Scanners[0].Key != fmt.Sprintf("phone-%d", trace.SummaryKeep+9) || sum.Scanners[trace.SummaryKeep-1].Key != "phone-10" {
		t.Errorf("ScanSummary(S3) keeps %d scanners from %v to %v", len(sum.Scanners), sum.Scanners[0], sum.Scanners[len(sum.Scanners)-1])
	}
}
