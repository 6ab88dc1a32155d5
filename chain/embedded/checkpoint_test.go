package embedded_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/embedded"
)

// hashOf returns a distinct well-formed hash for (key, seq).
func hashOf(key string, seq uint64) string {
	return fmt.Sprintf("%064x", fmt.Sprintf("%s/%d", key, seq))[:64]
}

// grow anchors blocks more blocks to the ledger, each extending chains
// L0..L2 by one record, and returns the records in order.
func grow(t *testing.T, l *embedded.Ledger, from uint64, blocks int) []custody.Record {
	t.Helper()
	var all []custody.Record
	for seq := from; seq < from+uint64(blocks); seq++ {
		var recs []custody.Record
		for c := range 3 {
			key := fmt.Sprintf("L%d", c)
			r := custody.Record{Kind: custody.KindEvent, Key: key, Seq: seq, Hash: hashOf(key, seq)}
			if seq > 0 {
				r.PrevHash = hashOf(key, seq-1)
			}
			recs = append(recs, r)
		}
		if _, err := l.Anchor(ctx, recs); err != nil {
			t.Fatal(err)
		}
		all = append(all, recs...)
	}
	return all
}

// chainOf returns the hashes of a chain as the ledger holds it.
func chainOf(t *testing.T, l *embedded.Ledger, key string) string {
	t.Helper()
	entries, err := l.Chain(ctx, custody.KindEvent, key)
	if err != nil {
		t.Fatal(err)
	}
	var hashes []string
	for _, e := range entries {
		hashes = append(hashes, fmt.Sprintf("%d:%s@%d", e.Seq, e.Hash[:8], e.Block))
	}
	return strings.Join(hashes, " ")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReopenUsesTheCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.log")
	l := open(t, path)
	grow(t, l, 0, 5)
	want := chainOf(t, l, "L1")
	l.Close()

	l = open(t, path)
	if l.Rehashed() != 1 || l.Height() != 5 {
		t.Errorf("reopen re-hashed %d blocks of %d, want only the checkpoint's", l.Rehashed(), l.Height())
	}
	if got := chainOf(t, l, "L1"); got != want {
		t.Errorf("chain after reopen = %s, want %s", got, want)
	}
	// The ledger goes on from the checkpoint, and re-sends keep their receipts.
	grow(t, l, 5, 2)
	again, err := l.Anchor(ctx, []custody.Record{{Kind: custody.KindEvent, Key: "L2", Seq: 1, Hash: hashOf("L2", 1), PrevHash: hashOf("L2", 0)}})
	if err != nil || again[0].Block != 2 {
		t.Errorf("re-send of block 2's record = %+v, %v; want its block 2 receipt", again, err)
	}
	l.Close()
	if n, err := embedded.Verify(path); err != nil || n != 7 {
		t.Errorf("Verify = %d, %v; want 7 blocks", n, err)
	}
}

// TestIndexBehindTheLog is a crash after a block was synced to the log but
// before its index was: opening re-hashes from the older checkpoint on.
func TestIndexBehindTheLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.log")
	l := open(t, path)
	grow(t, l, 0, 3)
	l.Close()
	copyFile(t, path+".idx", filepath.Join(dir, "old.idx"))
	l = open(t, path)
	grow(t, l, 3, 2)
	want := chainOf(t, l, "L0")
	l.Close()

	copyFile(t, filepath.Join(dir, "old.idx"), path+".idx")
	l = open(t, path)
	if l.Rehashed() != 3 {
		t.Errorf("re-hashed %d blocks, want 3: block 3 (the checkpoint) and the two after it", l.Rehashed())
	}
	if got := chainOf(t, l, "L0"); got != want {
		t.Errorf("chain = %s, want %s", got, want)
	}
}

// TestMismatchedCheckpointVerifiesEverything: an index made for another log
// has a checkpoint the log contradicts, so every block is verified and the
// index rebuilt from this log.
func TestMismatchedCheckpointVerifiesEverything(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.log")
	l := open(t, path)
	grow(t, l, 0, 4)
	want := chainOf(t, l, "L2")
	l.Close()

	other := filepath.Join(dir, "other.log")
	o := open(t, other)
	if _, err := o.Anchor(ctx, []custody.Record{{Kind: custody.KindEvent, Key: "X", Hash: h('e')}}); err != nil {
		t.Fatal(err)
	}
	grow(t, o, 0, 2)
	o.Close()
	copyFile(t, other+".idx", path+".idx")

	l = open(t, path)
	if l.Rehashed() != 4 || l.Height() != 4 {
		t.Errorf("re-hashed %d of %d blocks, want all 4", l.Rehashed(), l.Height())
	}
	if got := chainOf(t, l, "L2"); got != want {
		t.Errorf("chain = %s, want %s", got, want)
	}
	if got := chainOf(t, l, "X"); got != "" {
		t.Errorf("chain X of the other log = %s, want none", got)
	}
}

