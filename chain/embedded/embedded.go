// Package embedded is the single-machine ledger: an append-only log of
// hash-linked blocks in one file. Each block holds the custody records of one
// Anchor call; the records obey custody.Validate, the same rules the Fabric
// chaincode applies, and the blocks chain by hash so an edit of the file is
// caught. Records are looked up in an index file beside the log (index.go),
// not kept in memory, and opening re-hashes only the blocks written after
// the index's checkpoint; Verify re-hashes them all.
package embedded

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/jcs"
	"github.com/agritrace/agritrace/internal/trace"
)

// Org is the name the embedded ledger gives as the writer of every record.
const Org = "embedded"

// Block is one line of the log.
type Block struct {
	Number  uint64           `json:"number"`
	Prev    string           `json:"prev"`
	TxID    string           `json:"txId"`
	Time    time.Time        `json:"time"`
	Records []custody.Record `json:"records"`
	Hash    string           `json:"hash"`
}

func (b Block) computeHash() (string, error) {
	b.Hash = ""
	c, err := jcs.Marshal(b)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(c)
	return hex.EncodeToString(sum[:]), nil
}

type chainKey struct{ kind, key string }

// Ledger implements trace.Ledger on a local file.
type Ledger struct {
	mu    sync.Mutex
	f     *os.File
	idx   *index
	first uint64 // number of the log's first block
	next  uint64 // number of the block to write next
	last  string
	size  int64 // where the next block's line goes
	// heads answers validation for the chains anchored lately; the index
	// answers for the rest.
	heads heads
	// rehashed counts the blocks Open re-hashed.
	rehashed uint64
	// torn is how many bytes of a last line cut short Open dropped.
	torn int64
	// broken is set when a block may be in the log but not in the index:
	// the ledger must be opened again, which reads the block back.
	broken error
	// id names the log (see loadID).
	id string
}

var _ trace.Ledger = (*Ledger)(nil)

// Open opens or creates the log at path and its index at path + ".idx",
// re-hashing and validating the blocks the index's checkpoint does not
// cover: every block when the index is missing, behind a different log, or
// contradicted by the log. A last line cut short by a crash is dropped: its
// Anchor call never returned, so the records are still pending in the
// outbox and will be sent again.
func Open(path string) (*Ledger, error) {
	// Owner only, like everything in the data directory.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("embedded ledger: %w", err)
	}
	id, err := loadID(path)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("embedded ledger %s: %w", path, err)
	}
	idx, err := openIndex(path + ".idx")
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("embedded ledger %s: %w", path, err)
	}
	// Blocks are numbered from 1, as on a Fabric channel, whose block 0 is
	// its configuration: a receipt's block 0 then always means "none".
	l := &Ledger{f: f, idx: idx, first: 1, next: 1, heads: newHeads(cachedHeads), id: id}
	l.heads.held = func(kind, key string, seq uint64) (*custody.Record, error) {
		e, err := idx.get(nil, kind, key, seq)
		if e == nil {
			return nil, err
		}
		return &e.Record, nil
	}
	if err := l.load(); err != nil {
		idx.close()
		f.Close()
		return nil, fmt.Errorf("embedded ledger %s: %w", path, err)
	}
	return l, nil
}

// Get implements custody.State over the recent chain heads and the index.
func (l *Ledger) Get(kind, key string, seq uint64) (*custody.Record, error) {
	return l.heads.Get(kind, key, seq)
}

