package fabric

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/agritrace/agritrace/internal/trace"
)

func TestOrgMap(t *testing.T) {
	m, err := ParseOrgMap("org:coop-fengdu=FengduMSP, role:regulator=RegulatorMSP role:lab=RegulatorMSP *=CollectorMSP")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		org  trace.Org
		want string
	}{
		{trace.Org{ID: "coop-fengdu", Roles: []string{trace.RoleCollector}}, "FengduMSP"},
		{trace.Org{ID: "amr-county", Roles: []string{trace.RoleRegulator}}, "RegulatorMSP"},
		{trace.Org{ID: "lab-1", Roles: []string{trace.RoleLab}}, "RegulatorMSP"},
		{trace.Org{ID: "press-1", Roles: []string{trace.RoleProcessor}}, "CollectorMSP"},
		{trace.Org{}, "CollectorMSP"},
	}
	for _, tt := range tests {
		if got := m.LedgerOrg(tt.org); got != tt.want {
			t.Errorf("LedgerOrg(%s) = %s, want %s", tt.org.ID, got, tt.want)
		}
	}
	if got := m.MSPs(); len(got) != 3 {
		t.Errorf("MSPs = %v", got)
	}
	for _, bad := range []string{"", "role:regulator=RegulatorMSP", "role:king=X *=C", "org:=X *=C", "*=C *=D", "*", "*=bad msp"} {
		if _, err := ParseOrgMap(bad); err == nil {
			t.Errorf("ParseOrgMap(%q) accepted", bad)
		}
	}
}

func TestLoadNode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "client.env")
	os.WriteFile(path, []byte("FABRIC_CHANNEL=custody\nFABRIC_CHAINCODE=custody\n"+
		"FABRIC_PEER_ENDPOINT=127.0.0.1:7051\nFABRIC_TLS_CA=/ca.crt\nFABRIC_MSP_ID=CollectorMSP\nFABRIC_MSP_DIR=/msp\n"+
		"FABRIC_PEER_ENDPOINT_2=127.0.0.1:9051\nFABRIC_TLS_CA_2=/ca2.crt\nFABRIC_MSP_ID_2=RegulatorMSP\nFABRIC_MSP_DIR_2=/msp2\n"+
		"FABRIC_IDENTITIES=_2\nFABRIC_ORG_MSPS=role:regulator=RegulatorMSP *=CollectorMSP\n"), 0o600)
	n, err := LoadNode(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if n.Own.MSPID != "CollectorMSP" || len(n.Other) != 1 || n.Other[0].MSPID != "RegulatorMSP" ||
		n.Orgs.LedgerOrg(trace.Org{Roles: []string{trace.RoleRegulator}}) != "RegulatorMSP" {
		t.Errorf("node = %+v", n)
	}
	// A node that runs for one organization only: the environment empties
	// its list of other identities, and the map still names the others.
	n, err = LoadNode(path, func(k string) string {
		if k == "FABRIC_IDENTITIES" {
			return " "
		}
		return ""
	})
	if err != nil || len(n.Other) != 0 || n.Orgs.LedgerOrg(trace.Org{Roles: []string{trace.RoleRegulator}}) != "RegulatorMSP" {
		t.Errorf("single-organization node = %+v, %v", n, err)
	}
	// Without a map, the node's own organization writes everything.
	os.WriteFile(path, []byte("FABRIC_CHANNEL=c\nFABRIC_CHAINCODE=c\nFABRIC_PEER_ENDPOINT=p:1\nFABRIC_TLS_CA=/ca\nFABRIC_MSP_ID=OnlyMSP\nFABRIC_MSP_DIR=/m\nFABRIC_IDENTITIES=_9\n"), 0o600)
	if _, err := LoadNode(path, func(string) string { return "" }); err == nil {
		t.Error("an identity without settings was accepted")
	}
}
