// Package idfile keeps a name in a one-line file, made the first time it is
// asked for: the data directory's instance name, the embedded ledger's id.
package idfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrEmpty is returned for a file that exists but holds no name.
var ErrEmpty = errors.New("is empty")

// Load returns the name kept in path, or, when there is no such file, makes
// one with fresh, keeps it (mode 0600) and returns it. The file is written
// aside and linked into place, so that a reader never sees a half-written
// name and of two processes making one at once one name wins.
func Load(path string, fresh func() string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if name := strings.TrimSpace(string(b)); name != "" {
			return name, nil
		}
		return "", fmt.Errorf("%s %w", path, ErrEmpty)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	name := fresh()
	_, err = tmp.WriteString(name + "\n")
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	if errors.Is(err, fs.ErrExist) {
		return Load(path, fresh)
	}
	if err != nil {
		return "", err
	}
	return name, nil
}
