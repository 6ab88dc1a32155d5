package embedded

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"

	"github.com/agritrace/agritrace/chain/custody"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// The index is a SQLite file beside the log that maps (kind, key, seq) to a
// record and its block, so that neither validation nor Chain needs the
// records in memory. It also keeps the checkpoint: the last block it holds,
// with its hash and where its line lies in the log. Index and checkpoint
// change in one transaction, so they always agree. The index is derived from
// the log and never trusted over it: it is written after the block is synced
// to the log, without syncing itself, and anything missing from it is read
// again from the log when the ledger is opened.
const indexSchema = `
CREATE TABLE IF NOT EXISTS checkpoint (
	id INTEGER PRIMARY KEY CHECK (id = 1), first INTEGER NOT NULL, number INTEGER NOT NULL,
	hash TEXT NOT NULL, offset INTEGER NOT NULL, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, tx_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
	kind TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, hash BLOB NOT NULL, prev_hash BLOB NOT NULL,
	block INTEGER NOT NULL, PRIMARY KEY (kind, key, seq)) WITHOUT ROWID;
`

// checkpoint says that the blocks up to Number were verified and indexed;
// Number's line is the Size bytes at Offset in the log, and First is the
// log's first block number (0 for logs begun before blocks counted from 1).
type checkpoint struct {
	First, Number uint64
	Hash          string
	Offset, Size  int64
}

type index struct {
	db *sql.DB
	// Prepared once: parsing the SQL cost more than running it.
	getEntry, getEntries, addRecord *sql.Stmt
}

// openIndex opens the index at path, starting it afresh when the file is
// not a usable index: it can always be rebuilt from the log.
func openIndex(path string) (*index, error) {
	x, err := tryIndex(path)
	if err == nil {
		return x, nil
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("index %s: %w", path, err)
		}
	}
	return tryIndex(path)
}

func tryIndex(path string) (*index, error) {
	q := url.Values{}
	// No sync of its own: the log is the durable record, and an index that
	// lost its last transactions is caught up from the log on open.
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	// SQLite gives the -wal and -shm files the mode of the database file:
	// creating it owner-only first keeps all three so.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", path, err)
	}
	f.Close()
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", path, err)
	}
	// One connection: the ledger's mutex orders every use of it.
	db.SetMaxOpenConns(1)
	x := &index{db: db}
	if _, err := db.Exec(indexSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("index %s: %w", path, err)
	}
	if _, err := x.checkpoint(db); err != nil {
		db.Close()
		return nil, err
	}
	var err1, err2, err3 error
	x.getEntry, err1 = db.Prepare(entryColumns + ` WHERE r.kind = ? AND r.key = ? AND r.seq = ?`)
	x.getEntries, err3 = db.Prepare(`WITH ids AS (SELECT json_extract(value, '$[0]') AS kind, json_extract(value, '$[1]') AS key,
		json_extract(value, '$[2]') AS seq FROM json_each(?))
		SELECT r.kind, r.key, r.seq, r.hash, r.prev_hash, r.block, b.tx_id FROM ids
		JOIN records r ON r.kind = ids.kind AND r.key = ids.key AND r.seq = ids.seq JOIN blocks b ON b.number = r.block`)
	x.addRecord, err2 = db.Prepare(`INSERT INTO records (kind, key, seq, hash, prev_hash, block) VALUES (?, ?, ?, ?, ?, ?)`)
	if err := errors.Join(err1, err2, err3); err != nil {
		db.Close()
		return nil, fmt.Errorf("index %s: %w", path, err)
	}
	return x, nil
}

type querier interface {
	QueryRow(query string, args ...any) *sql.Row
}

// checkpoint returns the index's checkpoint, or nil when it holds no block.
func (x *index) checkpoint(q querier) (*checkpoint, error) {
	var c checkpoint
	err := q.QueryRow(`SELECT first, number, hash, offset, size FROM checkpoint WHERE id = 1`).Scan(&c.First, &c.Number, &c.Hash, &c.Offset, &c.Size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("index: read checkpoint: %w", err)
	}
	return &c, nil
}

