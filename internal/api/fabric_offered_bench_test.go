package api_test

import (
	"math"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkFabricOffered offers offeredRate events/s for offeredFor on a fixed
// schedule (open loop: a delivery is sent at its time whether or not the
// ones before were answered), each delivery its own request of two events,
// as scales at many collection centers post them. It reports the time from
// each event's acknowledgement to its anchoring as the store recorded it
// (p50, p99, max), and the offered rate achieved with the worst lateness of a
// send against its schedule.
func BenchmarkFabricOffered(b *testing.B) {
	e, _ := benchFabric(b)
	for b.Loop() {
		lags, answers, gap, longest, peak, achieved, late := offer(b, e)
		b.ReportMetric(float64(pct(lags, 0.50).Milliseconds()), "p50-ms")
		b.ReportMetric(float64(pct(lags, 0.99).Milliseconds()), "p99-ms")
		b.ReportMetric(float64(pct(lags, 1).Milliseconds()), "max-ms")
		b.ReportMetric(float64(pct(answers, 0.99).Milliseconds()), "request-p99-ms")
		b.ReportMetric(float64(gap.Milliseconds()), "call-ms")
		b.ReportMetric(float64(longest.Milliseconds()), "call-max-ms")
		b.ReportMetric(float64(peak), "backlog-max")
		b.ReportMetric(achieved, "offered-events/s")
		b.ReportMetric(float64(late.Milliseconds()), "late-max-ms")
	}
	reportLoad(b)
	b.ReportMetric(0, "ns/op")
}

// offer returns the lags, sorted, each request's time to its answer, sorted,
// the median and longest time between the worker's settles, the largest
// outbox seen (above a worker call's worth, records wait more than a call),
// the offered rate achieved and the worst lateness of a send.
func offer(b *testing.B, e *env) (lags, answers []time.Duration, gap, longest time.Duration, peak int, achieved float64, late time.Duration) {
	b.Helper()
	const perRequest = 2
	d := newDeliveries()
	total := int(offeredFor.Seconds()) * offeredRate / perRequest
	every := time.Second / time.Duration(offeredRate/perRequest)
	lots := make([]string, total)
	sent := make([]time.Time, total)
	acked := make([]time.Time, total)
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			n, err := e.Store.PendingAnchorCount(bg)
			if err != nil {
				b.Error(err)
				return
			}
			peak = max(peak, n)
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	began := time.Now()
	var last time.Time
	for i := range total {
		at := began.Add(time.Duration(i) * every)
		if w := time.Until(at); w > 0 {
			time.Sleep(w)
		}
		// A goroutine per delivery: a slow answer never holds up the next.
		wg.Add(1)
		go func() {
			defer wg.Done()
			evs, ls := d.take(perRequest / 2)
			sent[i] = time.Now()
			ack, err := upload(e, evs)
			if err != nil {
				b.Error(err)
				return
			}
			lots[i], acked[i] = ls[0], ack
		}()
		last = time.Now()
		late = max(late, last.Sub(at))
	}
	wg.Wait()
	close(stop)
	<-sampled
	if b.Failed() {
		b.FailNow()
	}
	// The last send opens the last interval of the schedule.
	achieved = float64(total*perRequest) / (last.Sub(began) + every).Seconds()
	settled := settle(b, e, lots)
	_, gap, longest = calls(settled, began, time.Now())
	for i, ats := range settled {
		for _, at := range ats {
			lags = append(lags, at.Sub(acked[i]))
		}
	}
	for i := range total {
		answers = append(answers, acked[i].Sub(sent[i]))
	}
	slices.Sort(lags)
	slices.Sort(answers)
	return lags, answers, gap, longest, peak, achieved, late
}

// pct is the nearest-rank percentile q of sorted durations.
func pct(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}
