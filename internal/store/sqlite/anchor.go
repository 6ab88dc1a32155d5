package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
)

// PendingAnchors implements trace.Store.
func (s *Store) PendingAnchors(ctx context.Context, limit int) ([]custody.Record, error) {
	return s.pendingAnchors(ctx, qPendingAnchorsAfter, limit, trace.AnchorChain{}, nil)
}

// The pending records of chains after or up to (kind, key), in the order of
// the anchors_chain index, leaving out a JSON array of [kind, key] pairs.
const (
	qPendingAnchorsAfter = `SELECT kind, key, seq, hash, prev_hash, act, to_org, by_org, from_chains FROM anchors WHERE status = ? AND (kind, key) > (?, ?)` + notSkipped
	qPendingAnchorsUpTo  = `SELECT kind, key, seq, hash, prev_hash, act, to_org, by_org, from_chains FROM anchors WHERE status = ? AND (kind, key) <= (?, ?)` + notSkipped
	notSkipped           = ` AND NOT EXISTS (SELECT 1 FROM json_each(?) j WHERE json_extract(j.value, '$[0]') = anchors.kind AND json_extract(j.value, '$[1]') = anchors.key)
		ORDER BY kind, key, seq LIMIT ?`
)

// outbox is where ClaimAnchors left off, so that the next call goes on from
// there round the chains.
type outbox struct {
	mu     sync.Mutex
	cursor trace.AnchorChain
}

// ClaimAnchors implements trace.Store. One process owns an SQLite database,
// so every chain is this instance's to send and claims need no record; the
// rest of the contract (whole chains in seq order, skip, taking turns) holds.
func (s *Store) ClaimAnchors(ctx context.Context, limit int, skip []trace.AnchorChain) ([]custody.Record, error) {
	s.outbox.mu.Lock()
	defer s.outbox.mu.Unlock()
	after := s.outbox.cursor
	recs, err := s.pendingAnchors(ctx, qPendingAnchorsAfter, limit+1, after, skip)
	if err != nil {
		return nil, err
	}
	if len(recs) <= limit && after != (trace.AnchorChain{}) {
		// Round the end, back to the chains up to where the last call stopped.
		more, err := s.pendingAnchors(ctx, qPendingAnchorsUpTo, limit+1-len(recs), after, skip)
		if err != nil {
			return nil, err
		}
		recs = append(recs, more...)
	}
	recs = trace.WholeChains(recs, limit)
	if len(recs) > 0 {
		s.outbox.cursor = trace.ChainOf(recs[len(recs)-1])
	}
	return recs, nil
}

// ReleaseAnchors implements trace.Store; there are no claims to drop.
func (s *Store) ReleaseAnchors(context.Context, []trace.AnchorChain) error { return nil }

