package labelprint_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/labelprint"
	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
)

func service(t *testing.T) *trace.Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "agritrace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return trace.NewService(st, label.NewKeyring())
}

func write(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestOpenAfterStop: a run the service was rendering when it stopped is
// reported failed, not left running for ever, and a finished run past its
// time is deleted with its PDF.
func TestOpenAfterStop(t *testing.T) {
	svc := service(t)
	dir := t.TempDir()
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	mill := trace.Org{ID: "gufu-mill"}
	write(t, filepath.Join(dir, "cut.json"), labelprint.Run{ID: "cut", Org: mill.ID, Status: labelprint.Running, Total: 10, CreatedAt: now.Add(-time.Minute)})
	write(t, filepath.Join(dir, "old.json"), labelprint.Run{ID: "old", Org: mill.ID, Status: labelprint.Done, ExpiresAt: now.Add(-time.Second)})
	write(t, filepath.Join(dir, "kept.json"), labelprint.Run{ID: "kept", Org: mill.ID, Status: labelprint.Done, ExpiresAt: now.Add(time.Hour)})
	for _, id := range []string{"old", "kept"} {
		if err := os.WriteFile(filepath.Join(dir, id+".pdf"), []byte("%PDF-"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p, err := labelprint.Open(svc, labelprint.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	cut, err := p.Get(mill, "cut")
	if err != nil || cut.Status != labelprint.Failed || !strings.Contains(cut.Error, "stopped") || cut.ExpiresAt.IsZero() {
		t.Errorf("interrupted run = %+v, %v; want failed, saying the service stopped, and expiring", cut, err)
	}
	if _, err := p.Get(mill, "old"); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Errorf("expired run: err = %v, want not found", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "old.pdf")); !os.IsNotExist(err) {
		t.Errorf("the PDF of the expired run is still there: %v", err)
	}
	if _, err := p.Get(mill, "kept"); err != nil {
		t.Errorf("unexpired run: %v", err)
	}
	if _, err := p.Get(trace.Org{ID: "zhaojun-shop"}, "kept"); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Errorf("another organization's run: err = %v, want not found", err)
	}
	// Reopened, the failure was saved.
	p, err = labelprint.Open(svc, labelprint.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := p.Get(mill, "cut"); again.Status != labelprint.Failed || again.Error != cut.Error {
		t.Errorf("reopened: %+v, want %+v", again, cut)
	}
}
