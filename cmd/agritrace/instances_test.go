package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// TestThreeInstances runs three instances on one store, one Fabric channel
// and one set of label keys, as behind a load balancer. Several clients send
// the season's writes (commission, inspect, split, ship and receive,
// transform, pack) and scans through them in turn, with every flow also
// inspecting one busy lot, so that writes to one lot meet across instances.
// A third of the way in, one instance is killed with SIGKILL and started
// again under its name. Then every instance must answer the same: each
// acknowledged event is there, no lot has an event twice or a gap, every
// lot verifies on the ledger, every packed bottle scans genuine, and the
// outbox is empty.
func TestThreeInstances(t *testing.T) {
	r, keys := newRig(t, 3)
	ctx := context.Background()
	w := &workload{rig: r, keys: keys, run: rand.Text()[:6], acked: map[string]map[int64]string{}, unknown: map[string]int{}}
	w.busy = w.commission(ctx, "BUSY")
	if w.busy == "" {
		t.Fatal("could not make the busy lot")
	}
	const clients, flows = 6, 3
	// About nine requests a flow: the kill comes a third of the way in.
	killAt := int64(clients * flows * 9 / 3)
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		for w.sent.Load() < killAt {
			time.Sleep(20 * time.Millisecond)
		}
		victim := r.nodes[1]
		r.kill(victim)
		t.Logf("killed %s with SIGKILL after %d requests; restarting it", victim.name, w.sent.Load())
		r.restart(victim)
	}()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for f := range flows {
				w.flow(ctx, fmt.Sprintf("%d%d", c, f))
			}
		})
	}
	wg.Wait()
	<-killed
	t.Logf("%d lots, %d acknowledged events, %d writes of unknown outcome, %d bottles", len(w.acked), w.events(), w.unknowns(), len(w.bottles))

	// Anchoring runs behind the writes, and what the killed instance left
	// half-done is settled by the store's recovery: both are waited for.
	eventually(t, "the outbox drained and every lot verified", 3*time.Minute, func() error {
		for _, nd := range r.nodes {
			if n, err := r.pending(nd); err != nil || n != "0" {
				return fmt.Errorf("%s: %s records pending, %v", nd.name, n, err)
			}
		}
		for _, lot := range w.lots() {
			var v struct{ Verdict string }
			err := r.on(r.nodes[0], "", "GET", "/api/v1/lots/"+lot+"/verify", &v)
			if w.neverMade(lot, err) {
				continue
			}
			if err != nil || v.Verdict != "verified" {
				return fmt.Errorf("lot %s verifies as %q, %v", lot, v.Verdict, err)
			}
		}
		return nil
	})
	for _, nd := range r.nodes {
		w.checkEvents(t, nd)
		w.checkVerified(t, nd)
		w.checkBottles(t, nd)
	}
}

// workload drives the flows and keeps what was acknowledged.
type workload struct {
	rig  *rig
	keys map[string]string
	run  string
	busy string
	sent atomic.Int64

	mu sync.Mutex
	// acked holds, per lot, the hash of every event an instance acknowledged.
	acked map[string]map[int64]string
	// unknown counts, per lot, writes whose outcome the client cannot know.
	unknown map[string]int
	bottles []string
}

// write sends one write as org and records its events; touched names the
// lots it may change, charged with an unknown outcome if it has one. It
// reports whether the write was acknowledged.
func (w *workload) write(ctx context.Context, org, path string, body any, touched ...string) bool {
	w.sent.Add(1)
	var res trace.Result
	err := w.rig.do(ctx, w.keys[org], "POST", path, body, &res)
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case errors.Is(err, errUnknown):
		for _, l := range touched {
			w.unknown[l]++
		}
		return false
	case err != nil:
		w.rig.tb.Errorf("%s %s: %v", org, path, err)
		return false
	}
	for _, e := range res.Events {
		if w.acked[e.Lot] == nil {
			w.acked[e.Lot] = map[int64]string{}
		}
		if _, twice := w.acked[e.Lot][e.Seq]; twice {
			w.rig.tb.Errorf("event %d of %s acknowledged twice", e.Seq, e.Lot)
		}
		w.acked[e.Lot][e.Seq] = e.Hash
	}
	return true
}

