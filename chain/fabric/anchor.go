package fabric

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// gapRetryFor bounds the retries of a gap: right after a commit the other
// organization's peer may not hold the previous record yet, but a real gap
// should reach the caller soon.
const gapRetryFor = 5 * time.Second

// Anchor implements trace.Ledger. Records are cut into transactions of at most
// BatchSize records, a chain's records together where they fit. Transactions
// run in waves: one wave never holds two transactions of the same chain, and
// the next wave starts only when every transaction of the last has committed,
// so a chain's records never commit out of order. Up to Parallel
// transactions of a wave are in flight at once.
func (l *Ledger) Anchor(ctx context.Context, recs []custody.Record) ([]trace.Receipt, error) {
	out := make([]trace.Receipt, len(recs))
	blocks := &blockCache{m: map[string]uint64{}}
	for _, r := range recs {
		if _, err := l.signer(r); err != nil {
			return nil, err
		}
	}
	by := func(r custody.Record) string {
		m, _ := l.signer(r)
		return m.cfg.MSPID
	}
	for _, wave := range waves(recs, batches(recs, l.def.cfg.BatchSize, by)) {
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
			sem  = make(chan struct{}, l.def.cfg.Parallel)
		)
		for _, idx := range wave {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				batch := make([]custody.Record, len(idx))
				for i, j := range idx {
					batch[i] = recs[j]
				}
				receipts, err := l.submit(ctx, batch, blocks)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				for i, j := range idx {
					out[j] = receipts[i]
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			// A refusal matters more than an outage: retrying cannot cure it.
			for _, err := range errs {
				if refused(err) {
					return nil, err
				}
			}
			return nil, errs[0]
		}
	}
	return out, nil
}

// batches cuts recs into transactions of at most n records, given as indexes
// into recs, each signed by one organization (by names it): the records of
// one chain go together when they fit and one organization signs them, always
// in their order; a chain longer than n, or written by several organizations
// in turn, is cut into consecutive batches.
func batches(recs []custody.Record, n int, by func(custody.Record) string) [][]int {
	// A chain's runs: its records in order, cut where the signer changes.
	var order []string
	runs := map[string][][]int{}
	for i, r := range recs {
		k := chainOf(r)
		rs, ok := runs[k]
		if !ok {
			order = append(order, k)
		}
		if len(rs) == 0 || by(recs[rs[len(rs)-1][0]]) != by(r) {
			rs = append(rs, nil)
		}
		rs[len(rs)-1] = append(rs[len(rs)-1], i)
		runs[k] = rs
	}
	// Every chain's first run, then every second run, and so on, so that a
	// chain's later runs land in later batches; within a round, one
	// signer's runs sit together so they share transactions.
	var out [][]int
	for round := 0; ; round++ {
		var groups [][]int
		for _, k := range order {
			if round < len(runs[k]) {
				groups = append(groups, runs[k][round])
			}
		}
		if len(groups) == 0 {
			return out
		}
		slices.SortStableFunc(groups, func(a, b []int) int { return strings.Compare(by(recs[a[0]]), by(recs[b[0]])) })
		var cur []int
		for _, g := range groups {
			if len(cur) > 0 && (len(cur)+len(g) > n || by(recs[cur[0]]) != by(recs[g[0]])) {
				out, cur = append(out, cur), nil
			}
			for len(g) > n {
				out, g = append(out, g[:n:n]), g[n:]
			}
			cur = append(cur, g...)
		}
		if len(cur) > 0 {
			out = append(out, cur)
		}
	}
}

func chainOf(r custody.Record) string { return r.Kind + "\x00" + r.Key }

