package embedded_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/agritrace/agritrace/chain/embedded"
)

// TestLogID: a log keeps the id made when it was created across reopening,
// and another data directory's log has another.
func TestLogID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.log")
	first, err := embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	id := first.ID()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("a new log has no id")
	}
	if again := open(t, path).ID(); again != id {
		t.Errorf("reopened log's id = %q, want %q", again, id)
	}
	if other := open(t, filepath.Join(t.TempDir(), "ledger.log")).ID(); other == id {
		t.Errorf("two data directories' logs share the id %q", id)
	}
	empty := filepath.Join(t.TempDir(), "ledger.log")
	if err := os.WriteFile(empty+".id", []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if l, err := embedded.Open(empty); err == nil {
		l.Close()
		t.Error("a log whose id file is empty opened")
	}
}
