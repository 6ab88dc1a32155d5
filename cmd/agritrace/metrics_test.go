package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServeMetricsOnTheirOwnAddress checks that -metrics-addr serves
// Prometheus metrics there, counting the service's requests, and that the
// public address does not.
func TestServeMetricsOnTheirOwnAddress(t *testing.T) {
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- run(ctx, []string{"serve", "-addr", addr, "-metrics-addr", metricsAddr, "-data", t.TempDir(), "-log-level", "error"},
			noenv, io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	base := "http://" + addr
	waitReady(t, base)
	fetch := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, _ := fetch(base + "/metrics"); status != http.StatusNotFound {
		t.Errorf("public GET /metrics = %d, want 404", status)
	}
	status, body := fetch("http://" + metricsAddr + "/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics on the metrics address = %d", status)
	}
	for _, want := range []string{`agritrace_http_requests_total{code="200",method="GET",route="/readyz"}`,
		`agritrace_http_requests_total{code="404",method="GET",route="unmatched"} 1`, "agritrace_outbox_pending 0", "agritrace_ledger_height 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
