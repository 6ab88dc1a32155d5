package audit

import (
	"context"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
)

// madeUnder are the first events by which a lot comes into being as new
// goods under its GTIN; splits and merges only divide or combine goods that
// were already made.
var madeUnder = map[string]bool{trace.EventCommission: true, trace.EventTransform: true, trace.EventPack: true}

// licences checks, for every lot in the graph made by another organization
// than its GTIN's owner, that a licence was in force when it was made, and
// that each such GTIN's licence chain still matches the ledger: the rule
// that refused unlicensed writes read the store, and the store can be edited.
func (a Auditor) licences(ctx context.Context, r *Report, lots []trace.Lot) error {
	checked := map[string]bool{}
	for _, l := range lots {
		owner, _, entries, err := a.Service.Licences(ctx, l.GTIN)
		if trace.ErrorCode(err) == trace.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		if owner == "" || owner == l.Producer {
			continue
		}
		events, err := a.Store.Events(ctx, l.ID)
		if err != nil {
			return err
		}
		if len(events) == 0 || !madeUnder[events[0].Type] {
			continue
		}
		if !trace.LicensedAt(entries, l.Producer, events[0].Time) {
			r.add(High, "unlicensed_gtin", l.ID,
				fmt.Sprintf("%s made this lot under GTIN %s, which belongs to %s, with no licence in force at the time", l.Producer, l.GTIN, owner),
				fmt.Sprintf("%s 使用属于 %s 的 GTIN %s 生产了该批次，当时并无有效许可", l.Producer, owner, l.GTIN))
		}
		if checked[l.GTIN] {
			continue
		}
		checked[l.GTIN] = true
		v, err := a.Verifier.Licence(ctx, l.GTIN)
		if err != nil {
			return err
		}
		if v.Verdict == verify.Mismatch || v.Verdict == verify.Missing {
			r.add(High, "licence_altered", l.GTIN,
				fmt.Sprintf("the licences of GTIN %s do not match the ledger (%s): grants or revocations were edited or deleted", l.GTIN, v.Verdict),
				fmt.Sprintf("GTIN %s 的许可记录与区块链账本不一致（%s）：授权或撤销记录被篡改或删除", l.GTIN, v.Verdict))
		}
	}
	return nil
}
