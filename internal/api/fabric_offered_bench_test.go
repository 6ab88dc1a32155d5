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
// (p50, p99, max), the requests' own p99, the worker's calls, the largest
// outbox, and the offered rate achieved with the worst lateness of a send
// against its schedule.
func BenchmarkFabricOffered(b *testing.B) {
	e, _ := benchFabric(b)
	ms := func(d time.Duration) float64 { return float64(d.Milliseconds()) }
	for b.Loop() {
		o := offer(b, e)
		b.ReportMetric(ms(pct(o.lags, 0.50)), "p50-ms")
		b.ReportMetric(ms(pct(o.lags, 0.99)), "p99-ms")
		b.ReportMetric(ms(pct(o.lags, 1)), "max-ms")
		b.ReportMetric(ms(pct(o.answers, 0.99)), "request-p99-ms")
		b.ReportMetric(ms(o.call), "call-ms")
		b.ReportMetric(ms(o.longestCall), "call-max-ms")
		b.ReportMetric(float64(o.peak), "backlog-max")
		b.ReportMetric(o.rate, "offered-events/s")
		b.ReportMetric(ms(o.late), "late-max-ms")
	}
	reportLoad(b)
	b.ReportMetric(0, "ns/op")
}

// offered is what one run of the paced load measured.
type offered struct {
	// lags run from each event's acknowledgement to its anchoring, answers
	// from each request's sending to its answer; both sorted.
	lags, answers []time.Duration
	// call and longestCall are the median and longest time between the
	// worker's settles.
	call, longestCall time.Duration
	// peak is the largest outbox seen while sending: above a worker call's
	// worth, records wait more than a call.
	peak int
	// rate is the offered rate achieved, late the worst lateness of a send.
	rate float64
	late time.Duration
}

// offer sends the paced load, waits for the outbox to empty and measures.
func offer(b *testing.B, e *env) offered {
	b.Helper()
	const perRequest = 2
	d := newDeliveries()
	total := int(offeredFor.Seconds()) * offeredRate / perRequest
	every := time.Second / time.Duration(offeredRate/perRequest)
	lots := make([]string, total)
	sent := make([]time.Time, total)
	acked := make([]time.Time, total)
	var o offered
	stopWatch := watchOutbox(b, e, func(n int) { o.peak = max(o.peak, n) })
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
		o.late = max(o.late, last.Sub(at))
	}
	wg.Wait()
	stopWatch()
	if b.Failed() {
		b.FailNow()
	}
	// The last send opens the last interval of the schedule.
	o.rate = float64(total*perRequest) / (last.Sub(began) + every).Seconds()
	settled := settle(b, e, lots)
	_, o.call, o.longestCall = calls(settled, began, time.Now())
	for i, ats := range settled {
		for _, at := range ats {
			o.lags = append(o.lags, at.Sub(acked[i]))
		}
		o.answers = append(o.answers, acked[i].Sub(sent[i]))
	}
	slices.Sort(o.lags)
	slices.Sort(o.answers)
	return o
}

// pct is the nearest-rank percentile q of sorted durations.
func pct(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}