// commission buys in a tonne of rapeseed at the collection center.
func (w *workload) commission(ctx context.Context, name string) string {
	number := "S" + w.run + name
	id := trace.LotID(demo.Seed, number)
	ok := w.write(ctx, demo.Collector, "/api/v1/lots", trace.CommissionInput{
		GTIN: demo.Seed, Lot: number, Quantity: 1_000_000,
		Origin: &trace.Origin{Region: "420526101201", Village: "桃园村", Farm: "桃园村油菜种植专业合作社", HarvestDate: "2026-05-12"},
	}, id)
	if !ok {
		return ""
	}
	return id
}

// flow takes one seed lot from purchase to labelled bottles. A write that
// fails ends the flow: what it made so far is still checked.
func (w *workload) flow(ctx context.Context, name string) {
	seed := w.commission(ctx, name)
	inspect := trace.InspectInput{Results: map[string]any{"moisture": 7.2, "oilContent": 41.8, "impurities": 1.4, "grade": "二等"}, Note: "GB/T 11762"}
	if seed == "" ||
		!w.write(ctx, demo.Collector, "/api/v1/lots/"+seed+"/inspect", inspect, seed) ||
		!w.write(ctx, demo.Collector, "/api/v1/lots/"+w.busy+"/inspect", inspect, w.busy) {
		return
	}
	a, b := "S"+w.run+name+"A", "S"+w.run+name+"B"
	partA, partB := trace.LotID(demo.Seed, a), trace.LotID(demo.Seed, b)
	split := trace.SplitInput{Parts: []trace.OutputInput{{Lot: a, Quantity: 600_000}, {Lot: b, Quantity: 400_000}}}
	if !w.write(ctx, demo.Collector, "/api/v1/lots/"+seed+"/split", split, seed, partA, partB) ||
		!w.write(ctx, demo.Collector, "/api/v1/lots/"+partA+"/ship", trace.ShipInput{To: demo.Mill}, partA) ||
		!w.write(ctx, demo.Mill, "/api/v1/lots/"+partA+"/receive", trace.ReceiveInput{}, partA) {
		return
	}
	// 600 kg of seed pressed at 36 % gives 216 kg of oil, about 236 L.
	oil, meal := trace.LotID(demo.Oil, "O"+w.run+name), trace.LotID(demo.Meal, "M"+w.run+name)
	press := trace.TransformInput{
		Inputs:  []trace.Portion{{Lot: partA, Quantity: 600_000}},
		Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "O" + w.run + name, Quantity: 236_000}, {GTIN: demo.Meal, Lot: "M" + w.run + name, Quantity: 372_000}},
	}
	bottles := trace.LotID(demo.Bottle, "B"+w.run+name)
	pack := trace.PackInput{GTIN: demo.Bottle, Lot: "B" + w.run + name, Count: 4, UnitSize: 5000}
	if !w.write(ctx, demo.Mill, "/api/v1/transforms", press, partA, oil, meal) ||
		!w.write(ctx, demo.Mill, "/api/v1/lots/"+oil+"/pack", pack, oil, bottles) {
		return
	}
	var units struct {
		Units []struct {
			URL string `json:"url"`
		} `json:"units"`
	}
	if err := w.rig.do(ctx, w.keys[demo.Mill], "GET", "/api/v1/lots/"+bottles+"/units", nil, &units); err != nil {
		w.rig.tb.Errorf("units of %s: %v", bottles, err)
		return
	}
	w.mu.Lock()
	for _, u := range units.Units {
		w.bottles = append(w.bottles, u.URL)
	}
	w.mu.Unlock()
	// A bottle scanned at once through the next instance: its label was
	// signed by another, and the ledger may not hold its lot yet.
	var got struct{ Verdict string }
	if err := w.rig.do(ctx, "", "GET", labelPath(units.Units[0].URL), nil, &got); err != nil || (got.Verdict != "genuine" && got.Verdict != "pending") {
		w.rig.tb.Errorf("a fresh bottle %s scans as %q (%v)", units.Units[0].URL, got.Verdict, err)
	}
}