// TestAlteredBlockBeforeTheCheckpoint: an edit of a block the checkpoint
// covers is not re-hashed by a plain open (that is what the checkpoint
// saves), but full verification catches it, and so does opening without
// the index.
func TestAlteredBlockBeforeTheCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.log")
	l := open(t, path)
	grow(t, l, 0, 4)
	l.Close()
	good, _ := os.ReadFile(path)
	// Same length, so every offset stays where the checkpoint says.
	edited := strings.Replace(string(good), hashOf("L1", 1), hashOf("L1", 9), 1)
	if edited == string(good) {
		t.Fatal("nothing edited")
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	l = open(t, path)
	if l.Rehashed() != 1 {
		t.Errorf("plain open re-hashed %d blocks, want only the checkpoint's", l.Rehashed())
	}
	l.Close()
	if _, err := embedded.Verify(path); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Errorf("Verify of an altered log: err = %v, want it to report the alteration", err)
	}
	os.Remove(path + ".idx")
	if _, err := embedded.Open(path); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Errorf("Open without the index: err = %v, want it to report the alteration", err)
	}
}

// TestAlteredCheckpointBlock: the block the checkpoint names is re-hashed
// on every open, so an edit of it forces full verification, which refuses
// the log.
func TestAlteredCheckpointBlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.log")
	l := open(t, path)
	grow(t, l, 0, 3)
	l.Close()
	good, _ := os.ReadFile(path)
	edited := strings.Replace(string(good), hashOf("L0", 2), hashOf("L0", 7), 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := embedded.Open(path); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Errorf("Open: err = %v, want it to report the alteration", err)
	}
}

func TestDeletedIndexIsRebuilt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.log")
	l := open(t, path)
	recs := grow(t, l, 0, 6)
	want := chainOf(t, l, "L1")
	first, err := l.Anchor(ctx, recs[:1])
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	for _, suffix := range []string{".idx", ".idx-wal", ".idx-shm"} {
		os.Remove(path + suffix)
	}

	l = open(t, path)
	if l.Rehashed() != 6 || l.Height() != 6 {
		t.Errorf("re-hashed %d of %d blocks, want all 6", l.Rehashed(), l.Height())
	}
	if got := chainOf(t, l, "L1"); got != want {
		t.Errorf("rebuilt chain = %s, want %s", got, want)
	}
	again, err := l.Anchor(ctx, recs[:1])
	if err != nil || again[0] != first[0] {
		t.Errorf("re-send after rebuild = %+v, %v; want %+v", again, err, first)
	}
	l.Close()
	if l = open(t, path); l.Rehashed() != 1 {
		t.Errorf("open after the rebuild re-hashed %d blocks, want 1", l.Rehashed())
	}

	// An index file that is not one is started afresh too.
	l.Close()
	if err := os.WriteFile(path+".idx", []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(path + ".idx-wal")
	os.Remove(path + ".idx-shm")
	if l = open(t, path); l.Rehashed() != 6 || chainOf(t, l, "L1") != want {
		t.Errorf("garbage index: re-hashed %d, chain %s", l.Rehashed(), chainOf(t, l, "L1"))
	}
}

// TestTornWriteThenMore: the block written after a torn line was dropped
// replaces it, and the log still opens.
func TestTornWriteThenMore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.log")
	l := open(t, path)
	grow(t, l, 0, 2)
	l.Close()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"number":3,"prev":"` + strings.Repeat("0", 500))
	f.Close()

	l = open(t, path)
	grow(t, l, 2, 1)
	want := chainOf(t, l, "L2")
	l.Close()
	if n, err := embedded.Verify(path); err != nil || n != 3 {
		t.Errorf("Verify after torn write and a new block = %d, %v; want 3 blocks", n, err)
	}
	os.Remove(path + ".idx")
	if l = open(t, path); chainOf(t, l, "L2") != want || l.Height() != 3 {
		t.Errorf("reopen: chain %s height %d, want %s of 3", chainOf(t, l, "L2"), l.Height(), want)
	}
}
