// Package sqlite is the embedded default store: one SQLite file, pure Go
// (modernc.org/sqlite), WAL mode with full fsync so an acknowledged write
// survives a crash. Domain objects are kept as JSON documents beside the
// columns that index them.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"

	"github.com/agritrace/agritrace/internal/trace"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store implements trace.Store on SQLite.
type Store struct {
	// db is the pool of read-only connections every read uses; writes go
	// through s.tx to the one writer.
	db *sql.DB
	// wdb holds the single write connection, which the writer borrows per batch.
	wdb *sql.DB
	w   *writer
	// read answers queries from db, prepared when their text is known.
	read reader
	// writes are the hot write statements, prepared once on the write connection.
	writes map[string]*sql.Stmt
	outbox outbox
}

var _ trace.Store = (*Store)(nil)

const schema = `
CREATE TABLE IF NOT EXISTS orgs (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, org TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (gtin TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lots (
	id TEXT PRIMARY KEY, gtin TEXT NOT NULL, custodian TEXT NOT NULL, status TEXT NOT NULL,
	seq INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS lots_custodian ON lots (custodian);
CREATE INDEX IF NOT EXISTS lots_gtin ON lots (gtin);
CREATE TABLE IF NOT EXISTS lot_parents (lot TEXT NOT NULL, parent TEXT NOT NULL, PRIMARY KEY (parent, lot));
CREATE TABLE IF NOT EXISTS events (lot TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (lot, seq));
CREATE TABLE IF NOT EXISTS units (serial TEXT PRIMARY KEY, lot TEXT NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS units_lot ON units (lot);
CREATE TABLE IF NOT EXISTS anchors (
	id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,
	hash TEXT NOT NULL, prev_hash TEXT NOT NULL, status TEXT NOT NULL, ledger TEXT NOT NULL DEFAULT '',
	tx_id TEXT NOT NULL DEFAULT '', block INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '',
	anchored_at TEXT NOT NULL DEFAULT '', UNIQUE (kind, key, seq));
CREATE INDEX IF NOT EXISTS anchors_status ON anchors (status, id);
CREATE TABLE IF NOT EXISTS scans (
	id TEXT PRIMARY KEY, serial TEXT NOT NULL, lot TEXT NOT NULL, time TEXT NOT NULL, doc TEXT NOT NULL,
	verdict TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS scans_serial ON scans (serial, time);
CREATE INDEX IF NOT EXISTS scans_lot ON scans (lot, time);
CREATE INDEX IF NOT EXISTS scans_time ON scans (time);
CREATE TABLE IF NOT EXISTS complaints (
	id TEXT PRIMARY KEY, status TEXT NOT NULL, lot TEXT NOT NULL, serial TEXT NOT NULL,
	created TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS complaints_status ON complaints (status, created);
CREATE INDEX IF NOT EXISTS complaints_lot ON complaints (lot);
CREATE INDEX IF NOT EXISTS complaints_serial ON complaints (serial);
CREATE TABLE IF NOT EXISTS complaint_entries (complaint TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (complaint, seq));
CREATE TABLE IF NOT EXISTS evidence (hash TEXT PRIMARY KEY, content_type TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS prefixes (prefix TEXT PRIMARY KEY, org TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS licence_entries (gtin TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (gtin, seq));
CREATE TABLE IF NOT EXISTS replays (scope TEXT NOT NULL, key TEXT NOT NULL, expires TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (scope, key));
CREATE INDEX IF NOT EXISTS replays_expires ON replays (expires);
CREATE TABLE IF NOT EXISTS users (login TEXT PRIMARY KEY, org TEXT NOT NULL, password_hash TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS users_org ON users (org);
CREATE TABLE IF NOT EXISTS sessions (hash TEXT PRIMARY KEY, user TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user);
`

// Open opens or creates the database file at path, upgrading its schema.
func Open(ctx context.Context, path string) (*Store, error) {
	// Complaints, photos and key hashes are nobody else's business: a new
	// database is created owner-only, and SQLite gives its -wal and -shm
	// files the database file's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	f.Close()
	wdb, err := sql.Open("sqlite", dsn(path, "journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// One connection: SQLite writes one at a time, and a second writing
	// connection in this process would only wait in the busy handler. The
	// busy timeout stays for other processes (admin) on the same file.
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	if err := migrate(ctx, wdb, path); err != nil {
		wdb.Close()
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(path, "busy_timeout(10000)", "query_only(1)"))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// Readers are kept open: opening a connection costs more than most reads.
	n := max(4, 2*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	s := &Store{db: db, wdb: wdb}
	if err := s.prepare(ctx); err != nil {
		db.Close()
		wdb.Close()
		return nil, fmt.Errorf("sqlite: prepare statements for %s: %w", path, err)
	}
	s.w = newWriter(wdb)
	return s, nil
}

func dsn(path string, pragmas ...string) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// DB exposes a handle that may write, for tests that tamper with rows behind
// the service's back; it shares the write connection with the writer.
func (s *Store) DB() *sql.DB { return s.wdb }

// Close finishes the batch being written and closes the database.
func (s *Store) Close() error {
	s.w.close()
	return errors.Join(s.db.Close(), s.wdb.Close())
}

// Ping reports whether the database answers, for readiness checks.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// getDoc reads one JSON document into v, or returns ENOTFOUND naming what.
func getDoc(ctx context.Context, q querier, v any, what, query string, args ...any) error {
	var doc string
	err := q.QueryRowContext(ctx, query, args...).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return trace.Errorf(trace.ENOTFOUND, "%s not found", what)
	}
	if err != nil {
		return fmt.Errorf("sqlite: get %s: %w", what, err)
	}
	if err := json.Unmarshal([]byte(doc), v); err != nil {
		return fmt.Errorf("sqlite: decode %s: %w", what, err)
	}
	return nil
}

// listDocs reads every JSON document a query returns.
func listDocs[T any](ctx context.Context, q querier, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: query: %w", err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("sqlite: scan: %w", err)
		}
		var v T
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return nil, fmt.Errorf("sqlite: decode: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: rows: %w", err)
	}
	return out, nil
}

// sortable is the form of times in columns that queries order by: fixed
// width, so text order is time order (RFC 3339 with trailing zeros trimmed
// puts "00.5Z" before "00Z").
const sortable = "2006-01-02T15:04:05.000000000Z"

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sqlite: encode %T: %v", v, err)) // domain types always encode
	}
	return string(b)
}

// isBusy reports SQLITE_BUSY or SQLITE_LOCKED (with their extended codes):
// another connection, such as "agritrace admin" on the same file, held the
// lock past the busy timeout.
func isBusy(err error) bool {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		primary := coded.Code() & 0xff
		return primary == 5 || primary == 6
	}
	return false
}

// isUnique reports a UNIQUE or PRIMARY KEY violation.
// errFull answers a write that found the disk (or the database's size cap)
// full: its transaction rolled back whole, and reads go on.
var errFull = trace.Errorf(trace.EFULL, "the store's disk is full: nothing was written; reads still work, and the write may be retried once space is freed")

// isFull reports SQLITE_FULL (13), in any of its extended forms.
func isFull(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code()&0xff == 13
}

func isUnique(err error) bool {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		// SQLITE_CONSTRAINT_PRIMARYKEY (1555) and SQLITE_CONSTRAINT_UNIQUE (2067)
		return coded.Code() == 1555 || coded.Code() == 2067
	}
	return false
}
