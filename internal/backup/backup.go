// Package backup takes a consistent snapshot of an embedded installation
// (the SQLite store, the embedded ledger and the label keys) while the
// service keeps running, and brings one back into a data directory after
// checking it (restore.go).
//
// Consistency comes from the order of the copies. The store is copied first,
// in one read transaction; the ledger afterwards. The ledger only grows, so
// every record the store copy says is anchored is in the ledger copy. The
// ledger copy may hold more: records anchored after the store was copied.
// Those would sit on the restored ledger ahead of a store that never saw
// them, and the next write of that chain could not be anchored, so the
// ledger copy stops before the first block holding a record the store copy
// does not know. Every block settled in the store copy lies before that
// block, since a block's records were all in the outbox before it was
// written; records of the cut blocks that the store copy holds are still
// pending in its outbox and are sent again after a restore.
package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/agritrace/agritrace/chain/embedded"
	"github.com/agritrace/agritrace/internal/store/sqlite"
)

// Names of the files in a backup directory.
const (
	StoreFile    = "agritrace.db"
	LedgerFile   = "ledger.log"
	KeysFile     = "label-keys.json"
	ManifestFile = "MANIFEST.json"
	// partialPrefix names a backup being written; it is renamed when done.
	partialPrefix = ".partial-"
)

// Sources are the live files a backup copies. Ledger is empty when the
// ledger is not the embedded one (Fabric keeps its own copies), LabelKeys
// when the keys are kept in the store, sealed, and there is no file.
type Sources struct {
	Store, Ledger, LabelKeys string
}

// Manifest describes a complete backup; its presence is what makes a
// directory a backup.
type Manifest struct {
	Format  int       `json:"format"`
	Created time.Time `json:"created"`
	// LedgerBlocks is how many blocks the ledger copy holds; LedgerCutAt the
	// first block of the live log left out (0: none was).
	LedgerBlocks uint64 `json:"ledgerBlocks"`
	LedgerCutAt  uint64 `json:"ledgerCutAt,omitempty"`
	Files        []File `json:"files"`
}

// File is one file of a backup and its SHA-256.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Create writes a new backup of src into a fresh directory under to and
// returns its path. The files are written under a temporary name, synced,
// and renamed into place only when complete, so a backup cut short (a crash,
// a kill, a full disk) leaves earlier backups as they were and no directory
// that restore would take for a backup. progress, if not nil, hears each
// step as it completes.
func Create(ctx context.Context, src Sources, to string, progress func(string)) (string, Manifest, error) {
	if progress == nil {
		progress = func(string) {}
	}
	if err := os.MkdirAll(to, 0o700); err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	tmp, err := os.MkdirTemp(to, partialPrefix)
	if err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	m, err := write(ctx, src, tmp, progress)
	if err != nil {
		os.RemoveAll(tmp)
		return "", Manifest{}, err
	}
	final := filepath.Join(to, "agritrace-"+m.Created.Format("20060102T150405.000Z"))
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(to); err != nil {
		return "", Manifest{}, err
	}
	return final, m, nil
}

// write fills dir with the copies and their manifest.
func write(ctx context.Context, src Sources, dir string, progress func(string)) (Manifest, error) {
	m := Manifest{Format: 1, Created: time.Now().UTC()}
	if err := sqlite.Snapshot(ctx, src.Store, filepath.Join(dir, StoreFile)); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	progress("store copied")
	names := []string{StoreFile}
	if src.Ledger != "" {
		if err := copyLedger(ctx, src.Ledger, dir, &m); err != nil {
			return m, err
		}
		progress(fmt.Sprintf("ledger copied: %d blocks", m.LedgerBlocks))
		names = append(names, LedgerFile)
	}
	if src.LabelKeys != "" {
		if err := copyFile(src.LabelKeys, filepath.Join(dir, KeysFile)); err != nil {
			return m, fmt.Errorf("backup: label keys: %w", err)
		}
		progress("label keys copied")
		names = append(names, KeysFile)
	}
	for _, n := range names {
		f, err := sum(filepath.Join(dir, n))
		if err != nil {
			return m, fmt.Errorf("backup: %w", err)
		}
		m.Files = append(m.Files, f)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	if err := writeSynced(filepath.Join(dir, ManifestFile), b); err != nil {
		return m, fmt.Errorf("backup: manifest: %w", err)
	}
	return m, syncDir(dir)
}

// copyLedger copies the blocks of the live log that the store copy in dir
// accounts for (see the package comment).
func copyLedger(ctx context.Context, path, dir string, m *Manifest) error {
	st, err := sqlite.Open(ctx, filepath.Join(dir, StoreFile))
	if err != nil {
		return fmt.Errorf("backup: open the store copy: %w", err)
	}
	defer st.Close()
	held := map[[2]string]map[uint64]bool{}
	keep := func(b embedded.Block) (bool, error) {
		for _, r := range b.Records {
			k := [2]string{r.Kind, r.Key}
			seqs, ok := held[k]
			if !ok {
				anchors, err := st.Anchors(ctx, r.Kind, r.Key)
				if err != nil {
					return false, err
				}
				seqs = map[uint64]bool{}
				for _, a := range anchors {
					seqs[a.Seq] = true
				}
				held[k] = seqs
			}
			if !seqs[r.Seq] {
				return false, nil
			}
		}
		return true, nil
	}
	f, err := os.OpenFile(filepath.Join(dir, LedgerFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	if m.LedgerBlocks, m.LedgerCutAt, err = embedded.Copy(path, f, keep); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: sync the ledger copy: %w", err)
	}
	return nil
}

// copyFile copies src to a new file dst and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return errors.Join(out.Sync(), out.Close())
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// syncDir makes the names in dir durable (a rename, a new file).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("backup: sync %s: %w", dir, err)
	}
	return nil
}

// sum reads the file at path and describes it for the manifest.
func sum(path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{Name: filepath.Base(path), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