// waves groups consecutive batches into sets that share no chain: a batch
// holding a chain already in the current wave starts the next wave.
func waves(recs []custody.Record, bs [][]int) [][][]int {
	var out [][][]int
	var cur [][]int
	seen := map[string]bool{}
	for _, b := range bs {
		for _, i := range b {
			if seen[chainOf(recs[i])] {
				out, cur, seen = append(out, cur), nil, map[string]bool{}
				break
			}
		}
		for _, i := range b {
			seen[chainOf(recs[i])] = true
		}
		cur = append(cur, b)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// submit records one batch, retrying transient failures within RetryFor
// (gaps within gapRetryFor). A retry after a transaction that did commit is
// harmless: the chaincode answers records it already holds with the
// transaction that wrote them.
func (l *Ledger) submit(ctx context.Context, batch []custody.Record, blocks *blockCache) ([]trace.Receipt, error) {
	m, err := l.signer(batch[0])
	if err != nil {
		return nil, err
	}
	arg, err := json.Marshal(batch)
	if err != nil {
		return nil, err
	}
	var last error
	backoff := 250 * time.Millisecond
	start := time.Now()
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, errors.Join(last, ctx.Err())
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 4*time.Second)
		}
		receipts, err := m.submitOnce(ctx, batch, string(arg), blocks)
		if err == nil {
			return receipts, nil
		}
		last = err
		gap := errors.Is(err, custody.ErrGap)
		if refused(err) && !gap {
			return nil, err
		}
		budget := m.cfg.RetryFor
		if gap {
			budget = min(budget, gapRetryFor)
		}
		if ctx.Err() != nil || time.Since(start)+backoff > budget {
			return nil, fmt.Errorf("%w (gave up after %d attempts in %s)", last, attempt+1, time.Since(start).Round(time.Millisecond))
		}
	}
}

func (m *member) submitOnce(ctx context.Context, batch []custody.Record, arg string, blocks *blockCache) ([]trace.Receipt, error) {
	opts := []client.ProposalOption{client.WithArguments(arg)}
	if len(m.cfg.Endorsers) > 0 {
		opts = append(opts, client.WithEndorsingOrganizations(m.cfg.Endorsers...))
	}
	proposal, err := m.contract.NewProposal("Record", opts...)
	if err != nil {
		return nil, fmt.Errorf("fabric: proposal: %w", err)
	}
	tx, err := proposal.EndorseWithContext(ctx)
	if err != nil {
		return nil, classify(err)
	}
	var entries []custody.Entry
	if err := json.Unmarshal(tx.Result(), &entries); err != nil || len(entries) != len(batch) {
		return nil, fmt.Errorf("fabric: chaincode answered %d entries for %d records (%v): is the chaincode current?", len(entries), len(batch), err)
	}
	commit, err := tx.SubmitWithContext(ctx)
	if err != nil {
		return nil, classify(err)
	}
	status, err := commit.StatusWithContext(ctx)
	if err != nil {
		return nil, classify(err)
	}
	if !status.Successful {
		return nil, fmt.Errorf("fabric: transaction %s did not commit: %s", status.TransactionID, status.Code)
	}
	blocks.put(status.TransactionID, status.BlockNumber)
	out := make([]trace.Receipt, len(batch))
	for i, e := range entries {
		// A record already held answers with the transaction that wrote it.
		block, err := m.blockOf(ctx, e.TxID, blocks)
		if err != nil {
			return nil, err
		}
		out[i] = trace.Receipt{TxID: e.TxID, Block: block}
	}
	return out, nil
}

// blockCache remembers the block of transactions seen during one Anchor.
type blockCache struct {
	mu sync.Mutex
	m  map[string]uint64
}

func (c *blockCache) put(tx string, block uint64) {
	c.mu.Lock()
	c.m[tx] = block
	c.mu.Unlock()
}

func (c *blockCache) get(tx string) (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[tx]
	return b, ok
}

// blockOf finds the block of a committed transaction by asking the peer's
// Gateway for its commit status, the same question a submitter asks.
func (m *member) blockOf(ctx context.Context, txID string, blocks *blockCache) (uint64, error) {
	if b, ok := blocks.get(txID); ok {
		return b, nil
	}
	creator, err := proto.Marshal(&msp.SerializedIdentity{Mspid: m.id.MspID(), IdBytes: m.id.Credentials()})
	if err != nil {
		return 0, err
	}
	req, err := proto.Marshal(&gateway.CommitStatusRequest{TransactionId: txID, ChannelId: m.cfg.Channel, Identity: creator})
	if err != nil {
		return 0, err
	}
	signed, err := proto.Marshal(&gateway.SignedCommitStatusRequest{Request: req})
	if err != nil {
		return 0, err
	}
	commit, err := m.gw.NewCommit(signed)
	if err != nil {
		return 0, fmt.Errorf("fabric: commit status of %s: %w", txID, err)
	}
	cctx, cancel := context.WithTimeout(ctx, m.cfg.EvaluateTimeout)
	defer cancel()
	status, err := commit.StatusWithContext(cctx)
	if err != nil {
		return 0, fmt.Errorf("fabric: commit status of %s: %w", txID, classify(err))
	}
	blocks.put(txID, status.BlockNumber)
	return status.BlockNumber, nil
}