// pendingAnchors reads up to limit pending records chain by chain with query q,
// which places them after or up to chain at, leaving out the chains in skip.
func (s *Store) pendingAnchors(ctx context.Context, q string, limit int, at trace.AnchorChain, skip []trace.AnchorChain) ([]custody.Record, error) {
	pairs := make([][2]string, len(skip))
	for i, c := range skip {
		pairs[i] = [2]string{c.Kind, c.Key}
	}
	skipped, err := json.Marshal(pairs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: pending anchors: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, q, trace.AnchorPending, at.Kind, at.Key, string(skipped), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: pending anchors: %w", err)
	}
	defer rows.Close()
	var out []custody.Record
	for rows.Next() {
		var r custody.Record
		if err := rows.Scan(&r.Kind, &r.Key, &r.Seq, &r.Hash, &r.PrevHash, &r.Act, &r.To, &r.By, sources{&r.From}); err != nil {
			return nil, fmt.Errorf("sqlite: scan anchor: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PendingAnchorCount implements trace.Store; the status index answers it
// without reading the records.
func (s *Store) PendingAnchorCount(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM anchors WHERE status = ?`, trace.AnchorPending).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count pending anchors: %w", err)
	}
	return n, nil
}

// SettleAnchors implements trace.Store, in one statement: a statement per
// record cost the worker as much as the ledger's write.
func (s *Store) SettleAnchors(ctx context.Context, outcomes []trace.AnchorOutcome) error {
	rows := make([][9]any, len(outcomes))
	for i, o := range outcomes {
		status := trace.AnchorAnchored
		if o.Refused != "" {
			status = trace.AnchorRejected
		}
		rows[i] = [9]any{status, o.Ledger, o.Receipt.TxID, o.Receipt.Block, o.Refused, o.At.UTC().Format(time.RFC3339Nano),
			o.Record.Kind, o.Record.Key, o.Record.Seq}
	}
	arg, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("sqlite: settle %d anchors: %w", len(outcomes), err)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, wSettleAnchor, string(arg)); err != nil {
			return fmt.Errorf("sqlite: settle %d anchors: %w", len(outcomes), err)
		}
		return nil
	})
}

// ResendAnchors implements trace.Store.
func (s *Store) ResendAnchors(ctx context.Context, ledger string, block uint64) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE anchors SET status = ?, tx_id = '', block = 0, anchored_at = '' WHERE status = ? AND ledger = ? AND block >= ?`,
			trace.AnchorPending, trace.AnchorAnchored, ledger, int64(block))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: resend anchors of %s from block %d: %w", ledger, block, err)
	}
	return int(n), nil
}

// Anchors implements trace.Store.
func (s *Store) Anchors(ctx context.Context, kind, key string) ([]trace.Anchor, error) {
	rows, err := s.read.QueryContext(ctx, qAnchors, kind, key)
	if err != nil {
		return nil, fmt.Errorf("sqlite: anchors of %s/%s: %w", kind, key, err)
	}
	defer rows.Close()
	var out []trace.Anchor
	for rows.Next() {
		var a trace.Anchor
		var at string
		if err := rows.Scan(&a.Kind, &a.Key, &a.Seq, &a.Hash, &a.PrevHash, &a.Act, &a.To, &a.By, sources{&a.From}, &a.Status, &a.Ledger, &a.TxID, &a.Block, &a.Error, &at); err != nil {
			return nil, fmt.Errorf("sqlite: scan anchor: %w", err)
		}
		if at != "" {
			a.AnchoredAt, _ = time.Parse(time.RFC3339Nano, at)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AddScan implements trace.Store.
func (s *Store) AddScan(ctx context.Context, sc trace.Scan) error {
	return s.AddScans(ctx, []trace.Scan{sc})
}

// Scans implements trace.Store.
func (s *Store) Scans(ctx context.Context, f trace.ScanFilter) ([]trace.Scan, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	var where []string
	var args []any
	switch {
	case f.Serial != "":
		where, args = append(where, "serial = ?"), append(args, f.Serial)
	case f.Lot != "":
		where, args = append(where, "lot = ?"), append(args, f.Lot)
	}
	if len(f.Verdicts) > 0 {
		where = append(where, "verdict IN (?"+strings.Repeat(", ?", len(f.Verdicts)-1)+")")
		for _, v := range f.Verdicts {
			args = append(args, v)
		}
	}
	q := `SELECT doc FROM scans`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return listDocs[trace.Scan](ctx, s.read, q+" ORDER BY time DESC LIMIT ?", append(args, limit)...)
}

// sources scans a record's From, kept as a JSON array (” for none).
type sources struct{ from *[]string }

func (s sources) Scan(v any) error {
	var text string
	switch v := v.(type) {
	case string:
		text = v
	case []byte:
		text = string(v)
	case nil:
	default:
		return fmt.Errorf("sqlite: from_chains of type %T", v)
	}
	*s.from = nil
	if text == "" {
		return nil
	}
	return json.Unmarshal([]byte(text), s.from)
}

// sourcesValue is the stored form of a record's From.
func sourcesValue(from []string) string {
	if len(from) == 0 {
		return ""
	}
	b, _ := json.Marshal(from)
	return string(b)
}
