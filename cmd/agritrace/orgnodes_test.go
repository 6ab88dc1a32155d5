package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/fabric"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// TestEachOrganizationItsOwnNode runs the deployment where each
// organization runs its own AgriTrace node against its own peer, holding
// only its own Fabric identity, on the shared store: node-1 is the
// collection center's (CollectorMSP), node-2 the regulator's
// (RegulatorMSP). The whole story, the regulator's inspection and a
// complaint it works all go through node-1; every record still ends on the
// ledger signed by the organization that wrote it, so the regulator's ones
// were sent by node-2, the only node that can sign them.
func TestEachOrganizationItsOwnNode(t *testing.T) {
	path := fabricEnv(t)
	collector, regulator := orgEnvFiles(t, path)
	r, keys := newRigArgs(t, [][]string{{"-fabric-env", collector}, {"-fabric-env", regulator}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	one, two := "http://"+r.nodes[0].addr, "http://"+r.nodes[1].addr
	st, err := demo.Run(ctx, one, keys, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	as := func(org string) demo.Client { return demo.Client{Base: one, Key: keys[org], HTTP: r.http} }
	if err := as(demo.Regulator).Do(ctx, "POST", "/api/v1/lots/"+st.OilLot+"/inspect", trace.InspectInput{Results: map[string]any{"aflatoxinB1": 2.1}}, nil); err != nil {
		t.Fatal(err)
	}
	var filed struct{ ID string }
	if err := (demo.Client{Base: one, HTTP: r.http}).Do(ctx, "POST", "/api/v1/complaints", trace.FileInput{Serial: st.Sold[0], Kind: "quality", Description: "油有哈喇味"}, &filed); err != nil {
		t.Fatal(err)
	}
	if err := as(demo.Regulator).Do(ctx, "POST", "/api/v1/complaints/"+filed.ID+"/actions", trace.WorkInput{Action: "assign", Assignee: "李科员"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.WaitAnchored(ctx, two, st); err != nil {
		t.Fatal(err)
	}

	cfg, err := fabric.LoadEnv(path, "_2", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	peer, err := fabric.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	byActor := map[string]string{demo.Regulator: "RegulatorMSP"}
	for _, lot := range append(st.SeedLots, st.OilLot, st.MealLot, st.BottleLot) {
		var page struct{ Events []trace.Event }
		if err := as(demo.Regulator).Do(ctx, "GET", "/api/v1/lots/"+lot+"/events", nil, &page); err != nil {
			t.Fatal(err)
		}
		events := page.Events
		chain, err := peer.Chain(ctx, custody.KindEvent, lot)
		if err != nil || len(chain) != len(events) {
			t.Fatalf("%s: the regulator's peer holds %d records (%v), the service %d events", lot, len(chain), err, len(events))
		}
		for i, ev := range events {
			want := byActor[ev.Actor]
			if want == "" {
				want = "CollectorMSP"
			}
			if chain[i].Org != want || chain[i].Hash != ev.Hash {
				t.Errorf("%s seq %d (%s by %s): on the ledger as %s's with hash %s", lot, i, ev.Type, ev.Actor, chain[i].Org, chain[i].Hash)
			}
		}
	}
	eventually(t, "the complaint's records on the ledger", 2*time.Minute, func() error {
		chain, err := peer.Chain(ctx, custody.KindComplaint, filed.ID)
		if err != nil {
			return err
		}
		if len(chain) != 2 || chain[0].Org != "CollectorMSP" || chain[1].Org != "RegulatorMSP" {
			return fmt.Errorf("complaint chain = %+v", chain)
		}
		return nil
	})
	for _, nd := range r.nodes {
		eventually(t, nd.name+"'s outbox empty", time.Minute, func() error {
			p, err := r.pending(nd)
			if err == nil && p != "0" {
				err = fmt.Errorf("%s records pending", p)
			}
			return err
		})
	}
}

// orgEnvFiles writes, from the network's client settings at path, one file
// per organization holding only that organization's identity and peer, and
// the same map of who writes for whom.
func orgEnvFiles(t *testing.T, path string) (collector, regulator string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var own, reg []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		switch {
		case !ok || strings.HasPrefix(k, "#") || k == "FABRIC_IDENTITIES":
		case strings.HasSuffix(k, "_2"):
			reg = append(reg, strings.TrimSuffix(k, "_2")+"="+v)
		case strings.HasPrefix(k, "FABRIC_PEER_") || strings.HasPrefix(k, "FABRIC_TLS_") || strings.HasPrefix(k, "FABRIC_MSP_"):
			own = append(own, k+"="+v)
		default:
			own, reg = append(own, k+"="+v), append(reg, k+"="+v)
		}
	}
	dir := t.TempDir()
	write := func(name string, lines []string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("collector.env", own), write("regulator.env", reg)
}
