package api_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/fabric"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// These tests run the service on the real Fabric network that the test
// command starts (AGRITRACE_FABRIC_ENV names its client.env).

func fabricLedger(t testing.TB, suffix string) *fabric.Ledger {
	t.Helper()
	path := os.Getenv("AGRITRACE_FABRIC_ENV")
	if path == "" {
		t.Skip("no Fabric network: run scripts/fabric/up.sh and set AGRITRACE_FABRIC_ENV")
	}
	cfg, err := fabric.LoadEnv(path, suffix, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	l, err := fabric.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// onFabric serves on the network as the service runs there: signing with
// both organizations' identities, each record with its writer's.
func onFabric(t testing.TB) *env {
	t.Helper()
	path := os.Getenv("AGRITRACE_FABRIC_ENV")
	if path == "" {
		t.Skip("no Fabric network: run scripts/fabric/up.sh and set AGRITRACE_FABRIC_ENV")
	}
	n, err := fabric.LoadNode(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	l, err := fabric.Open(n.Own, n.Other...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return start(t, func(o *options) {
		o.ledger = func(trace.Ledger) trace.Ledger { return l }
		o.service = func(s *trace.Service) { s.LedgerOrgs = n.Orgs }
	})
}

// TestFabricAnchoring tells the whole story on Fabric: every event ends
// anchored with a transaction and block, the chaincode holds the hashes the
// store holds, both organizations' peers agree, and the scan page names the
// channel.
func TestFabricAnchoring(t *testing.T) {
	e := onFabric(t)
	st := e.story(t)
	regulator := fabricLedger(t, "_2")
	for _, lot := range append(st.SeedLots, st.OilLot, st.MealLot, st.BottleLot) {
		evs := events(t, e, lot)
		onChain, err := e.Ledger.Chain(bg, custody.KindEvent, lot)
		if err != nil {
			t.Fatal(err)
		}
		if len(onChain) != len(evs) {
			t.Fatalf("%s: chaincode holds %d records, store %d events", lot, len(onChain), len(evs))
		}
		for i, ev := range evs {
			if onChain[i].Hash != ev.Hash || onChain[i].PrevHash != ev.PrevHash || onChain[i].Org != "CollectorMSP" {
				t.Errorf("%s seq %d: chaincode %+v, store %s", lot, i, onChain[i], ev.Hash)
			}
		}
		theirs, err := regulator.Chain(bg, custody.KindEvent, lot)
		if err != nil || len(theirs) != len(evs) || theirs[len(theirs)-1].Hash != evs[len(evs)-1].Hash {
			t.Errorf("%s: regulator's peer holds %d records (%v)", lot, len(theirs), err)
		}
		for _, h := range history(t, e, lot) {
			if h.Anchor.Status != trace.AnchorAnchored || h.Anchor.Ledger != "fabric" || h.Anchor.TxID == "" || h.Anchor.Block == 0 {
				t.Errorf("%s: anchor %+v", lot, h.Anchor)
			}
		}
	}
	var p struct {
		Verdict string
		Ledger  struct{ Kind, Channel, Verdict string }
		Journey []struct {
			Steps []struct {
				TxID  string
				Block uint64
			}
		}
	}
	if err := e.as("").Do(bg, "GET", st.ShelfURL[len(e.URL):], nil, &p); err != nil {
		t.Fatal(err)
	}
	if p.Verdict != "genuine" || p.Ledger.Kind != "fabric" || p.Ledger.Channel != "custody" || p.Ledger.Verdict != "verified" || p.Journey[0].Steps[0].Block == 0 {
		t.Errorf("scan on Fabric: %+v", p)
	}
	_, page := get(t, st.ShelfURL, "Accept", "text/html")
	for _, want := range []string{"Hyperledger Fabric", "custody"} {
		if !strings.Contains(page, want) {
			t.Errorf("scan page lacks %q", want)
		}
	}

	// Tampering with the store shows against Fabric.
	if _, err := e.Store.DB().Exec(`UPDATE events SET doc = json_set(doc, '$.place.name', '别处') WHERE lot = ? AND seq = 1`, st.OilLot); err != nil {
		t.Fatal(err)
	}
	if v, checks := verdict(t, e, st.OilLot); v != "mismatch" || checks[1]["verdict"] != "mismatch" {
		t.Errorf("after tampering: %s %v", v, checks[1])
	}
}

func node(t testing.TB, action, name string) {
	t.Helper()
	cmd := exec.Command(filepath.Join("..", "..", "scripts", "fabric", "node.sh"), action, name)
	cmd.Env = append(os.Environ(), "AGRITRACE_FABRIC_DIR="+filepath.Dir(os.Getenv("AGRITRACE_FABRIC_ENV")))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node.sh %s %s: %v\n%s", action, name, err, out)
	}
}

// TestFabricPeerOutage stops the regulator's peer, without which no
// transaction can be endorsed, while events are written: the API keeps
// acknowledging, the events stay pending, and after the restart every one of
// them is anchored exactly once.
func TestFabricPeerOutage(t *testing.T) {
	e := onFabric(t)
	setupProducts(t, e)
	node(t, "stop", "regulator")
	up := false
	t.Cleanup(func() {
		if !up {
			node(t, "start", "regulator")
		}
	})
	lot := atMill(t, e, "OUT"+time.Now().Format("150405"), 500)
	for i := range 5 {
		expect(t, e.as(demo.Mill), "POST", "/api/v1/lots/"+lot+"/inspect", trace.InspectInput{Results: map[string]any{"moisture": 7.0 + float64(i)/10}}, 201, "", "")
	}
	time.Sleep(time.Second)
	if v, _ := verdict(t, e, lot); v != "pending" {
		t.Fatalf("with a peer down the lot is %s, want pending", v)
	}
	node(t, "start", "regulator")
	up = true
	deadline := time.Now().Add(90 * time.Second)
	for {
		v, _ := verdict(t, e, lot)
		if v == "verified" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lot still %s 90 s after the peer came back", v)
		}
		time.Sleep(250 * time.Millisecond)
	}
	onChain, err := e.Ledger.Chain(bg, custody.KindEvent, lot)
	if err != nil || len(onChain) != 8 {
		t.Fatalf("chaincode holds %d records (%v), want the 8 events once each", len(onChain), err)
	}
}

// BenchmarkFabricLag measures the time from the API's acknowledgement of an
// event to its commit on Fabric, as the anchoring worker sees it.
func BenchmarkFabricLag(b *testing.B) {
	e := onFabric(b)
	for _, p := range demo.Products() {
		e.as(p.Owner).Do(bg, "POST", "/api/v1/products", p, nil)
	}
	var r trace.Result
	if err := e.as(demo.Collector).Do(bg, "POST", "/api/v1/lots", trace.CommissionInput{
		GTIN: demo.Seed, Lot: "LAG" + time.Now().Format("150405.000")[7:], Quantity: 1000,
		Origin: &trace.Origin{Region: "420526", Village: "桃园村"},
	}, &r); err != nil {
		b.Fatal(err)
	}
	lot := r.Lots[0].ID
	var total time.Duration
	for b.Loop() {
		if err := e.as(demo.Regulator).Do(bg, "POST", "/api/v1/lots/"+lot+"/inspect", trace.InspectInput{Results: map[string]any{"moisture": 7.1}}, nil); err != nil {
			b.Fatal(err)
		}
		acked := time.Now()
		for {
			as, err := e.Store.Anchors(bg, custody.KindEvent, lot)
			if err != nil {
				b.Fatal(err)
			}
			if as[len(as)-1].Status == trace.AnchorAnchored {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		total += time.Since(acked)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-commit")
}