// Anchor implements trace.Ledger: the new records go into one block, written
// and synced before it returns.
func (l *Ledger) Anchor(ctx context.Context, recs []custody.Record) ([]trace.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken != nil {
		return nil, l.broken
	}
	state, err := l.prefetch(recs)
	if err != nil {
		return nil, err
	}
	fresh, err := custody.Validate(state, recs)
	if err != nil {
		return nil, err
	}
	var b Block
	if len(fresh) > 0 {
		if b, err = l.append(fresh); err != nil {
			return nil, err
		}
	}
	type id struct {
		kind, key string
		seq       uint64
	}
	isFresh := map[id]bool{}
	for _, r := range fresh {
		isFresh[id{r.Kind, r.Key, r.Seq}] = true
	}
	out := make([]trace.Receipt, len(recs))
	for i, r := range recs {
		if isFresh[id{r.Kind, r.Key, r.Seq}] {
			out[i] = trace.Receipt{TxID: b.TxID, Block: b.Number}
			continue
		}
		e, err := l.idx.get(nil, r.Kind, r.Key, r.Seq)
		if err != nil || e == nil {
			return nil, fmt.Errorf("embedded ledger: receipt of %s/%s seq %d: not indexed (%v)", r.Kind, r.Key, r.Seq, err)
		}
		out[i] = trace.Receipt{TxID: e.TxID, Block: e.Block}
	}
	return out, nil
}

// append writes records as the next block, syncs it, then indexes it. A
// failure once the write began leaves the ledger broken until reopened,
// since the block may be in the log.
func (l *Ledger) append(recs []custody.Record) (Block, error) {
	b := Block{Number: l.next, Prev: l.last, Time: time.Now().UTC(), Records: recs}
	sum := sha256.Sum256(fmt.Appendf(nil, "%d/%s/%d", b.Number, b.Prev, b.Time.UnixNano()))
	b.TxID = hex.EncodeToString(sum[:])
	var err error
	if b.Hash, err = b.computeHash(); err != nil {
		return b, err
	}
	line, err := json.Marshal(b)
	if err != nil {
		return b, err
	}
	line = append(line, '\n')
	// At the known end, not at the file's offset: a torn line dropped on
	// open is overwritten.
	if _, err := l.f.WriteAt(line, l.size); err != nil {
		return b, l.breaks(fmt.Errorf("write block %d: %w", b.Number, err))
	}
	if err := l.f.Sync(); err != nil {
		return b, l.breaks(fmt.Errorf("sync block %d: %w", b.Number, err))
	}
	at := checkpoint{First: l.first, Number: b.Number, Hash: b.Hash, Offset: l.size, Size: int64(len(line))}
	tx, err := l.idx.begin()
	if err != nil {
		return b, l.breaks(err)
	}
	if err := l.idx.add(tx, b, at); err != nil {
		tx.Rollback()
		return b, l.breaks(err)
	}
	if err := tx.Commit(); err != nil {
		return b, l.breaks(fmt.Errorf("index: commit block %d: %w", b.Number, err))
	}
	l.next, l.last, l.size = b.Number+1, b.Hash, l.size+int64(len(line))
	l.heads.note(recs)
	return b, nil
}

func (l *Ledger) breaks(err error) error {
	l.broken = fmt.Errorf("embedded ledger: %w; open the ledger again to recover", err)
	return l.broken
}

// Chain implements trace.Ledger.
func (l *Ledger) Chain(_ context.Context, kind, key string) ([]custody.Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.idx.chain(kind, key)
}

// Info implements trace.Ledger.
func (l *Ledger) Info() trace.LedgerInfo { return trace.LedgerInfo{Kind: "embedded"} }

// Height is the number of blocks in the log.
func (l *Ledger) Height() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next - l.first
}

// Rehashed is how many blocks Open re-hashed: the checkpoint's and those
// after it, or every block when it verified the whole log.
func (l *Ledger) Rehashed() uint64 { return l.rehashed }

// NextBlock is the number the next block will get: no block numbered from
// it on is in the log.
func (l *Ledger) NextBlock() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next
}

// Torn is how many bytes Open dropped from the end of the log: a last block
// cut short, by a crash during its write or by a damaged disk. 0 when the
// log ended cleanly.
func (l *Ledger) Torn() int64 { return l.torn }

// Close closes the log and its index.
func (l *Ledger) Close() error { return errors.Join(l.idx.close(), l.f.Close()) }
