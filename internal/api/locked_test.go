package api_test

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// TestLockedDatabaseIs503: while another process (here another connection
// to the same file, as "agritrace admin" would open) holds SQLite's write
// lock past the busy timeout, a write is answered 503 with Retry-After and
// leaves nothing behind; sent again once the lock is gone, it succeeds.
func TestLockedDatabaseIs503(t *testing.T) {
	dir := t.TempDir()
	e := start(t, func(o *options) { o.dir = dir })
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(0)")
	other, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "agritrace.db")+"?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	ctx := context.Background()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}

	reg := e.as(demo.Regulator)
	in := trace.FileInput{Lot: "L", Kind: "other", Description: "锁住的时候"}
	err = reg.Do(bg, "POST", "/api/v1/complaints", in, nil)
	var ae *demo.APIError
	if !asAPIError(err, &ae) || ae.Status != 503 || ae.Code != trace.EUNAVAILABLE {
		t.Fatalf("a write while the database is locked: %v, want 503 %s", err, trace.EUNAVAILABLE)
	}

	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := reg.Do(bg, "POST", "/api/v1/complaints", in, nil); err != nil {
		t.Fatalf("the same write once the lock is gone: %v", err)
	}
	var list struct{ Complaints []trace.Complaint }
	if err := reg.Do(bg, "GET", "/api/v1/complaints", nil, &list); err != nil || len(list.Complaints) != 1 {
		t.Errorf("complaints after one refused and one accepted write: %d, %v", len(list.Complaints), err)
	}
}
