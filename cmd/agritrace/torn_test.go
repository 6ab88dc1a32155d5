package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/store/sqlite"
)

// lockedBuffer collects a service's log while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTornLedger cuts the ledger log in the middle of its last block, after
// the store had seen that block settled, as a damaged disk would, and starts
// the service again: it says what it lost, serves what it holds, and anchors
// the lost records again, so that every chain verifies in the end.
func TestTornLedger(t *testing.T) {
	data := t.TempDir()
	var demoOut bytes.Buffer
	if err := run(context.Background(), []string{"demo", "-exit", "-data", data, "-addr", "127.0.0.1:0"}, noenv, &demoOut, io.Discard); err != nil {
		t.Fatalf("demo: %v\n%s", err, demoOut.String())
	}
	path := filepath.Join(data, "ledger.log")
	log, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	last := bytes.LastIndexByte(log[:len(log)-1], '\n') + 1
	if err := os.Truncate(path, int64(last+(len(log)-last)/2)); err != nil {
		t.Fatal(err)
	}

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var serveLog lockedBuffer
	served := make(chan error, 1)
	go func() {
		served <- run(ctx, []string{"serve", "-addr", addr, "-data", data}, noenv, io.Discard, &serveLog)
	}()
	stop := sync.OnceFunc(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	t.Cleanup(stop)
	base := "http://" + addr
	waitReady(t, base)
	if !strings.Contains(serveLog.String(), "the log lost blocks the store saw settled") || !strings.Contains(serveLog.String(), `"records_resent"`) {
		t.Errorf("the service did not say what the torn ledger lost:\n%s", serveLog.String())
	}
	u := shelfURL(t, demoOut.String())
	if v := scanVerdict(t, base+u[strings.Index(u, "/01/"):]); v != "genuine" {
		t.Errorf("a shelf bottle scanned after the tear: %s, want genuine", v)
	}
	waitAnchored(t, filepath.Join(data, "agritrace.db"))
	stop()

	if out, err := restore(backupOf(t, data, t.TempDir()), filepath.Join(t.TempDir(), "data")); err != nil || strings.Contains(out, "pending") || strings.Contains(out, "missing") {
		t.Errorf("every chain should verify after the records were anchored again: %v\n%s", err, out)
	}
}

// waitAnchored polls the store at path until its outbox is empty.
func waitAnchored(t *testing.T, path string) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for range 400 {
		n, err := st.PendingAnchorCount(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the outbox never emptied")
}
