package labelprint

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// A run is two files in Dir: {id}.json, its record, rewritten whole at each
// change of status, and {id}.pdf once it is done.

// expire deletes finished runs older than Keep, with their PDFs.
func (p *Printer) expire() {
	now := p.svc.Now()
	p.mu.Lock()
	var gone []string
	for id, j := range p.runs {
		if !j.run.ExpiresAt.IsZero() && now.After(j.run.ExpiresAt) {
			gone = append(gone, id)
			delete(p.runs, id)
		}
	}
	p.mu.Unlock()
	slices.Sort(gone)
	for _, id := range gone {
		err := errors.Join(remove(p.pdfPath(id)), remove(filepath.Join(p.opts.Dir, id+".json")))
		if err != nil {
			p.opts.Log.Warn("expired print run not deleted", "run", id, "err", err)
		}
	}
}

func remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (p *Printer) pdfPath(id string) string { return filepath.Join(p.opts.Dir, id+".pdf") }

// save writes a run record, replacing the file whole.
func (p *Printer) save(r Run) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	path := filepath.Join(p.opts.Dir, r.ID+".json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("labelprint: run record: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("labelprint: run record: %w", err)
	}
	return nil
}

func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
