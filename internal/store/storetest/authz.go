package storetest

import (
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
)

func testOrgUpdates(t *testing.T, s trace.Store) {
	o := trace.Org{ID: "shop", Name: "Shop", Roles: []string{trace.RoleRetailer}, Region: "420526", CreatedAt: t0}
	must(t, s.CreateOrg(ctx, o))
	o.Disabled, o.DisabledAt = true, t0.Add(time.Hour)
	must(t, s.UpdateOrg(ctx, o))
	got, err := s.Org(ctx, "shop")
	must(t, err)
	if !got.Disabled || !got.DisabledAt.Equal(o.DisabledAt) || got.Name != "Shop" {
		t.Errorf("Org after update = %+v", got)
	}
	wantCode(t, s.UpdateOrg(ctx, trace.Org{ID: "ghost"}), trace.ENOTFOUND)
}

func testKeyRevocation(t *testing.T, s trace.Store) {
	must(t, s.CreateOrg(ctx, trace.Org{ID: "mill", Name: "Mill", Roles: []string{trace.RoleProcessor}, Region: "420526"}))
	must(t, s.CreateOrg(ctx, trace.Org{ID: "shop", Name: "Shop", Roles: []string{trace.RoleRetailer}, Region: "420526"}))
	a, secretA := trace.NewAPIKey("mill", "county-admin", t0)
	b, secretB := trace.NewAPIKey("mill", "cli", t0.Add(time.Minute))
	c, _ := trace.NewAPIKey("shop", "cli", t0)
	for _, k := range []trace.APIKey{a, b, c} {
		must(t, s.CreateAPIKey(ctx, k))
	}
	keys, err := s.APIKeys(ctx, "mill")
	must(t, err)
	if len(keys) != 2 || keys[0].ID != a.ID || keys[1].ID != b.ID || keys[0].CreatedBy != "county-admin" {
		t.Fatalf("APIKeys(mill) = %+v", keys)
	}
	a.RevokedBy, a.RevokedAt = "mill", t0.Add(time.Hour)
	must(t, s.UpdateAPIKey(ctx, a))
	_, err = s.OrgByAPIKey(ctx, trace.HashAPIKey(secretA))
	wantCode(t, err, trace.EUNAUTHORIZED)
	o, err := s.OrgByAPIKey(ctx, trace.HashAPIKey(secretB))
	must(t, err)
	if o.ID != "mill" {
		t.Errorf("OrgByAPIKey(b) = %s", o.ID)
	}
	keys, err = s.APIKeys(ctx, "mill")
	must(t, err)
	if !keys[0].Revoked() || keys[0].RevokedBy != "mill" || keys[1].Revoked() {
		t.Errorf("APIKeys after revocation = %+v", keys)
	}
	wantCode(t, s.UpdateAPIKey(ctx, trace.APIKey{ID: "nope", OrgID: "mill"}), trace.ENOTFOUND)
}

func testPrefixes(t *testing.T, s trace.Store) {
	p := trace.Prefix{Prefix: "6901234", Org: "mill", Status: trace.PrefixPending, DeclaredBy: "mill", DeclaredAt: t0}
	must(t, s.CreatePrefix(ctx, p))
	wantCode(t, s.CreatePrefix(ctx, trace.Prefix{Prefix: "6901234", Org: "other", Status: trace.PrefixPending}), trace.ECONFLICT)
	must(t, s.CreatePrefix(ctx, trace.Prefix{Prefix: "6901235", Org: "cc", Status: trace.PrefixApproved}))
	p.Status, p.ApprovedBy, p.ApprovedAt = trace.PrefixApproved, "amr", t0.Add(time.Hour)
	must(t, s.UpdatePrefix(ctx, p))
	all, err := s.Prefixes(ctx)
	must(t, err)
	if len(all) != 2 || all[0] != p || all[1].Org != "cc" {
		t.Errorf("Prefixes = %+v", all)
	}
	wantCode(t, s.UpdatePrefix(ctx, trace.Prefix{Prefix: "1234"}), trace.ENOTFOUND)
}

func licenceEntry(t *testing.T, gtin string, seq int64, prev, action string) trace.LicenceEntry {
	t.Helper()
	e := trace.LicenceEntry{GTIN: gtin, Seq: seq, Action: action, Licensee: "other-mill", Actor: "mill", Time: t0.Add(time.Duration(seq) * time.Hour), PrevHash: prev}
	h, err := e.ComputeHash()
	must(t, err)
	e.Hash = h
	return e
}

func testLicences(t *testing.T, s trace.Store) {
	const gtin = "06901234500592"
	record := func(e trace.LicenceEntry) custody.Record {
		return custody.Record{Kind: custody.KindLicence, Key: e.GTIN, Seq: uint64(e.Seq), Hash: e.Hash, PrevHash: e.PrevHash}
	}
	e0 := licenceEntry(t, gtin, 0, "", trace.LicenceGrant)
	must(t, s.Commit(ctx, trace.Change{Licences: []trace.LicenceEntry{e0}, Anchors: []custody.Record{record(e0)}}))
	e1 := licenceEntry(t, gtin, 1, e0.Hash, trace.LicenceRevoke)
	must(t, s.Commit(ctx, trace.Change{Licences: []trace.LicenceEntry{e1}, Anchors: []custody.Record{record(e1)}}))
	// A second writer that read the same chain loses, and leaves nothing behind.
	rival := licenceEntry(t, gtin, 1, e0.Hash, trace.LicenceGrant)
	wantCode(t, s.Commit(ctx, trace.Change{Licences: []trace.LicenceEntry{rival}, Anchors: []custody.Record{record(rival)}}), trace.ECONFLICT)
	got, err := s.LicenceEntries(ctx, gtin)
	must(t, err)
	if len(got) != 2 || got[0].Hash != e0.Hash || got[1].Action != trace.LicenceRevoke || !got[1].Time.Equal(e1.Time) {
		t.Fatalf("LicenceEntries = %+v", got)
	}
	if h, err := got[1].ComputeHash(); err != nil || h != e1.Hash {
		t.Errorf("stored entry hashes to %s (%v), want %s", h, err, e1.Hash)
	}
	anchors, err := s.Anchors(ctx, custody.KindLicence, gtin)
	must(t, err)
	if len(anchors) != 2 || anchors[1].Hash != e1.Hash {
		t.Errorf("Anchors = %+v", anchors)
	}
	none, err := s.LicenceEntries(ctx, "00000000000000")
	must(t, err)
	if len(none) != 0 {
		t.Errorf("LicenceEntries of another GTIN = %+v", none)
	}
}
