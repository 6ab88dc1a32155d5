package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
)

var bg = context.Background()

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(bg, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestGroupCommit sends many Commits at once while the write connection is
// held, so that they queue and share transactions; lots that two of them
// create are won by exactly one. Every acknowledged write is there after the
// store is reopened, and nothing refused is.
func TestGroupCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agritrace.db")
	s := open(t, path)
	held, err := s.DB().Conn(bg)
	if err != nil {
		t.Fatal(err)
	}
	const writers, lots = 64, 48 // lots 0..15 are created twice
	errs := make([]error, writers)
	var started, done sync.WaitGroup
	for i := range writers {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			errs[i] = s.Commit(bg, commissionChange(t, fmt.Sprint("G", i%lots)))
		}()
	}
	started.Wait()
	time.Sleep(50 * time.Millisecond) // let them queue behind the held connection
	held.Close()
	done.Wait()

	won := map[string]int{}
	for i, err := range errs {
		n := fmt.Sprint("G", i%lots)
		switch {
		case err == nil:
			won[n]++
		case trace.ErrorCode(err) != trace.ECONFLICT:
			t.Errorf("commit %d: %v, want success or ECONFLICT", i, err)
		}
	}
	s.Close()
	s = open(t, path)
	for i := range lots {
		n := fmt.Sprint("G", i)
		if won[n] != 1 {
			t.Errorf("lot %s created by %d commits, want 1", n, won[n])
		}
		id := trace.LotID("06901234567892", n)
		evs, err := s.Events(bg, id)
		anchors, aerr := s.Anchors(bg, "event", id)
		if _, lerr := s.Lot(bg, id); lerr != nil || err != nil || aerr != nil || len(evs) != 1 || len(anchors) != 1 {
			t.Errorf("after reopening, lot %s: %v, %d events (%v), %d anchors (%v)", n, lerr, len(evs), err, len(anchors), aerr)
		}
	}
}

// TestReplaysRaceInOneBatch: of two writes with one idempotency key, one
// records it and the other is told it exists, also when they share a batch.
func TestReplaysRaceInOneBatch(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "agritrace.db"))
	now := time.Now().UTC()
	r := trace.Replay{Scope: "cc", Key: "k1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = s.SaveReplay(bg, r) })
	}
	wg.Wait()
	saved := 0
	for _, err := range errs {
		switch {
		case err == nil:
			saved++
		case !errors.Is(err, trace.ErrReplayExists):
			t.Errorf("SaveReplay: %v", err)
		}
	}
	if saved != 1 {
		t.Errorf("%d writes recorded one idempotency key, want 1", saved)
	}
}

func insertOrg(id string) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO orgs (id, doc) VALUES (?, ?)`, id, `{"id":"`+id+`"}`)
		return err
	}
}

func orgsNamed(t *testing.T, s *sqlite.Store, ids ...string) []string {
	t.Helper()
	var found []string
	for _, id := range ids {
		if _, err := s.Org(bg, id); err == nil {
			found = append(found, id)
		} else if trace.ErrorCode(err) != trace.ENOTFOUND {
			t.Fatal(err)
		}
	}
	return found
}

// TestFailedWriteUndoneAlone: a write that fails inside a batch takes back
// only what it did, and the batch's other writes commit.
func TestFailedWriteUndoneAlone(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "agritrace.db"))
	dup := func(tx *sql.Tx) error {
		if err := insertOrg("half")(tx); err != nil {
			return err
		}
		return insertOrg("a")(tx) // a UNIQUE violation after a write that must vanish
	}
	errs := sqlite.RunBatch(s, []context.Context{bg, bg, bg}, []func(*sql.Tx) error{insertOrg("a"), dup, insertOrg("c")})
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("answers = %v, want only the second to fail", errs)
	}
	if got := orgsNamed(t, s, "a", "half", "c"); strings.Join(got, ",") != "a,c" {
		t.Errorf("after the batch: %v, want a,c", got)
	}
}

// TestCancelledWriteNotRun: a write whose caller gave up before its turn is
// not run, neither inside a batch nor through the store's methods.
func TestCancelledWriteNotRun(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "agritrace.db"))
	gone, cancel := context.WithCancel(bg)
	cancel()
	ran := false
	mark := func(tx *sql.Tx) error { ran = true; return insertOrg("b")(tx) }
	errs := sqlite.RunBatch(s, []context.Context{bg, gone, bg}, []func(*sql.Tx) error{insertOrg("a"), mark, insertOrg("c")})
	if ran || !errors.Is(errs[1], context.Canceled) || errs[0] != nil || errs[2] != nil {
		t.Errorf("ran = %v, answers = %v; want the cancelled one not run", ran, errs)
	}
	if err := s.Commit(gone, commissionChange(t, "GONE")); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit with a cancelled context = %v", err)
	}
	if got := orgsNamed(t, s, "a", "b", "c"); strings.Join(got, ",") != "a,c" {
		t.Errorf("after the batch: %v, want a,c", got)
	}
	if _, err := s.Lot(bg, trace.LotID("06901234567892", "GONE")); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Errorf("lot of a cancelled Commit: %v", err)
	}
}

// TestFailedCommit: when COMMIT itself fails (here a deferred foreign key that
// one write breaks, which SQLite checks only at COMMIT), every write of the
// batch is told so and none of them is visible; the next batch commits.
func TestFailedCommit(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "agritrace.db"))
	_, err := s.DB().Exec(`CREATE TABLE fault_parent (id TEXT PRIMARY KEY);
		CREATE TABLE fault_child (ref TEXT REFERENCES fault_parent (id) DEFERRABLE INITIALLY DEFERRED);
		CREATE TRIGGER fault AFTER INSERT ON orgs WHEN NEW.id = 'poison' BEGIN INSERT INTO fault_child VALUES ('missing'); END;`)
	if err != nil {
		t.Fatal(err)
	}
	errs := sqlite.RunBatch(s, []context.Context{bg, bg, bg}, []func(*sql.Tx) error{insertOrg("a"), insertOrg("poison"), insertOrg("c")})
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "commit") {
			t.Errorf("write %d: %v, want the failed commit", i, err)
		}
	}
	if got := orgsNamed(t, s, "a", "poison", "c"); len(got) != 0 {
		t.Errorf("after a failed commit: %v visible", got)
	}
	if err := s.CreateOrg(bg, trace.Org{ID: "d", Name: "D", Roles: []string{trace.RoleRetailer}, Region: "420526"}); err != nil {
		t.Errorf("write after a failed commit: %v", err)
	}
	if err := s.CreateOrg(bg, trace.Org{ID: "poison"}); err == nil {
		t.Error("a write whose commit fails was acknowledged")
	}
}

// TestInterruptedWrite: a write whose caller gives up while its statement
// runs is interrupted, which can take SQLite's whole transaction with it;
// the batch's other writes are still committed.
func TestInterruptedWrite(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "agritrace.db"))
	ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
	defer cancel()
	slow := func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO orgs (id, doc)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT 'slow' || i, '{}' FROM n`)
		return err
	}
	errs := sqlite.RunBatch(s, []context.Context{bg, bg, bg}, []func(*sql.Tx) error{insertOrg("a"), slow, insertOrg("c")})
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("answers = %v, want only the interrupted one to fail", errs)
	}
	if got := orgsNamed(t, s, "a", "slow1", "c"); strings.Join(got, ",") != "a,c" {
		t.Errorf("after the batch: %v, want a,c", got)
	}
}
