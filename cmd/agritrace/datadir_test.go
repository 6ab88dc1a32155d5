package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/label"
)

// TestDataDirIsPrivate runs the service on a new data directory, tells the
// demo story and prints labels, so that everything the service writes is
// written, then checks the mode of every directory and file there while it
// runs (SQLite removes its -wal and -shm files when it closes).
func TestDataDirIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	base, st, keys := startStoryIn(t, dir)
	printLabels(t, base, st, keys)
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		seen[rel] = true
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", rel, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".", "agritrace.db", "agritrace.db-wal", "agritrace.db-shm", "ledger.log",
		"ledger.log.id", "ledger.log.idx", "ledger.log.idx-wal", "ledger.log.idx-shm", "label-keys.json", "print-runs"} {
		if !seen[want] {
			t.Errorf("%s was not written; the data directory holds %v", want, seen)
		}
	}
	pdfs := 0
	for p := range seen {
		if strings.HasPrefix(p, "print-runs"+string(filepath.Separator)) {
			pdfs++
		}
	}
	if pdfs == 0 {
		t.Errorf("no print run file was written: %v", seen)
	}
}

// TestDataDirTightened opens a data directory left 0755/0644 by an older
// release: it is made owner-only, loudly.
func TestDataDirTightened(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	files := map[string]fs.FileMode{"agritrace.db": 0o644, "label-keys.json": 0o640, "print-runs/a.pdf": 0o666, "ledger.log": 0o600}
	if err := os.MkdirAll(filepath.Join(dir, "print-runs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, mode := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, nil, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil { // past the umask
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	if err := securePrivate(dir, slog.New(slog.NewTextHandler(&logged, nil))); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]fs.FileMode{".": 0o700, "print-runs": 0o700, "agritrace.db": 0o600,
		"label-keys.json": 0o600, "print-runs/a.pdf": 0o600, "ledger.log": 0o600} {
		info, err := os.Stat(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), want)
		}
	}
	// One warning for each of the five that were too open.
	if n := strings.Count(logged.String(), "made owner-only"); n != 5 {
		t.Errorf("%d warnings, want 5:\n%s", n, logged.String())
	}
}

// TestLabelKeysElsewhereTightened opens the service with its label keys
// outside the data directory, in a file others can read.
func TestLabelKeysElsewhereTightened(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "label-keys.json")
	if err := label.NewKeyring().Save(keys); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(keys, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("test", []string{"-data", filepath.Join(t.TempDir(), "data"), "-label-keys", keys}, noenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	a, err := open(context.Background(), cfg, slog.New(slog.NewTextHandler(&logged, nil)), false)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	info, err := os.Stat(keys)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 || !strings.Contains(logged.String(), "made owner-only") {
		t.Errorf("label keys left %v; log:\n%s", info.Mode().Perm(), logged.String())
	}
}
