package api_test

import (
	"strconv"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// TestDiskFull fills the store: SQLite's max_page_count caps the database at
// its present size, and SQLite then fails writes with SQLITE_FULL ("database
// or disk is full"), the error a full disk gives. Writes are refused with
// 507 and storage_full, reads go on, what was acknowledged before is intact,
// and writing works again once there is room.
func TestDiskFull(t *testing.T) {
	e := start(t)
	st := e.story(t)
	var pages int
	if err := e.Store.DB().QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.DB().Exec(`PRAGMA max_page_count = ` + strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	lot := func(n string) trace.CommissionInput {
		return trace.CommissionInput{GTIN: demo.Seed, Lot: n, Quantity: 1_000_000, Origin: &trace.Origin{Region: "420526101201", Village: "桃园村"}}
	}
	expect(t, e.as(demo.Collector), "POST", "/api/v1/lots", lot("FULL1"), 507, trace.EFULL, "")
	expect(t, e.as(demo.Collector), "GET", "/api/v1/lots/"+demo.Seed+".FULL1", nil, 404, trace.ENOTFOUND, "")
	if v, _ := verdict(t, e, st.SeedLots[0]); v != "verified" {
		t.Errorf("a lot written before the disk filled: %s, want verified", v)
	}
	var shelf struct{ Verdict string }
	if err := e.as("").Do(bg, "GET", st.ShelfURL[len(e.URL):], nil, &shelf); err != nil || shelf.Verdict != "genuine" {
		t.Errorf("scan while the disk is full: %q, %v; want genuine", shelf.Verdict, err)
	}

	if _, err := e.Store.DB().Exec(`PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	expect(t, e.as(demo.Collector), "POST", "/api/v1/lots", lot("FULL1"), 201, "", "")
}