// reset empties the index, before it is rebuilt from the whole log.
func (x *index) reset(tx *sql.Tx) error {
	for _, table := range []string{"checkpoint", "blocks", "records"} {
		if _, err := tx.Exec(`DELETE FROM ` + table); err != nil {
			return fmt.Errorf("index: empty %s: %w", table, err)
		}
	}
	return nil
}

// add records a block and moves the checkpoint to it.
func (x *index) add(tx *sql.Tx, b Block, at checkpoint) error {
	if _, err := tx.Exec(`INSERT INTO blocks (number, tx_id) VALUES (?, ?)`, b.Number, b.TxID); err != nil {
		return fmt.Errorf("index: block %d: %w", b.Number, err)
	}
	insert := tx.Stmt(x.addRecord)
	defer insert.Close()
	for _, r := range b.Records {
		h, err1 := hex.DecodeString(r.Hash)
		p, err2 := hex.DecodeString(r.PrevHash)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("index: block %d: %s/%s seq %d: %w", b.Number, r.Kind, r.Key, r.Seq, err)
		}
		if _, err := insert.Exec(r.Kind, r.Key, r.Seq, h, p, b.Number); err != nil {
			return fmt.Errorf("index: block %d: %s/%s seq %d: %w", b.Number, r.Kind, r.Key, r.Seq, err)
		}
	}
	_, err := tx.Exec(`INSERT OR REPLACE INTO checkpoint (id, first, number, hash, offset, size) VALUES (1, ?, ?, ?, ?, ?)`,
		at.First, at.Number, at.Hash, at.Offset, at.Size)
	if err != nil {
		return fmt.Errorf("index: checkpoint at block %d: %w", b.Number, err)
	}
	return nil
}

const entryColumns = `SELECT r.kind, r.key, r.seq, r.hash, r.prev_hash, r.block, b.tx_id FROM records r JOIN blocks b ON b.number = r.block`

// get returns one entry, or nil when the index has none; tx is the write
// under way, if any, whose own records it must see.
func (x *index) get(tx *sql.Tx, kind, key string, seq uint64) (*custody.Entry, error) {
	stmt := x.getEntry
	if tx != nil {
		stmt = tx.Stmt(stmt)
		defer stmt.Close()
	}
	rows, err := stmt.Query(kind, key, seq)
	if err != nil {
		return nil, fmt.Errorf("index: read %s/%s seq %d: %w", kind, key, seq, err)
	}
	es, err := scanEntries(rows)
	if err != nil || len(es) == 0 {
		return nil, err
	}
	return &es[0], nil
}

// chain returns a chain's entries ordered by seq.
func (x *index) chain(kind, key string) ([]custody.Entry, error) {
	rows, err := x.db.Query(entryColumns+` WHERE r.kind = ? AND r.key = ? ORDER BY r.seq`, kind, key)
	if err != nil {
		return nil, fmt.Errorf("index: read chain %s/%s: %w", kind, key, err)
	}
	return scanEntries(rows)
}

func scanEntries(rows *sql.Rows) ([]custody.Entry, error) {
	defer rows.Close()
	out := []custody.Entry{}
	for rows.Next() {
		var e custody.Entry
		var h, p []byte
		if err := rows.Scan(&e.Kind, &e.Key, &e.Seq, &h, &p, &e.Block, &e.TxID); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		e.Hash, e.PrevHash, e.Org = hex.EncodeToString(h), hex.EncodeToString(p), Org
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	return out, nil
}

// begin starts a write to the index.
func (x *index) begin() (*sql.Tx, error) {
	tx, err := x.db.BeginTx(context.Background(), nil)
	if err != nil {
		return nil, fmt.Errorf("index: begin: %w", err)
	}
	return tx, nil
}

func (x *index) close() error { return x.db.Close() }
