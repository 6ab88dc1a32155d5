package mongo_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/agritrace/agritrace/internal/store/mongo"
	"github.com/agritrace/agritrace/internal/store/mongo/mongotest"
	"github.com/agritrace/agritrace/internal/store/storetest"
	"github.com/agritrace/agritrace/internal/trace"
)

// uri is the server every test uses: TEST_MONGODB_URI when given, else an
// embedded FerretDB on the SQLite backend that TestMain starts once for the
// whole test binary.
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
		// Port 0: the kernel picks a free one, and MongoDBURI reports it.
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

var (
	dbs      atomic.Int64
	unsafeDB = regexp.MustCompile(`[^A-Za-z0-9_]+`)
)

// dbName is a database name no other test uses, readable in a server's list.
func dbName(tb testing.TB) string {
	name := fmt.Sprintf("at%d_%d_%s", os.Getpid(), dbs.Add(1), unsafeDB.ReplaceAllString(tb.Name(), "_"))
	if len(name) > 60 {
		name = name[:60]
	}
	return name
}

// openStore opens a store on a fresh database of its own, dropped when the
// test ends.
func openStore(tb testing.TB) *mongo.Store {
	tb.Helper()
	s, err := mongo.Open(context.Background(), uri, dbName(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.DropDatabase(context.Background())
		s.Close()
	})
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) trace.Store { return openStore(t) })
}

func TestPing(t *testing.T) {
	if err := openStore(t).Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestOlderScansGetVerdicts opens a database whose scans were stored before
// the verdict had a field of its own: the alerts among them are still found.
func TestOlderScansGetVerdicts(t *testing.T) {
	s := openStore(t)
	at := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	for i, v := range []string{"genuine", "suspicious"} {
		sc := trace.Scan{ID: fmt.Sprintf("old-%d", i), Serial: "S1", Lot: "L1", Time: at.Add(time.Duration(i) * time.Minute), Client: "consumer", Verdict: v}
		if err := s.AddScanWithoutVerdict(context.Background(), sc); err != nil {
			t.Fatal(err)
		}
	}
	got, err := reopen(t, s).Scans(context.Background(), trace.ScanFilter{Verdicts: []string{"suspicious"}})
	if err != nil || len(got) != 1 || got[0].ID != "old-1" {
		t.Errorf("alerts among older scans = %+v, %v", got, err)
	}
}

// TestContractPostgreSQL runs the contract once more on FerretDB's
// PostgreSQL backend, the server-backed engine the multi-instance tests
// share, whose behaviour under concurrent writes differs from SQLite's.
func TestContractPostgreSQL(t *testing.T) {
	pg := mongotest.FerretDB(t)
	storetest.Run(t, func(t *testing.T) trace.Store {
		s, err := mongo.Open(context.Background(), pg, dbName(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			s.DropDatabase(context.Background())
			s.Close()
		})
		return s
	})
}
