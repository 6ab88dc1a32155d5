package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migration is one step of the schema's history.
type migration struct {
	name string
	up   func(ctx context.Context, tx *sql.Tx) error
}

// migrations are applied in order, each in its own transaction; the database
// records how many it has had in PRAGMA user_version (0 for a database made
// before steps were numbered, whose tables step 1 finds already there).
// Changing the schema is one line appended here, e.g.
// {"scan summaries", execSQL(`CREATE TABLE ...`)}; a step that has shipped is
// never edited or reordered, because databases out there have run it.
var migrations = []migration{
	{"tables of the first release", execSQL(schema)},
	{"scan verdicts", scanVerdicts},
	{"scan summaries", scanSummaries},
	{"event times and captured EPCIS events", epcisEvents},
	{"ledger claim and rate-limit hits", execSQL(fleetTables)},
	{"shared label keyrings", execSQL(`CREATE TABLE label_keyrings (version INTEGER PRIMARY KEY, sealed BLOB NOT NULL, created TEXT NOT NULL)`)},
	// The outbox hands out pending records chain by chain in seq order.
	{"outbox chains", execSQL(`CREATE INDEX IF NOT EXISTS anchors_chain ON anchors (status, kind, key, seq)`)},
	// What each outbox record does to custody, which ledger organization
	// signs it and what a chain's first record was made from
	// (custody.Record Act, To, By, From as a JSON array); older records have
	// none of them.
	{"outbox record writers", execSQL(`ALTER TABLE anchors ADD COLUMN act TEXT NOT NULL DEFAULT '';
ALTER TABLE anchors ADD COLUMN to_org TEXT NOT NULL DEFAULT '';
ALTER TABLE anchors ADD COLUMN by_org TEXT NOT NULL DEFAULT '';
ALTER TABLE anchors ADD COLUMN from_chains TEXT NOT NULL DEFAULT ''`)},
}

func execSQL(stmts string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, stmts)
		return err
	}
}

// scanVerdicts gives scans a verdict column, so regulators' alerts are found
// by index instead of by filtering recent scans; older rows get theirs from
// the stored document. Databases made after the column joined the first
// step's table already have it.
func scanVerdicts(ctx context.Context, tx *sql.Tx) error {
	var has int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('scans') WHERE name = 'verdict'`).Scan(&has); err != nil {
		return err
	}
	if has == 0 {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE scans ADD COLUMN verdict TEXT NOT NULL DEFAULT ''`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scans SET verdict = coalesce(json_extract(doc, '$.verdict'), '')`); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS scans_verdict ON scans (verdict, time)`)
	return err
}

// migrate brings the database at path up to this binary's schema, or refuses
// one that a newer binary has moved past: this one would not know its tables.
// Each step re-reads the version inside its (immediate) transaction, so two
// processes opening the same old file (serve and admin) run it once.
func migrate(ctx context.Context, db *sql.DB, path string) error {
	for {
		done, err := migrateOne(ctx, db, path)
		if err != nil || done {
			return err
		}
	}
}

func migrateOne(ctx context.Context, db *sql.DB, path string) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: upgrade %s: %w", path, err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return false, fmt.Errorf("sqlite: schema version of %s: %w", path, err)
	}
	switch {
	case v > len(migrations):
		return false, fmt.Errorf("sqlite: %s has schema version %d, newer than this agritrace's %d: it was written by a newer agritrace, which must be used to open it",
			path, v, len(migrations))
	case v == len(migrations):
		return true, nil
	}
	m := migrations[v]
	if err := m.up(ctx, tx); err != nil {
		return false, fmt.Errorf("sqlite: upgrade %s to version %d (%s): %w", path, v+1, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v+1)); err != nil {
		return false, fmt.Errorf("sqlite: record version %d in %s: %w", v+1, path, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: upgrade %s to version %d (%s): %w", path, v+1, m.name, err)
	}
	return false, nil
}
