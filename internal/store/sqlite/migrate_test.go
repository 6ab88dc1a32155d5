package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
)

// TestUpgradeDataDirectory opens a copy of testdata/v0.db, made by the store
// as it was before migrations were numbered (an org with a key, a lot with two
// events, one anchored, and a scan): it is upgraded in place and reads back.
func TestUpgradeDataDirectory(t *testing.T) {
	old, err := os.ReadFile("testdata/v0.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "agritrace.db")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	s := open(t, path)
	var v int
	if err := s.DB().QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != sqlite.SchemaVersion {
		t.Errorf("schema version after upgrade = %d (%v), want %d", v, err, sqlite.SchemaVersion)
	}
	if o, err := s.OrgByAPIKey(bg, trace.HashAPIKey("v0-secret")); err != nil || o.ID != "cc" {
		t.Errorf("the old key signs in as %q, %v", o.ID, err)
	}
	lot := trace.LotID("06901234567892", "V0LOT")
	l, err := s.Lot(bg, lot)
	if err != nil || l.Seq != 1 || l.Origin == nil || l.Origin.Village != "桃园村" {
		t.Errorf("Lot = %+v, %v", l, err)
	}
	evs, err := s.Events(bg, lot)
	if err != nil || len(evs) != 2 {
		t.Fatalf("Events = %d, %v", len(evs), err)
	}
	for _, e := range evs {
		if h, err := e.ComputeHash(); err != nil || h != e.Hash {
			t.Errorf("event %d hashes to %s (%v), stored %s", e.Seq, h, err, e.Hash)
		}
	}
	// The EPCIS listing finds the old events by the time and type the upgrade
	// took from their documents.
	page, err := s.EventsPage(bg, trace.EventFilter{Types: []string{evs[1].Type}, From: evs[1].Time, To: evs[1].Time.Add(time.Millisecond)})
	if err != nil || len(page) != 1 || page[0].Hash != evs[1].Hash {
		t.Errorf("EventsPage after upgrade = %+v, %v", page, err)
	}
	as, err := s.Anchors(bg, "event", lot)
	if err != nil || len(as) != 2 || as[0].Status != trace.AnchorAnchored || as[0].TxID != "tx-v0" || as[1].Status != trace.AnchorPending ||
		as[1].Act+as[1].To+as[1].By != "" {
		t.Errorf("Anchors = %+v, %v", as, err)
	}
	scans, err := s.Scans(bg, trace.ScanFilter{Lot: lot, Verdicts: []string{"genuine"}})
	if err != nil || len(scans) != 1 || scans[0].ID != "scan-v0" {
		t.Errorf("Scans = %+v, %v", scans, err)
	}
	// The upgraded file takes new writes.
	if err := s.Commit(bg, commissionChange(t, "V1LOT")); err != nil {
		t.Error(err)
	}
}

// TestNewerDatabaseRefused: a database a newer binary has migrated further is
// refused with both versions named, and left as it was.
func TestNewerDatabaseRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agritrace.db")
	open(t, path).Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	newer := sqlite.SchemaVersion + 1
	_, err = db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, newer))
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Open(bg, path)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema version %d, newer than this agritrace's %d", newer, sqlite.SchemaVersion)) {
		t.Errorf("opening a newer database: %v", err)
	}
}
