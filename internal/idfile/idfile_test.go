package idfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/agritrace/agritrace/internal/idfile"
)

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "id")
	n := 0
	fresh := func() string { n++; return "name-" + string(rune('a'+n)) }
	first, err := idfile.Load(path, fresh)
	if err != nil {
		t.Fatal(err)
	}
	again, err := idfile.Load(path, fresh)
	if err != nil || again != first {
		t.Fatalf("second Load = %q, %v; want %q", again, err, first)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("file: %v, %v; want mode 0600", info, err)
	}
	if err := os.WriteFile(path, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := idfile.Load(path, fresh); !errors.Is(err, idfile.ErrEmpty) {
		t.Fatalf("Load of an empty file = %v; want ErrEmpty", err)
	}
}

// TestLoadRace: of several processes making the name at once, one name wins.
func TestLoadRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "id")
	names := make([]string, 8)
	var wg sync.WaitGroup
	for i := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name, err := idfile.Load(path, func() string { return string(rune('a' + i)) })
			if err != nil {
				t.Error(err)
			}
			names[i] = name
		}()
	}
	wg.Wait()
	for _, n := range names {
		if n != names[0] {
			t.Fatalf("names %q differ", names)
		}
	}
}
