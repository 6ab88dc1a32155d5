package trace

import (
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
)

// TestAct runs every event type by every role, as the lot's custodian and
// as an outsider, and the complaint and licence actions: custody moves only
// through ship and receive, a recall is a recall whoever writes it, and a
// lab's or regulator's record on what it does not hold is oversight.
func TestAct(t *testing.T) {
	types := []string{EventCommission, EventInspect, EventShip, EventReceive, EventTransform, EventSplit,
		EventMerge, EventPack, EventSell, EventRecall, EventCertify}
	for _, typ := range types {
		for _, role := range Roles {
			for _, holds := range []bool{true, false} {
				actor := Org{ID: "o-" + role, Roles: []string{role}}
				custodian := "someone-else"
				if holds {
					custodian = actor.ID
				}
				want := custody.ActStep
				switch {
				case typ == EventShip:
					want = custody.ActShip
				case typ == EventReceive:
					want = custody.ActReceive
				case typ == EventRecall:
					want = custody.ActRecall
				case !holds && (role == RoleRegulator || role == RoleLab):
					want = custody.ActRegulate
				}
				if got := act(typ, actor, custodian); got != want {
					t.Errorf("act(%s by %s, holds %v) = %q, want %q", typ, role, holds, got, want)
				}
			}
		}
	}
	regulator := Org{ID: "smr", Roles: []string{RoleRegulator}}
	brand := Org{ID: "mill", Roles: []string{RoleProcessor}}
	for _, tt := range []struct {
		name      string
		step      string
		actor     Org
		custodian string
		want      string
	}{
		{"consumer files a complaint", "filed", Org{}, "", custody.ActStep},
		{"inspector files a complaint", "filed", regulator, regulator.ID, custody.ActStep},
		{"regulator assigns a complaint", "assign", regulator, "", custody.ActRegulate},
		{"regulator closes a complaint", "close", regulator, "", custody.ActRegulate},
		{"admin works a complaint", "note", Org{ID: "admin", Roles: []string{RoleAdmin}}, "", custody.ActStep},
		{"brand owner grants a licence", LicenceGrant, brand, "", custody.ActStep},
		{"brand owner revokes a licence", LicenceRevoke, brand, "", custody.ActStep},
		{"regulator revokes a licence", LicenceRevoke, regulator, "", custody.ActRegulate},
	} {
		if got := act(tt.step, tt.actor, tt.custodian); got != tt.want {
			t.Errorf("%s: act = %q, want %q", tt.name, got, tt.want)
		}
	}
}
