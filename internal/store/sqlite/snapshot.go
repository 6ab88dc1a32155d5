package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// Snapshot writes a transactionally consistent copy of the database at path
// to dest, which must not exist, while other processes keep writing to it:
// VACUUM INTO reads the database in one read transaction, so the copy holds
// exactly the transactions committed before it began, and in WAL mode it
// blocks no writer. The copy is synced before Snapshot returns.
func Snapshot(ctx context.Context, path, dest string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("sqlite: snapshot: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(path, "busy_timeout(10000)"))
	if err != nil {
		return fmt.Errorf("sqlite: snapshot %s: %w", path, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("sqlite: snapshot %s into %s: %w", path, dest, err)
	}
	f, err := os.Open(dest)
	if err != nil {
		return fmt.Errorf("sqlite: snapshot: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sqlite: snapshot: sync %s: %w", dest, err)
	}
	return nil
}
