package fabric

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
)

// Node is what one AgriTrace node needs to write to a channel shared by
// several organizations: the identities it signs with (Own first, each
// with its organization's peer) and which organization writes for each
// AgriTrace organization.
type Node struct {
	Own   Config
	Other []Config
	Orgs  OrgMap
}

// LoadNode reads the node's settings from path and the environment, as
// LoadEnv does: the unsuffixed identity is the node's own; FABRIC_IDENTITIES
// lists the suffixes of the other identities it holds (for example "_2");
// FABRIC_ORG_MSPS maps AgriTrace organizations to the organization whose
// identity writes their records (see ParseOrgMap). Without FABRIC_ORG_MSPS
// the node's own organization writes everything.
func LoadNode(path string, getenv func(string) string) (Node, error) {
	vals, err := readEnv(path)
	if err != nil {
		return Node{}, err
	}
	own, err := loadEnv(vals, "", getenv)
	if err != nil {
		return Node{}, err
	}
	n := Node{Own: own, Orgs: OrgMap{fallback: own.MSPID}}
	get := func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vals[k]
	}
	for _, suffix := range strings.Fields(strings.ReplaceAll(get("FABRIC_IDENTITIES"), ",", " ")) {
		c, err := loadEnv(vals, suffix, getenv)
		if err != nil {
			return Node{}, fmt.Errorf("FABRIC_IDENTITIES %s: %w", suffix, err)
		}
		n.Other = append(n.Other, c)
	}
	if v := get("FABRIC_ORG_MSPS"); v != "" {
		if n.Orgs, err = ParseOrgMap(v); err != nil {
			return Node{}, err
		}
	}
	return n, nil
}

// OrgMap names the ledger organization (a Fabric MSP id) that writes the
// records of each AgriTrace organization. It implements trace.LedgerOrgs.
type OrgMap struct {
	rules    []orgRule
	fallback string
}

type orgRule struct{ org, role, msp string }

// ParseOrgMap reads rules such as
//
//	org:coop-fengdu=FengduMSP role:regulator=RegulatorMSP role:lab=RegulatorMSP *=CollectorMSP
//
// separated by spaces or commas. The first rule that matches an organization
// (by its id, or by one of its roles) wins; "*" matches every organization,
// including the anonymous consumer who files a complaint, and must be given.
func ParseOrgMap(s string) (OrgMap, error) {
	var m OrgMap
	for _, f := range strings.Fields(strings.ReplaceAll(s, ",", " ")) {
		sel, msp, ok := strings.Cut(f, "=")
		if !ok || !custody.ValidOrg(msp) {
			return OrgMap{}, fmt.Errorf("fabric: FABRIC_ORG_MSPS: %q is not SELECTOR=MSPID", f)
		}
		switch kind, v, _ := strings.Cut(sel, ":"); {
		case sel == "*":
			if m.fallback != "" {
				return OrgMap{}, fmt.Errorf("fabric: FABRIC_ORG_MSPS: two rules for *")
			}
			m.fallback = msp
		case kind == "org" && v != "":
			m.rules = append(m.rules, orgRule{org: v, msp: msp})
		case kind == "role" && slices.Contains(trace.Roles, v):
			m.rules = append(m.rules, orgRule{role: v, msp: msp})
		default:
			return OrgMap{}, fmt.Errorf("fabric: FABRIC_ORG_MSPS: selector %q: want org:ID, role:ROLE (one of %s) or *", sel, strings.Join(trace.Roles, ", "))
		}
	}
	if m.fallback == "" {
		return OrgMap{}, fmt.Errorf("fabric: FABRIC_ORG_MSPS: no rule for * (the organization that writes for everyone else)")
	}
	return m, nil
}

// LedgerOrg returns the MSP id that writes o's records.
func (m OrgMap) LedgerOrg(o trace.Org) string {
	for _, r := range m.rules {
		if (r.org != "" && r.org == o.ID) || (r.role != "" && o.Has(r.role)) {
			return r.msp
		}
	}
	return m.fallback
}

// MSPs lists every MSP id the map names, for checking that some node holds
// each one's identity.
func (m OrgMap) MSPs() []string {
	out := []string{m.fallback}
	for _, r := range m.rules {
		if !slices.Contains(out, r.msp) {
			out = append(out, r.msp)
		}
	}
	return out
}
