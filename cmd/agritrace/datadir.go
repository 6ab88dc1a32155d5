package main

import (
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// securePrivate creates the data directory owner-only (0700) and tightens
// what is already there: the database holds complaints, their photos and
// hashed keys, and the label keys sign labels, none of it for other users of
// a shared host. A directory or file that others could read or write is
// made owner-only, with a warning, rather than refused, so that an upgrade
// from a release that created them 0755/0644 keeps running. Files created
// afterwards are owner-only where they are created (the stores, the ledger,
// the keys, print runs).
func securePrivate(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return tighten(dir, log)
}

// tighten makes the file or directory tree at root owner-only, warning of
// each entry it changes.
func tighten(root string, log *slog.Logger) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// Symbolic links and other special files are left alone: chmod
		// would follow a link out of the directory.
		if !d.IsDir() && !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o077 == 0 {
			return nil
		}
		tight := info.Mode().Perm() &^ 0o077
		if err := os.Chmod(path, tight); err != nil {
			return err
		}
		log.Warn("made owner-only, as others could read or write it", "path", path,
			"was", info.Mode().Perm().String(), "now", tight.String())
		return nil
	})
}
