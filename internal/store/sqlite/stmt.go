package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// Statements that run on every scan, ingest or authentication are prepared
// once at Open: parsing SQL was a tenth of a scan's CPU. A query or write whose
// text is listed here runs prepared wherever it is issued through s.read or
// s.exec; any other text still works, parsed each time.
const (
	qLot           = `SELECT doc FROM lots WHERE id = ?`
	qUnit          = `SELECT doc FROM units WHERE serial = ?`
	qUnits         = `SELECT doc FROM units WHERE lot = ? ORDER BY serial`
	qEvents        = `SELECT doc FROM events WHERE lot = ? ORDER BY seq`
	qOrg           = `SELECT doc FROM orgs WHERE id = ?`
	qOrgByKey      = `SELECT k.doc, o.doc FROM api_keys k JOIN orgs o ON o.id = k.org WHERE k.hash = ?`
	qProduct       = `SELECT doc FROM products WHERE gtin = ?`
	qLicences      = `SELECT doc FROM licence_entries WHERE gtin = ? ORDER BY seq`
	qPrefixes      = `SELECT doc FROM prefixes ORDER BY prefix`
	qAnchors       = `SELECT kind, key, seq, hash, prev_hash, act, to_org, by_org, from_chains, status, ledger, tx_id, block, error, anchored_at FROM anchors WHERE kind = ? AND key = ? ORDER BY seq`
	qScansBySerial = `SELECT doc FROM scans WHERE serial = ? ORDER BY time DESC LIMIT ?`
	qReplay        = `SELECT doc FROM replays WHERE scope = ? AND key = ?`
	qSession       = `SELECT doc FROM sessions WHERE hash = ?`
	qSummary       = `SELECT doc FROM scan_summaries WHERE serial = ?`

	wInsertLot    = `INSERT INTO lots (id, gtin, custodian, status, seq, doc) VALUES (?, ?, ?, ?, ?, ?)`
	wUpdateLot    = `UPDATE lots SET custodian = ?, status = ?, seq = ?, doc = ? WHERE id = ? AND seq = ?`
	wLinkParent   = `INSERT OR IGNORE INTO lot_parents (lot, parent) VALUES (?, ?)`
	wInsertEvent  = `INSERT INTO events (lot, seq, doc, ms, type) VALUES (?, ?, ?, ?, ?)`
	wInsertUnit   = `INSERT INTO units (serial, lot, status, doc) VALUES (?, ?, ?, ?)`
	wUpdateUnit   = `UPDATE units SET status = ?, doc = ? WHERE serial = ? AND status = ?`
	wInsertAnchor = `INSERT INTO anchors (kind, key, seq, hash, prev_hash, act, to_org, by_org, from_chains, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// One statement settles a whole batch, given as a JSON array of
	// [status, ledger, tx_id, block, error, anchored_at, kind, key, seq].
	wSettleAnchor = `UPDATE anchors SET status = json_extract(j.value, '$[0]'), ledger = json_extract(j.value, '$[1]'),
		tx_id = json_extract(j.value, '$[2]'), block = json_extract(j.value, '$[3]'), error = json_extract(j.value, '$[4]'),
		anchored_at = json_extract(j.value, '$[5]') FROM json_each(?) AS j
		WHERE anchors.kind = json_extract(j.value, '$[6]') AND anchors.key = json_extract(j.value, '$[7]') AND anchors.seq = json_extract(j.value, '$[8]')`
	wInsertScan   = `INSERT OR IGNORE INTO scans (id, serial, lot, time, verdict, doc) VALUES (?, ?, ?, ?, ?, ?)`
	wPutSummary   = `INSERT OR REPLACE INTO scan_summaries (serial, doc) VALUES (?, ?)`
	wPurgeReplays = `DELETE FROM replays WHERE expires <= ?`
	wInsertReplay = `INSERT INTO replays (scope, key, expires, doc) VALUES (?, ?, ?, ?)`
	wUpdateSess   = `UPDATE sessions SET doc = ? WHERE hash = ?`
)

var (
	hotReads  = []string{qLot, qUnit, qUnits, qEvents, qOrg, qOrgByKey, qProduct, qLicences, qPrefixes, qAnchors, qScansBySerial, qReplay, qSession, qSummary}
	hotWrites = []string{wInsertLot, wUpdateLot, wLinkParent, wInsertEvent, wInsertUnit, wUpdateUnit, wInsertAnchor, wSettleAnchor, wInsertScan, wPutSummary, wPurgeReplays, wInsertReplay, wUpdateSess}
)

func (s *Store) prepare(ctx context.Context) error {
	s.read = reader{db: s.db, stmts: map[string]*sql.Stmt{}}
	s.writes = map[string]*sql.Stmt{}
	for _, q := range hotReads {
		st, err := s.db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		s.read.stmts[q] = st
	}
	for _, q := range hotWrites {
		st, err := s.wdb.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		s.writes[q] = st
	}
	return nil
}

// reader runs queries on the reader pool.
type reader struct {
	db    *sql.DB
	stmts map[string]*sql.Stmt
}

func (r reader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := r.stmts[query]; st != nil {
		return st.QueryContext(ctx, args...)
	}
	return r.db.QueryContext(ctx, query, args...)
}

func (r reader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := r.stmts[query]; st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return r.db.QueryRowContext(ctx, query, args...)
}

// exec runs a write inside the writer's transaction, prepared when listed.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := s.writes[query]; st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// write runs one statement as a write of its own, through the writer.
// insert writes one new row, answering taken when the row's key is already
// there and wrapping any other failure as "sqlite: create what".
func (s *Store) insert(ctx context.Context, taken error, what, query string, args ...any) error {
	_, err := s.write(ctx, query, args...)
	if isUnique(err) {
		return taken
	}
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", what, err)
	}
	return nil
}

func (s *Store) write(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = s.exec(ctx, tx, query, args...)
		return err
	})
	return res, err
}
