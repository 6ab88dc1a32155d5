package embedded

import (
	"crypto/rand"
	"fmt"

	"github.com/agritrace/agritrace/internal/idfile"
)

// loadID returns the id of the log at path, kept in path + ".id" and made
// the first time the log is opened: two data directories' logs then differ,
// even when both hold the same blocks, so that a store can tell which log its
// records are anchored on.
func loadID(path string) (string, error) {
	id, err := idfile.Load(path+".id", rand.Text)
	if err != nil {
		return "", fmt.Errorf("ledger id: %w", err)
	}
	return id, nil
}

// ID names this log among every embedded ledger's (see loadID).
func (l *Ledger) ID() string { return l.id }
