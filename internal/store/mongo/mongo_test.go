package mongo_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/agritrace/agritrace/internal/store/mongo"
	"github.com/agritrace/agritrace/internal/store/storetest"
	"github.com/agritrace/agritrace/internal/trace"
)

// uri is the server every test uses: TEST_MONGODB_URI when given, else an
// embedded FerretDB on the SQLite backend that TestMain starts.
var uri string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if uri = os.Getenv("TEST_MONGODB_URI"); uri != "" {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "ferretdb")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start FerretDB:", err)
		return 1
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	uri = f.MongoDBURI()
	code := m.Run()
	stop()
	<-done
	return code
}

var dbs atomic.Int64

// open connects to a fresh database of its own.
func open(t *testing.T) *mongo.Store {
	t.Helper()
	name := fmt.Sprintf("agritrace_%d_%d", os.Getpid(), dbs.Add(1))
	s, err := mongo.Open(context.Background(), uri, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.DropDatabase(context.Background())
		s.Close()
	})
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) trace.Store { return open(t) })
}

func lot(id string) trace.Lot {
	return trace.Lot{ID: id, GTIN: "06901234500110", Number: id, Quantity: 10, Available: 10, BaseUnit: "g", Status: trace.LotActive, Custodian: "cc"}
}

// TestConcurrentCommitsOnOneLot races writers on the same lot version:
// exactly one wins and the losers leave nothing behind.
func TestConcurrentCommitsOnOneLot(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	if err := s.Commit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: lot("L1"), PrevSeq: -1}}}); err != nil {
		t.Fatal(err)
	}
	var wins, conflicts atomic.Int64
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := lot("L1")
			l.Seq, l.Custodian = 1, fmt.Sprintf("writer-%d", i)
			out := lot(fmt.Sprintf("OUT%d", i))
			err := s.Commit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: l, PrevSeq: 0}, {Lot: out, PrevSeq: -1}}})
			switch trace.ErrorCode(err) {
			case "":
				wins.Add(1)
			case trace.ECONFLICT:
				conflicts.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != 5 {
		t.Fatalf("wins %d, conflicts %d; want 1 and 5", wins.Load(), conflicts.Load())
	}
	all, err := s.Lots(ctx, trace.LotFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Errorf("lots after the race: %d, want L1 and the winner's output", len(all))
	}
	got, _ := s.Lot(ctx, "L1")
	if !strings.HasPrefix(got.Custodian, "writer-") || got.Seq != 1 {
		t.Errorf("L1 = %+v", got)
	}
}

// TestOpenRollsBackACrashedChange leaves a change half-applied, as a crash
// would, and expects the next Open to undo it.
func TestOpenRollsBackACrashedChange(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	if err := s.Commit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: lot("L1"), PrevSeq: -1}}}); err != nil {
		t.Fatal(err)
	}
	moved := lot("L1")
	moved.Seq, moved.Custodian = 1, "mill"
	if err := s.CrashMidCommit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: moved, PrevSeq: 0}, {Lot: lot("L2"), PrevSeq: -1}}}, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Lot(ctx, "L1"); got.Custodian != "mill" {
		t.Fatalf("the crashed change was not applied in the first place: %+v", got)
	}
	again, err := mongo.Open(ctx, uri, s.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got, _ := again.Lot(ctx, "L1"); got.Custodian != "cc" || got.Seq != 0 {
		t.Errorf("L1 after recovery = %+v, want it as before the crash", got)
	}
	if _, err := again.Lot(ctx, "L2"); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Errorf("L2 survived recovery: %v", err)
	}
}
