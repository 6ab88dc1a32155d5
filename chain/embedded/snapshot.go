package embedded

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
)

// Copy writes a prefix of the log at path to w, for a backup taken while
// the ledger is in use: it reads only the blocks complete when it started
// (the log only grows, and a line being written has no newline yet),
// re-hashes and validates each as Verify does, and stops before the first
// block that keep refuses. It returns the number of blocks written and the
// number of the first block left out (0 when none was). The index is not
// copied: Open rebuilds it from the log.
func Copy(path string, w io.Writer, keep func(Block) (bool, error)) (written, stoppedAt uint64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("embedded ledger: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, fmt.Errorf("embedded ledger: %w", err)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	wk := newWalker()
	stop := errors.New("stop")
	_, err = wk.walk(io.NewSectionReader(f, 0, fi.Size()), 0, func(b Block, offset, size int64) error {
		ok, err := keep(b)
		if err != nil {
			return err
		}
		if !ok {
			stoppedAt = b.Number
			return stop
		}
		line := make([]byte, size)
		if _, err := f.ReadAt(line, offset); err != nil {
			return err
		}
		if _, err := bw.Write(line); err != nil {
			return err
		}
		written++
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		return written, 0, fmt.Errorf("embedded ledger %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return written, 0, fmt.Errorf("embedded ledger copy: %w", err)
	}
	return written, stoppedAt, nil
}
