package embedded_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/embedded"
)

// TestRecordsKeepTheirWriters: records saying what they do to custody and
// who signs them are taken like any other; the log keeps those fields with
// the record, under its block hash, so the ledger opens again and its
// chains read back. The embedded ledger has one writer and enforces none of
// them.
func TestRecordsKeepTheirWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.log")
	l, err := embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	recs := []custody.Record{
		{Kind: custody.KindEvent, Key: "L1", Hash: h('a'), By: "CollectorMSP"},
		{Kind: custody.KindEvent, Key: "L1", Seq: 1, Hash: h('b'), PrevHash: h('a'), Act: custody.ActShip, To: "ProcessorMSP", By: "CollectorMSP"},
		{Kind: custody.KindEvent, Key: "L1", Seq: 2, Hash: h('c'), PrevHash: h('b'), Act: custody.ActReceive, By: "ProcessorMSP"},
	}
	if _, err := l.Anchor(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"act":"ship","to":"ProcessorMSP","by":"CollectorMSP"`; !strings.Contains(string(log), want) {
		t.Errorf("the log does not hold %s:\n%s", want, log)
	}
	again := open(t, path)
	chain, err := again.Chain(ctx, custody.KindEvent, "L1")
	if err != nil || len(chain) != 3 || chain[2].Hash != h('c') {
		t.Fatalf("Chain after reopening = %+v, %v", chain, err)
	}
	if _, err := again.Anchor(ctx, recs[1:]); err != nil {
		t.Errorf("sending the records again: %v", err)
	}
}