// labelPath is the path and query of a label's URL, for any instance.
func labelPath(label string) string {
	u, err := url.Parse(label)
	if err != nil {
		return label
	}
	return u.RequestURI()
}

// scan scans a label on the given node, as a phone would, and returns the
// verdict, or the error's text.
func (w *workload) scan(nd *node, label string) string {
	var got struct{ Verdict string }
	if err := w.rig.on(nd, "", "GET", labelPath(label), &got); err != nil {
		return err.Error()
	}
	return got.Verdict
}

// lots is every lot a write was acknowledged for or may have made.
func (w *workload) lots() []string {
	var lots []string
	for lot := range w.acked {
		lots = append(lots, lot)
	}
	for lot := range w.unknown {
		if w.acked[lot] == nil {
			lots = append(lots, lot)
		}
	}
	return lots
}

// neverMade tells a lot that does not exist, which only a write of
// unknown outcome may leave so, from one that must.
func (w *workload) neverMade(lot string, err error) bool {
	e, ok := errors.AsType[*demo.APIError](err)
	return ok && e.Status == http.StatusNotFound && w.acked[lot] == nil
}

func (w *workload) events() (n int) {
	for _, evs := range w.acked {
		n += len(evs)
	}
	return n
}

func (w *workload) unknowns() (n int) {
	for _, u := range w.unknown {
		n += u
	}
	return n
}

// checkEvents reads every lot's events from nd: each acknowledged event is
// there with its hash, seqs run 0..n-1 without a gap or a repeat, each event
// chains to the one before, and there are exactly as many as acknowledged
// (more only by writes whose outcome the client could not know).
func (w *workload) checkEvents(t *testing.T, nd *node) {
	t.Helper()
	for _, lot := range w.lots() {
		acked := w.acked[lot]
		var got struct{ Events []trace.Event }
		err := w.rig.on(nd, w.keys[demo.Regulator], "GET", "/api/v1/lots/"+lot+"/events", &got)
		if w.neverMade(lot, err) {
			continue
		}
		if err != nil {
			t.Errorf("%s: events of %s: %v", nd.name, lot, err)
			continue
		}
		prev := ""
		for i, e := range got.Events {
			if e.Seq != int64(i) || e.PrevHash != prev {
				t.Errorf("%s: %s event %d has seq %d and prevHash %.12s, want seq %d after %.12s", nd.name, lot, i, e.Seq, e.PrevHash, i, prev)
			}
			prev = e.Hash
			if h, ok := acked[e.Seq]; ok && h != e.Hash {
				t.Errorf("%s: %s event %d hash %.12s, acknowledged %.12s", nd.name, lot, e.Seq, e.Hash, h)
			}
		}
		seqs := make([]int64, 0, len(got.Events))
		for _, e := range got.Events {
			seqs = append(seqs, e.Seq)
		}
		for seq := range acked {
			if !slices.Contains(seqs, seq) {
				t.Errorf("%s: %s lost acknowledged event %d", nd.name, lot, seq)
			}
		}
		if n, most := len(got.Events), len(acked)+w.unknown[lot]; n < len(acked) || n > most {
			t.Errorf("%s: %s holds %d events; %d were acknowledged and %d more may have been", nd.name, lot, n, len(acked), w.unknown[lot])
		}
	}
}

// checkVerified asks nd to verify every lot against the ledger.
func (w *workload) checkVerified(t *testing.T, nd *node) {
	t.Helper()
	for _, lot := range w.lots() {
		var r struct{ Verdict string }
		err := w.rig.on(nd, "", "GET", "/api/v1/lots/"+lot+"/verify", &r)
		if w.neverMade(lot, err) {
			continue
		}
		if err != nil || r.Verdict != "verified" {
			t.Errorf("%s: lot %s verifies as %q (%v), want verified", nd.name, lot, r.Verdict, err)
		}
	}
}

// checkBottles scans every packed bottle on nd.
func (w *workload) checkBottles(t *testing.T, nd *node) {
	t.Helper()
	for _, b := range w.bottles {
		if v := w.scan(nd, b); v != "genuine" {
			t.Errorf("%s: bottle %s scans as %q, want genuine", nd.name, b, v)
		}
	}
}
