package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
)

// Commit implements trace.Store in one SQLite transaction.
func (s *Store) Commit(ctx context.Context, c trace.Change) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		// The answer first: a duplicate of a recorded write is then told
		// apart from a lost race, whatever else it would have changed.
		if c.Replay != nil {
			if err := s.insertReplay(ctx, tx, *c.Replay); err != nil {
				return err
			}
		}
		for _, w := range c.Lots {
			if err := s.writeLot(ctx, tx, w); err != nil {
				return err
			}
		}
		i, err := s.insertRows(ctx, tx, "events", "lot, seq, doc, ms, type", len(c.Events), func(i int) []any {
			e := c.Events[i]
			return []any{e.Lot, e.Seq, mustJSON(e), e.Time.UnixMilli(), e.Type}
		})
		if isUnique(err) {
			return trace.Errorf(trace.ECONFLICT, "lot %s already has event %d", c.Events[i].Lot, c.Events[i].Seq)
		}
		if err != nil {
			return fmt.Errorf("sqlite: insert event %s/%d: %w", c.Events[i].Lot, c.Events[i].Seq, err)
		}
		for _, w := range c.Units {
			if err := s.writeUnit(ctx, tx, w); err != nil {
				return err
			}
		}
		if err := writeComplaints(ctx, tx, c); err != nil {
			return err
		}
		if err := writeLicences(ctx, tx, c.Licences); err != nil {
			return err
		}
		if err := s.writeCaptured(ctx, tx, c.Captured); err != nil {
			return err
		}
		i, err = s.insertRows(ctx, tx, "anchors", "kind, key, seq, hash, prev_hash, act, to_org, by_org, from_chains, status", len(c.Anchors), func(i int) []any {
			r := c.Anchors[i]
			return []any{r.Kind, r.Key, r.Seq, r.Hash, r.PrevHash, r.Act, r.To, r.By, sourcesValue(r.From), trace.AnchorPending}
		})
		if isUnique(err) {
			return trace.Errorf(trace.ECONFLICT, "%s %s already has record %d", c.Anchors[i].Kind, c.Anchors[i].Key, c.Anchors[i].Seq)
		}
		if err != nil {
			return fmt.Errorf("sqlite: queue anchor %s/%s/%d: %w", c.Anchors[i].Kind, c.Anchors[i].Key, c.Anchors[i].Seq, err)
		}
		return nil
	})
}

func (s *Store) writeLot(ctx context.Context, tx *sql.Tx, w trace.LotWrite) error {
	l := w.Lot
	if w.PrevSeq < 0 {
		_, err := s.exec(ctx, tx, wInsertLot,
			l.ID, l.GTIN, l.Custodian, l.Status, l.Seq, mustJSON(l))
		if isUnique(err) {
			return trace.Errorf(trace.ECONFLICT, "lot %s already exists", l.ID)
		}
		if err != nil {
			return fmt.Errorf("sqlite: insert lot %s: %w", l.ID, err)
		}
		for _, p := range l.Parents {
			if _, err := s.exec(ctx, tx, wLinkParent, l.ID, p.Lot); err != nil {
				return fmt.Errorf("sqlite: link lot %s to %s: %w", l.ID, p.Lot, err)
			}
		}
		return nil
	}
	res, err := s.exec(ctx, tx, wUpdateLot,
		l.Custodian, l.Status, l.Seq, mustJSON(l), l.ID, w.PrevSeq)
	if err != nil {
		return fmt.Errorf("sqlite: update lot %s: %w", l.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return trace.Errorf(trace.ECONFLICT, "lot %s changed while this request was being handled; retry", l.ID)
	}
	return nil
}

func (s *Store) writeUnit(ctx context.Context, tx *sql.Tx, w trace.UnitWrite) error {
	u := w.Unit
	if w.PrevStatus == "" {
		_, err := s.exec(ctx, tx, wInsertUnit, u.Serial, u.Lot, u.Status, mustJSON(u))
		if isUnique(err) {
			return trace.Errorf(trace.ECONFLICT, "unit %s already exists", u.Serial)
		}
		if err != nil {
			return fmt.Errorf("sqlite: insert unit %s: %w", u.Serial, err)
		}
		return nil
	}
	res, err := s.exec(ctx, tx, wUpdateUnit, u.Status, mustJSON(u), u.Serial, w.PrevStatus)
	if err != nil {
		return fmt.Errorf("sqlite: update unit %s: %w", u.Serial, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return trace.Errorf(trace.ECONFLICT, "unit %s changed while this request was being handled; retry", u.Serial)
	}
	return nil
}

// Lot implements trace.Store.
func (s *Store) Lot(ctx context.Context, id string) (trace.Lot, error) {
	var l trace.Lot
	err := getDoc(ctx, s.read, &l, "lot "+id, qLot, id)
	return l, err
}

// Lots implements trace.Store.
func (s *Store) Lots(ctx context.Context, f trace.LotFilter) ([]trace.Lot, error) {
	var where []string
	var args []any
	from := "lots"
	if f.Parent != "" {
		from = "lots JOIN lot_parents p ON p.lot = lots.id"
		where, args = append(where, "p.parent = ?"), append(args, f.Parent)
	}
	for col, v := range map[string]string{"custodian": f.Custodian, "status": f.Status, "gtin": f.GTIN} {
		if v != "" {
			where, args = append(where, "lots."+col+" = ?"), append(args, v)
		}
	}
	if f.Holder != "" {
		// Lots written before holders were kept still name their custodian and producer.
		where = append(where, `(lots.custodian = ? OR json_extract(lots.doc, '$.producer') = ?
			OR EXISTS (SELECT 1 FROM json_each(lots.doc, '$.holders') WHERE value = ?))`)
		args = append(args, f.Holder, f.Holder, f.Holder)
	}
	if f.Area != "" {
		where, args = append(where, `EXISTS (SELECT 1 FROM json_each(lots.doc, '$.areas') WHERE value = ?)`), append(args, f.Area)
	}
	q := "SELECT lots.doc FROM " + from
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY lots.id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return listDocs[trace.Lot](ctx, s.read, q, args...)
}

// Events implements trace.Store.
func (s *Store) Events(ctx context.Context, lot string) ([]trace.Event, error) {
	return listDocs[trace.Event](ctx, s.read, qEvents, lot)
}

// Unit implements trace.Store.
func (s *Store) Unit(ctx context.Context, serial string) (trace.Unit, error) {
	var u trace.Unit
	err := getDoc(ctx, s.read, &u, "unit "+serial, qUnit, serial)
	return u, err
}

// Units implements trace.Store.
func (s *Store) Units(ctx context.Context, lot string) ([]trace.Unit, error) {
	return listDocs[trace.Unit](ctx, s.read, qUnits, lot)
}
