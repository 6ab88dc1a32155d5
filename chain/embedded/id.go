package embedded

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// loadID returns the id of the log at path, kept in path + ".id" and made
// the first time the log is opened: two data directories' logs then differ,
// even when both hold the same blocks, so that a store can tell which log its
// records are anchored on.
func loadID(path string) (string, error) {
	idPath := path + ".id"
	b, err := os.ReadFile(idPath)
	if err == nil {
		if id := strings.TrimSpace(string(b)); id != "" {
			return id, nil
		}
		return "", fmt.Errorf("ledger id: %s is empty", idPath)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("ledger id: %w", err)
	}
	// Written aside and linked into place, so that a reader never sees a
	// half-written id and of two openers one id wins.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ledger-id-*")
	if err != nil {
		return "", fmt.Errorf("ledger id: %w", err)
	}
	defer os.Remove(tmp.Name())
	id := rand.Text()
	_, err = tmp.WriteString(id + "\n")
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), idPath)
	}
	if errors.Is(err, fs.ErrExist) {
		return loadID(path)
	}
	if err != nil {
		return "", fmt.Errorf("ledger id: %w", err)
	}
	return id, nil
}

// ID names this log among every embedded ledger's (see loadID).
func (l *Ledger) ID() string { return l.id }
