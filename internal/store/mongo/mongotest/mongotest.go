// Package mongotest starts, for a test, a MongoDB-protocol server to share:
// an embedded FerretDB 1.24 on its SQLite backend (Embedded), or, for the
// multi-instance tests, one keeping its data in a private PostgreSQL cluster
// (Debian's postgresql package), the server-backed engine a deployment of
// several instances would run (FerretDB). Either is reached with a
// mongodb:// URI.
package mongotest

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// FerretDB 1.24's PostgreSQL backend reads the documents an update or
// delete matches on one pooled connection and, still holding it, takes a
// second for the write's transaction: once as many such writes are in
// flight as its pool has connections, each waits for a second connection
// that none will give back, and every client hangs (seen with three
// instances' anchor workers settling records at once). So its pool is
// sized for at least two connections per operation clients may have in
// flight, and the URI FerretDB returns caps each client's pool.
const (
	// pgPool is FerretDB's pool of PostgreSQL connections (its default is 50).
	pgPool = 190
	// ClientPool is each client's maxPoolSize in the URI FerretDB returns:
	// five clients (three instances, an admin command, a test's own store)
	// need at most 2·5·16 = 160 connections of the pool.
	ClientPool = 16
)

// Embedded starts FerretDB on its SQLite backend in a directory of the
// test's, stopped when the test ends, and returns its mongodb:// URI; with
// TEST_MONGODB_URI set it returns that server instead.
func Embedded(tb testing.TB) string {
	tb.Helper()
	if uri := os.Getenv("TEST_MONGODB_URI"); uri != "" {
		return uri
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + tb.TempDir() + "/",
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatalf("start FerretDB: %v", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	tb.Cleanup(func() { stop(); <-done })
	return f.MongoDBURI()
}

// FerretDB starts FerretDB with its PostgreSQL backend on a cluster of its
// own, both stopped and removed when the test ends, and returns the
// mongodb:// URI to connect to, with each client's pool capped at
// ClientPool connections.
func FerretDB(tb testing.TB) string {
	tb.Helper()
	f, err := ferretdb.New(&ferretdb.Config{
		// Port 0: the kernel picks a free one, and MongoDBURI reports it.
		Listener:      ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:       "postgresql",
		PostgreSQLURL: PostgreSQL(tb) + "&pool_max_conns=" + strconv.Itoa(pgPool),
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		tb.Fatalf("start FerretDB on PostgreSQL: %v", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	// Registered after PostgreSQL's, so run before it: FerretDB lets go of
	// its connections before the cluster stops.
	tb.Cleanup(func() { stop(); <-done })
	return strings.TrimSuffix(f.MongoDBURI(), "/") + "/?maxPoolSize=" + strconv.Itoa(ClientPool)
}

// PostgreSQL starts a private PostgreSQL cluster, stopped and removed when
// the test ends, and returns the URL of its "postgres" database. The cluster
// listens on a unix socket in its own directory and on no TCP port, so
// clusters of parallel tests and other engineers' servers cannot collide.
// Without Debian's postgresql package the test is skipped, or failed in CI,
// where scripts/test.sh installs it.
func PostgreSQL(tb testing.TB) string {
	tb.Helper()
	bin := binDir(tb)
	// initdb refuses to run as root, and CI runs the tests as root: the
	// cluster then belongs to the postgres user the package creates, in a
	// directory of its own that user can reach (a test's TempDir is under
	// a directory only root may enter).
	owner := owner(tb)
	dir, err := os.MkdirTemp("", "agritrace-pg-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if owner != nil {
		uid, _ := strconv.Atoi(owner.Uid)
		gid, _ := strconv.Atoi(owner.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			tb.Fatal(err)
		}
	}
	data, sock := filepath.Join(dir, "data"), dir
	as(tb, owner, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")
	// fsync is off: the tests kill AgriTrace instances, never the database
	// server, so its durability is not what they exercise.
	opts := "-c listen_addresses='' -k " + sock + " -c fsync=off -c max_connections=" + strconv.Itoa(pgPool+20)
	as(tb, owner, filepath.Join(bin, "pg_ctl"), "-D", data, "-l", filepath.Join(dir, "server.log"), "-o", opts, "-w", "-t", "120", "start")
	tb.Cleanup(func() {
		cmd := command(owner, filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop")
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Errorf("stop PostgreSQL: %v\n%s", err, out)
		}
	})
	return "postgres://postgres@/postgres?host=" + url.QueryEscape(sock)
}

// binDir finds the newest PostgreSQL's programs Debian installed.
func binDir(tb testing.TB) string {
	tb.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	var found []string
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			found = append(found, d)
		}
	}
	if len(found) == 0 {
		if os.Getenv("CI") != "" {
			tb.Fatal("PostgreSQL is missing (no /usr/lib/postgresql/*/bin/initdb); scripts/test.sh installs Debian's postgresql")
		}
		tb.Skip("PostgreSQL is missing (scripts/test.sh installs Debian's postgresql)")
	}
	sort.Slice(found, func(i, j int) bool { return version(found[i]) < version(found[j]) })
	return found[len(found)-1]
}

// version is the major version in a /usr/lib/postgresql/N/bin path.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// owner is the user the cluster runs as: postgres when the tests run as
// root, nil (the test's own user) otherwise.
func owner(tb testing.TB) *user.User {
	tb.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		tb.Fatalf("running as root, PostgreSQL needs its own user: %v (Debian's postgresql package creates it)", err)
	}
	return u
}

// as runs a PostgreSQL program as owner and fails the test with its output
// if it fails.
func as(tb testing.TB, owner *user.User, prog string, args ...string) {
	tb.Helper()
	if out, err := command(owner, prog, args...).CombinedOutput(); err != nil {
		tb.Fatalf("%s: %v\n%s", filepath.Base(prog), err, out)
	}
}

func command(owner *user.User, prog string, args ...string) *exec.Cmd {
	if owner == nil {
		return exec.Command(prog, args...)
	}
	return exec.Command("runuser", append([]string{"-u", owner.Username, "--", prog}, args...)...)
}
