// Package embedded is the single-machine ledger: an append-only log of
// hash-linked blocks in one file. Each block holds the custody records of one
// Anchor call; the records obey custody.Validate, the same rules the Fabric
// chaincode applies, and the blocks chain by hash so an edit of the file is
// caught when it is opened.
package embedded

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	mu     sync.Mutex
	f      *os.File
	first  uint64 // number of the log's first block
	next   uint64 // number of the block to write next
	last   string
	chains map[chainKey][]custody.Entry
}

var _ trace.Ledger = (*Ledger)(nil)

// Open opens or creates the log at path, verifying every block. A last line
// cut short by a crash is dropped: its Anchor call never returned, so the
// records are still pending in the outbox and will be sent again.
func Open(path string) (*Ledger, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("embedded ledger: %w", err)
	}
	// Blocks are numbered from 1, as on a Fabric channel, whose block 0 is
	// its configuration: a receipt's block 0 then always means "none".
	l := &Ledger{f: f, first: 1, next: 1, chains: map[chainKey][]custody.Entry{}}
	if err := l.load(); err != nil {
		f.Close()
		return nil, fmt.Errorf("embedded ledger %s: %w", path, err)
	}
	return l, nil
}

func (l *Ledger) load() error {
	r := bufio.NewReader(l.f)
	var good int64
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			// A partial line without its newline is a torn write.
			return l.f.Truncate(good)
		}
		if err != nil {
			return err
		}
		var b Block
		if err := json.Unmarshal(bytes.TrimSpace(line), &b); err != nil {
			return fmt.Errorf("block %d: %w", l.next, err)
		}
		want, err := b.computeHash()
		if err != nil {
			return err
		}
		if good == 0 && b.Number == 0 {
			l.first, l.next = 0, 0 // a log begun before blocks were numbered from 1
		}
		if b.Number != l.next || b.Prev != l.last || b.Hash != want {
			return fmt.Errorf("block %d does not chain: the log was altered", l.next)
		}
		if _, err := custody.Validate(l, b.Records); err != nil {
			return fmt.Errorf("block %d: %w", b.Number, err)
		}
		l.apply(b)
		good += int64(len(line))
	}
}

func (l *Ledger) apply(b Block) {
	for _, r := range b.Records {
		k := chainKey{r.Kind, r.Key}
		l.chains[k] = append(l.chains[k], custody.Entry{Record: r, Org: Org, TxID: b.TxID, Block: b.Number})
	}
	l.next, l.last = b.Number+1, b.Hash
}

// Get implements custody.State over the blocks read so far.
func (l *Ledger) Get(kind, key string, seq uint64) (*custody.Record, error) {
	c := l.chains[chainKey{kind, key}]
	if seq >= uint64(len(c)) {
		return nil, nil
	}
	r := c[seq].Record
	return &r, nil
}

// Anchor implements trace.Ledger: the new records go into one block, written
// and synced before it returns.
func (l *Ledger) Anchor(ctx context.Context, recs []custody.Record) ([]trace.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fresh, err := custody.Validate(l, recs)
	if err != nil {
		return nil, err
	}
	if len(fresh) > 0 {
		b := Block{Number: l.next, Prev: l.last, Time: time.Now().UTC(), Records: fresh}
		sum := sha256.Sum256(fmt.Appendf(nil, "%d/%s/%d", b.Number, b.Prev, b.Time.UnixNano()))
		b.TxID = hex.EncodeToString(sum[:])
		if b.Hash, err = b.computeHash(); err != nil {
			return nil, err
		}
		line, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		if _, err := l.f.Write(append(line, '\n')); err != nil {
			return nil, fmt.Errorf("embedded ledger: write block %d: %w", b.Number, err)
		}
		if err := l.f.Sync(); err != nil {
			return nil, fmt.Errorf("embedded ledger: sync block %d: %w", b.Number, err)
		}
		l.apply(b)
	}
	out := make([]trace.Receipt, len(recs))
	for i, r := range recs {
		e := l.chains[chainKey{r.Kind, r.Key}][r.Seq]
		out[i] = trace.Receipt{TxID: e.TxID, Block: e.Block}
	}
	return out, nil
}

// Chain implements trace.Ledger.
func (l *Ledger) Chain(_ context.Context, kind, key string) ([]custody.Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]custody.Entry{}, l.chains[chainKey{kind, key}]...), nil
}

// Info implements trace.Ledger.
func (l *Ledger) Info() trace.LedgerInfo { return trace.LedgerInfo{Kind: "embedded"} }

// Height is the number of blocks in the log.
func (l *Ledger) Height() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next - l.first
}

// Close closes the log file.
func (l *Ledger) Close() error { return l.f.Close() }
