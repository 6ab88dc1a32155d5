package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/store/storetest"
	"github.com/agritrace/agritrace/internal/trace"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) trace.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "agritrace.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestOlderDatabase opens a file made before scans had a verdict column and
// before labels had scan summaries: it is upgraded in place, the alerts among
// its scans are found and its labels are summarized.
func TestOlderDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agritrace.db")
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = old.Exec(`CREATE TABLE scans (id TEXT PRIMARY KEY, serial TEXT NOT NULL, lot TEXT NOT NULL, time TEXT NOT NULL, doc TEXT NOT NULL);
		INSERT INTO scans VALUES ('old-0', 'S1', 'L1', '2026-06-01T08:00:00.000000000Z', '{"id":"old-0","serial":"S1","lot":"L1","verdict":"genuine"}');
		INSERT INTO scans VALUES ('old-1', 'S1', 'L1', '2026-06-01T08:01:00.000000000Z', '{"id":"old-1","serial":"S1","lot":"L1","verdict":"suspicious"}');`)
	old.Close()
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second open finds the upgrade done
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Scans(context.Background(), trace.ScanFilter{Verdicts: []string{"suspicious"}})
		if err != nil || len(got) != 1 || got[0].ID != "old-1" {
			t.Errorf("alerts among older scans = %+v, %v", got, err)
		}
		// The older scans are summarized too, each counting as its own scanner.
		sum, err := s.ScanSummary(context.Background(), "S1")
		s.Close()
		if err != nil || len(sum.Scanners) != 2 {
			t.Errorf("summary of older scans = %+v, %v", sum, err)
		}
	}
}
