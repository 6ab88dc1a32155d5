package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/api"
	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/fleet"
	"github.com/agritrace/agritrace/internal/store/mongo/mongotest"
)

// fleetInstance starts a service named name on the shared database, as one of
// the fleet sharing it, with limits l.
func fleetInstance(t *testing.T, uri, db, name string, l config.Limits) (*env, *fleet.Fleet) {
	t.Helper()
	var f *fleet.Fleet
	e := start(t, func(o *options) {
		o.mongoURI, o.mongoDB = uri, db
		o.server = func(s *api.Server) {
			var err error
			if f, err = fleet.Join(context.Background(), s.Store, name, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
				t.Fatal(err)
			}
			s.Fleet, s.Limits, s.TrustedProxies = f, l, []string{"127.0.0.1"}
		}
	})
	return e, f
}

// TestLimitsAcrossInstances: two services on one MongoDB database (FerretDB
// here). A client's complaints are counted in the store, so the limit holds
// whichever instance each lands on; its scans are counted in each
// instance's memory, each allowing half of the limit, so that together
// they allow the limit and no more.
func TestLimitsAcrossInstances(t *testing.T) {
	uri, db := mongotest.Embedded(t), fmt.Sprintf("at%d_%d_fleet", os.Getpid(), time.Now().UnixNano())
	l := config.Limits{Complaints: config.Rate{N: 3, Per: time.Hour}, KeyedComplaints: config.Rate{N: 2, Per: time.Hour},
		Scans: config.Rate{N: 4, Per: time.Hour}, KeyedScans: config.Rate{N: 100, Per: time.Hour}}
	a, fa := fleetInstance(t, uri, db, "node-a", l)
	b, fb := fleetInstance(t, uri, db, "node-b", l)
	// Node a learns of b at its next count; here, at once.
	if err := fa.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fa.Live() != 2 || fb.Live() != 2 {
		t.Fatalf("live instances seen: a %d, b %d; want 2 each", fa.Live(), fb.Live())
	}

	report := fmt.Sprintf(`{"serial":"ABC123","lot":%q,"kind":"counterfeit","description":"扫码可疑"}`, demo.Bottle+".B1")
	complaints := []struct {
		name string
		on   *env
		addr string
		org  string
		want int
	}{
		{"first, on a", a, "203.0.113.7", "", 201},
		{"second, on b", b, "203.0.113.7", "", 201},
		{"third, on a", a, "203.0.113.7", "", 201},
		{"fourth, on b", b, "203.0.113.7", "", 429},
		{"fifth, on a", a, "203.0.113.7", "", 429},
		{"another address, on b", b, "203.0.113.8", "", 201},
		{"inspector on a", a, "203.0.113.7", demo.Regulator, 201},
		{"inspector on b", b, "203.0.113.7", demo.Regulator, 201},
		{"inspector over the keyed limit, on a", a, "203.0.113.9", demo.Regulator, 429},
	}
	for _, c := range complaints {
		status, retry, body := call(t, "POST", c.on.URL+"/api/v1/complaints", c.addr, c.on.Keys[c.org], report)
		if c.want == http.StatusTooManyRequests {
			wantLimited(t, c.name, status, retry, body)
		} else if status != c.want {
			t.Fatalf("complaint %s: %d %.200s, want %d", c.name, status, body, c.want)
		}
	}

	// Scans: 4 an hour, shared by two instances, is 2 on each.
	allowed := map[*env]int{}
	for range 3 {
		for _, e := range []*env{a, b} {
			status, retry, body := call(t, "GET", e.URL+"/provenance/01/"+demo.Bottle+"/10/NOSUCH", "198.51.100.4", "", "")
			if status == http.StatusTooManyRequests {
				wantLimited(t, "scan over the share", status, retry, body)
				continue
			}
			allowed[e]++
		}
	}
	if allowed[a] != 2 || allowed[b] != 2 {
		t.Errorf("scans allowed from one address: %d on a, %d on b; want 2 on each (the limit of 4, halved)", allowed[a], allowed[b])
	}
}
