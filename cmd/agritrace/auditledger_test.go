package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/store/sqlite"
)

// serveOnFabric runs "agritrace serve -ledger fabric" on the SQLite store in
// dir until the returned stop is called (or the test ends), and returns its
// base URL.
func serveOnFabric(t *testing.T, dir, fabricEnv string, cast bool) (base string, keys map[string]string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("test", []string{"-data", dir, "-addr", ln.Addr().String(), "-anchor-idle", "50ms",
		"-ledger", "fabric", "-fabric-env", fabricEnv}, noenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := open(ctx, cfg, newLogger(io.Discard, slog.LevelError), true)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	if cast {
		if keys, err = castKeys(ctx, a); err != nil {
			ln.Close()
			a.Close()
			t.Fatal(err)
		}
	}
	served := make(chan error, 1)
	go func() { served <- a.serveHTTP(ctx, ln) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	}
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), keys, stop
}

// auditCmd runs agritrace audit-ledger against the regulator's peer of the
// network in fabricEnv.
func auditCmd(t *testing.T, fabricEnv string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"audit-ledger", "-fabric-env", fabricEnv}, args...)
	err := run(context.Background(), args, noenv, &out, &errOut)
	t.Logf("%s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	return out.String(), err
}

// exitCode is the status main exits with for err.
func exitCode(err error) int {
	var ec exitCoder
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return ec.ExitCode()
	}
	return 1
}

// TestAuditLedger tells the demo story on Fabric, audits its lots from the
// API and the regulator's peer, then edits an event in the operator's
// database and audits again.
func TestAuditLedger(t *testing.T) {
	fabricEnv := fabricEnv(t)
	dir := t.TempDir()
	base, keys, stop := serveOnFabric(t, dir, fabricEnv, true)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := demo.Run(ctx, base, keys, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.WaitAnchored(ctx, base, st); err != nil {
		t.Fatal(err)
	}
	lots := append(append([]string{}, st.SeedLots...), st.OilLot, st.MealLot, st.BottleLot)
	key := keys[demo.Regulator]

	out, err := auditCmd(t, fabricEnv, append([]string{"-url", base, "-key", key}, lots...)...)
	if exitCode(err) != 0 {
		t.Fatalf("audit of the untouched demo: %v", err)
	}
	mustContain(t, out, fmt.Sprintf("all %d lots match the regulator's ledger", len(lots)), "RegulatorMSP's peer")

	t.Run("unknown lot", func(t *testing.T) {
		_, err := auditCmd(t, fabricEnv, "-url", base, "-key", key, st.OilLot+"X")
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "the service knows no such lot (404), and the regulator's peer holds no record of it either") {
			t.Errorf("err = %v (exit %d)", err, exitCode(err))
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		_, err := auditCmd(t, fabricEnv, "-url", base, "-key", "atk_000000000000_nope", st.OilLot)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "the service refused the API key (401") {
			t.Errorf("err = %v (exit %d)", err, exitCode(err))
		}
	})
	t.Run("a key that may not read the lot", func(t *testing.T) {
		_, err := auditCmd(t, fabricEnv, "-url", base, "-key", keys[demo.Collector], st.OilLot)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "(403") {
			t.Errorf("err = %v (exit %d)", err, exitCode(err))
		}
	})
	t.Run("no settings for the organization", func(t *testing.T) {
		_, err := auditCmd(t, fabricEnv, "-url", base, "-key", key, "-fabric-org", "_9", st.OilLot)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "FABRIC_PEER_ENDPOINT_9") {
			t.Errorf("err = %v (exit %d)", err, exitCode(err))
		}
	})
	t.Run("unreachable peer", func(t *testing.T) {
		settings, err := os.ReadFile(fabricEnv)
		if err != nil {
			t.Fatal(err)
		}
		down := freeAddr(t)
		moved := regexp.MustCompile(`(?m)^FABRIC_PEER_ENDPOINT_2=.*$`).ReplaceAll(settings, []byte("FABRIC_PEER_ENDPOINT_2="+down))
		_, err = auditCmd(t, writeFile(t, "client.env", moved), "-url", base, "-key", key, st.OilLot)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "the regulator's peer "+down+" (RegulatorMSP)") {
			t.Errorf("err = %v (exit %d)", err, exitCode(err))
		}
	})

	// The operator edits the oil lot's pressing record while the service is
	// down, then serves again.
	stop()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "agritrace.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.DB().Exec(`UPDATE events SET doc = json_set(doc, '$.quantity', 9000000) WHERE lot = ? AND seq = 0`, st.OilLot); err != nil {
		t.Fatal(err)
	}
	db.Close()
	base, _, _ = serveOnFabric(t, dir, fabricEnv, false)

	out, err = auditCmd(t, fabricEnv, append([]string{"-url", base, "-key", key, "-json"}, lots...)...)
	if exitCode(err) != 1 || !errors.Is(err, errAuditMismatch) {
		t.Fatalf("audit of the edited database: %v (exit %d)", err, exitCode(err))
	}
	var rep auditReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, l := range rep.Lots {
		want := []finding(nil)
		if l.Lot == st.OilLot {
			want = []finding{{Seq: 0, Code: findHash}}
		}
		if len(l.Findings) != len(want) || (len(want) > 0 && (l.Findings[0].Seq != 0 || l.Findings[0].Code != findHash ||
			!strings.Contains(l.Findings[0].Message, "hash served by the API differs from the ledger"))) {
			t.Errorf("%s: findings %+v; want %+v", l.Lot, l.Findings, want)
		}
	}
	out, _ = auditCmd(t, fabricEnv, "-url", base, "-key", key, st.OilLot)
	mustContain(t, out, st.OilLot+": MISMATCH", st.OilLot+" seq 0: hash served by the API differs from the ledger", "1 of 1 lots differ")
}
