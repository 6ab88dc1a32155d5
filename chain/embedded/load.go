package embedded

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/agritrace/agritrace/chain/custody"
)

// loadBatch is how many records the index takes in one transaction while a
// walk catches it up.
const loadBatch = 50_000

// maxLine bounds a checkpoint's line: a larger one is not ours.
const maxLine = 1 << 30

// walker re-reads blocks of the log in order, checking that each chains on
// the one before, hashes as it says and keeps the custody rules.
type walker struct {
	first, next uint64
	last        string
	// atStart: the next line is the log's first, which may be block 0.
	atStart bool
	// heads holds the last record of each chain walked, all that validating
	// the next block needs, for the walk only; its held finds records that
	// came before the walk began.
	heads
	rehashed uint64
}

func newWalker() *walker {
	return &walker{first: 1, next: 1, atStart: true, heads: newHeads(0)}
}

// check verifies line as the next block of the log and returns it.
func (w *walker) check(line []byte) (Block, error) {
	var b Block
	if err := json.Unmarshal(bytes.TrimSpace(line), &b); err != nil {
		return b, fmt.Errorf("block %d: %w", w.next, err)
	}
	want, err := b.computeHash()
	if err != nil {
		return b, err
	}
	if w.atStart && b.Number == 0 {
		w.first, w.next = 0, 0 // a log begun before blocks were numbered from 1
	}
	w.atStart = false
	if b.Number != w.next || b.Prev != w.last || b.Hash != want {
		return b, fmt.Errorf("block %d does not chain: the log was altered", w.next)
	}
	for _, r := range b.Records {
		if last, ok := w.headOf(r.Kind, r.Key); ok && r.Seq <= last.seq {
			return b, fmt.Errorf("block %d repeats %s/%s seq %d: the log was altered", b.Number, r.Kind, r.Key, r.Seq)
		}
	}
	fresh, err := custody.Validate(w, b.Records)
	if err != nil {
		return b, fmt.Errorf("block %d: %w", b.Number, err)
	}
	// A block holds only records that were new when it was written.
	if len(fresh) != len(b.Records) {
		return b, fmt.Errorf("block %d repeats records held before it: the log was altered", b.Number)
	}
	w.note(b.Records)
	w.next, w.last = b.Number+1, b.Hash
	w.rehashed++
	return b, nil
}

// walk checks the lines of r, which starts at offset from of the log, and
// hands each block and where its line lies to each. It returns the offset
// where the complete lines end: a last line without its newline is a write
// torn by a crash, and is left to the caller.
func (w *walker) walk(r io.Reader, from int64, each func(b Block, offset, size int64) error) (int64, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	pos := from
	for {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return pos, nil
		}
		if err != nil {
			return pos, err
		}
		b, err := w.check(line)
		if err != nil {
			return pos, err
		}
		if err := each(b, pos, int64(len(line))); err != nil {
			return pos, err
		}
		pos += int64(len(line))
	}
}

// load brings the ledger up from its log and index. With a checkpoint that
// matches the log, only the blocks after it are re-hashed and validated;
// without one, or with one the log contradicts (the log was altered, or the
// index belongs to another log), every block is, and the index is rebuilt.
func (l *Ledger) load() error {
	cp, err := l.idx.checkpoint(l.idx.db)
	if err != nil {
		return err
	}
	w := newWalker()
	var from int64
	if cp != nil && l.matches(*cp) {
		w.first, w.next, w.last, w.atStart = cp.First, cp.Number+1, cp.Hash, false
		from, w.rehashed = cp.Offset+cp.Size, 1
	} else {
		cp = nil
	}
	tx, err := l.idx.begin()
	if err != nil {
		return err
	}
	defer func() { tx.Rollback() }()
	if cp == nil {
		if err := l.idx.reset(tx); err != nil {
			return err
		}
	}
	if cp != nil {
		w.held = func(kind, key string, seq uint64) (*custody.Record, error) {
			e, err := l.idx.get(tx, kind, key, seq)
			if e == nil {
				return nil, err
			}
			return &e.Record, nil
		}
	}
	var batched int
	end, err := w.walk(io.NewSectionReader(l.f, from, 1<<62), from, func(b Block, offset, size int64) error {
		if err := l.idx.add(tx, b, checkpoint{First: w.first, Number: b.Number, Hash: b.Hash, Offset: offset, Size: size}); err != nil {
			return err
		}
		if batched += len(b.Records); batched < loadBatch {
			return nil
		}
		batched = 0
		return l.idx.commitAndBegin(&tx)
	})
	if err != nil {
		return err
	}
	// A partial line without its newline is a torn write: its Anchor call
	// never returned, so the outbox sends its records again.
	fi, err := l.f.Stat()
	if err != nil {
		return err
	}
	if err := l.f.Truncate(end); err != nil {
		return err
	}
	l.torn = fi.Size() - end
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: commit: %w", err)
	}
	l.first, l.next, l.last, l.size, l.rehashed = w.first, w.next, w.last, end, w.rehashed
	return nil
}

// matches reports whether the log holds the checkpoint's block where the
// checkpoint says, with the hash it says.
func (l *Ledger) matches(cp checkpoint) bool {
	if cp.Size <= 0 || cp.Size > maxLine || cp.Offset < 0 {
		return false
	}
	line := make([]byte, cp.Size)
	if _, err := l.f.ReadAt(line, cp.Offset); err != nil || line[len(line)-1] != '\n' {
		return false
	}
	var b Block
	if err := json.Unmarshal(line, &b); err != nil {
		return false
	}
	h, err := b.computeHash()
	return err == nil && b.Number == cp.Number && b.Hash == cp.Hash && h == cp.Hash
}

// Verify re-hashes and validates every block of the log at path, trusting
// no checkpoint or index, and returns the number of blocks. It changes
// nothing, so it may run beside a service using the ledger; a torn last line
// is not counted.
func Verify(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("embedded ledger: %w", err)
	}
	defer f.Close()
	w := newWalker()
	if _, err := w.walk(f, 0, func(Block, int64, int64) error { return nil }); err != nil {
		return 0, fmt.Errorf("embedded ledger %s: %w", path, err)
	}
	return w.next - w.first, nil
}

// commitAndBegin commits *tx and replaces it with a new transaction.
func (x *index) commitAndBegin(tx **sql.Tx) error {
	if err := (*tx).Commit(); err != nil {
		return fmt.Errorf("index: commit: %w", err)
	}
	next, err := x.begin()
	if err != nil {
		return err
	}
	*tx = next
	return nil
}
