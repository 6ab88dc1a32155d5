package trace

import "github.com/agritrace/agritrace/chain/custody"

// LedgerOrgs names the ledger organization (a Fabric MSP id) that signs for
// an organization's records. Org{} stands for an anonymous actor, a consumer
// filing a complaint, and maps to the deployment's default organization.
type LedgerOrgs interface {
	LedgerOrg(o Org) string
}

// ledgerOrg is who signs for o on the ledger; empty without a mapping, as
// on the embedded ledger, which has no organizations.
func (s *Service) ledgerOrg(o Org) string {
	if s.LedgerOrgs == nil {
		return ""
	}
	return s.LedgerOrgs.LedgerOrg(o)
}

// act says what a record of step (an event type or a complaint or licence
// action) written by actor does to custody on a shared ledger, which lets
// only the custodian step a chain on and only regulators oversee one.
// custodian is the organization holding the chain, "" for a chain no
// organization holds in the service's terms (a complaint being worked, a
// licence chain: its owner writes as itself, a regulator only oversees it).
// Labs and regulators that do not hold the chain record findings on it
// (inspections, certificates, complaint actions), which leave custody alone.
func act(step string, actor Org, custodian string) string {
	switch {
	case step == EventShip:
		return custody.ActShip
	case step == EventReceive:
		return custody.ActReceive
	case step == EventRecall:
		return custody.ActRecall
	case actor.Has(RoleRegulator, RoleLab) && actor.ID != custodian:
		return custody.ActRegulate
	}
	return custody.ActStep
}
