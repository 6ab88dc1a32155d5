package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/agritrace/agritrace/internal/audit"
	"github.com/agritrace/agritrace/internal/digitallink"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
)

// rogue is another mill, in Yichang, that would like its oil to pass for the
// Gufu mill's.
const (
	rogue       = "yichang-mill"
	rogueprefix = "6909876"
)

// newOrg has the demo admin register an organization and issue it a key.
func newOrg(t *testing.T, e *env, id string, roles ...string) {
	t.Helper()
	admin := e.as(demo.Admin)
	expect(t, admin, "POST", "/api/v1/orgs", trace.Org{ID: id, Name: "宜昌某油脂厂", Roles: roles, Region: "420500"}, 201, "", "")
	var k struct{ Key, CreatedBy string }
	if err := admin.Do(bg, "POST", "/api/v1/orgs/"+id+"/keys", nil, &k); err != nil {
		t.Fatal(err)
	}
	if k.CreatedBy != demo.Admin {
		t.Errorf("key createdBy = %q, want %s", k.CreatedBy, demo.Admin)
	}
	e.Keys[id] = k.Key
}

func gtinOf(first13 string) string { return first13 + string(digitallink.CheckDigit(first13)) }

type licences struct {
	Owner        string
	Licences     []trace.Licence
	Entries      []trace.LicenceEntry
	Verification verify.Report
}

// waitLicences polls a GTIN's licences until their chain is no longer pending.
func waitLicences(t *testing.T, e *env, gtin string) licences {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	for {
		var l licences
		if err := e.as(demo.Shop).Do(ctx, "GET", "/api/v1/products/"+gtin+"/licences", nil, &l); err != nil {
			t.Fatal(err)
		}
		if l.Verification.Verdict != verify.Pending {
			return l
		}
		select {
		case <-ctx.Done():
			t.Fatalf("licences of %s still pending", gtin)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestGTINOwnership is the attack from issue 7: another mill registers and
// packs under the demo mill's bottle GTIN. Both are refused until the owner
// grants a licence, and again once it revokes it; the licence chain is on the
// ledger, so deleting the revocation from the database shows.
func TestGTINOwnership(t *testing.T) {
	e := start(t)
	st := e.story(t)
	newOrg(t, e, rogue, trace.RoleProcessor, trace.RoleProducer)
	r, mill := e.as(rogue), e.as(demo.Mill)
	rogueOil := trace.Product{GTIN: gtinOf("0" + rogueprefix + "00028"), NameZH: "菜籽油（散装）", Unit: trace.UnitL, Category: "rapeseed-oil"}

	expect(t, r, "POST", "/api/v1/orgs/"+rogue+"/prefixes", map[string]string{"prefix": rogueprefix}, 201, "", "")
	expect(t, r, "POST", "/api/v1/products", rogueOil, 403, trace.EFORBIDDEN, "gtin") // pending
	expect(t, e.as(demo.Regulator), "POST", "/api/v1/orgs/"+rogue+"/prefixes/"+rogueprefix+"/approve", nil, 200, "", "")
	var created trace.Product
	if err := r.Do(bg, "POST", "/api/v1/products", rogueOil, &created); err != nil || created.Owner != rogue {
		t.Fatalf("register own product: %v, owner %q", err, created.Owner)
	}

	// Registering under the demo mill's GTINs, existing or new.
	bottle := demo.Products()[3]
	expect(t, r, "POST", "/api/v1/products", bottle, 400, trace.EINVALID, "owner")
	bottle.Owner = ""
	expect(t, r, "POST", "/api/v1/products", bottle, 403, trace.EFORBIDDEN, "gtin")
	expect(t, r, "POST", "/api/v1/products", trace.Product{GTIN: gtinOf("0" + demo.MillPrefix + "99990"), NameZH: "山寨油", Unit: trace.UnitPiece}, 403, trace.EFORBIDDEN, "gtin")

	var own trace.Result
	err := r.Do(bg, "POST", "/api/v1/lots", trace.CommissionInput{
		GTIN: rogueOil.GTIN, Lot: "Y1", Quantity: 1_000_000, Origin: &trace.Origin{Region: "420500", Village: "某村"},
	}, &own)
	if err != nil {
		t.Fatal(err)
	}
	oilLot := own.Lots[0].ID
	pack := func(lot string) trace.PackInput {
		return trace.PackInput{GTIN: demo.Bottle, Lot: lot, Count: 10, UnitSize: 5000}
	}
	expect(t, r, "POST", "/api/v1/lots/"+oilLot+"/pack", pack("FAKE1"), 403, trace.EFORBIDDEN, "gtin")
	expect(t, r, "POST", "/api/v1/transforms", trace.TransformInput{
		Inputs:  []trace.Portion{{Lot: oilLot, Quantity: 100_000}},
		Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "FAKE", Quantity: 100_000}},
	}, 403, trace.EFORBIDDEN, "outputs[0].gtin")
	expect(t, e.as(demo.Coop), "POST", "/api/v1/lots", trace.CommissionInput{
		GTIN: demo.Seed, Lot: "C1", Quantity: 1000, Origin: &trace.Origin{Region: "420526101201", Village: "桃园村"},
	}, 403, trace.EFORBIDDEN, "gtin")

	// Only the owner licenses.
	expect(t, r, "POST", "/api/v1/products/"+demo.Bottle+"/licences", map[string]string{"licensee": rogue}, 403, trace.EFORBIDDEN, "")
	expect(t, mill, "POST", "/api/v1/products/"+demo.Bottle+"/licences", map[string]string{"licensee": "ghost"}, 422, trace.EUNPROCESSABLE, "licensee")
	expect(t, mill, "POST", "/api/v1/products/"+demo.Bottle+"/licences", map[string]string{"licensee": rogue}, 201, "", "")
	expect(t, mill, "POST", "/api/v1/products/"+demo.Bottle+"/licences", map[string]string{"licensee": rogue}, 409, trace.ECONFLICT, "licensee")
	var packed trace.Result
	if err := r.Do(bg, "POST", "/api/v1/lots/"+oilLot+"/pack", pack("LIC1"), &packed); err != nil || len(packed.Units) != 10 {
		t.Fatalf("pack under licence: %v, %d units", err, len(packed.Units))
	}
	l := waitLicences(t, e, demo.Bottle)
	if l.Owner != demo.Mill || len(l.Licences) != 1 || l.Licences[0].Licensee != rogue || l.Verification.Verdict != verify.Verified {
		t.Fatalf("licences after grant = %+v", l)
	}

	expect(t, r, "DELETE", "/api/v1/products/"+demo.Bottle+"/licences/"+rogue, nil, 403, trace.EFORBIDDEN, "")
	expect(t, mill, "DELETE", "/api/v1/products/"+demo.Bottle+"/licences/"+rogue, nil, 200, "", "")
	expect(t, mill, "DELETE", "/api/v1/products/"+demo.Bottle+"/licences/"+rogue, nil, 404, trace.ENOTFOUND, "")
	expect(t, r, "POST", "/api/v1/lots/"+oilLot+"/pack", pack("FAKE2"), 403, trace.EFORBIDDEN, "gtin")
	// The owner itself needs no licence.
	expect(t, mill, "POST", "/api/v1/lots/"+st.OilLot+"/pack", pack("B2"+st.BottleLot[len(st.BottleLot)-4:]), 201, "", "")

	l = waitLicences(t, e, demo.Bottle)
	if len(l.Licences) != 0 || len(l.Entries) != 2 || l.Entries[1].Action != trace.LicenceRevoke || l.Entries[1].PrevHash != l.Entries[0].Hash || l.Verification.Verdict != verify.Verified {
		t.Fatalf("licences after revocation = %+v", l)
	}

	// An insider deletes the revocation to license the rogue again: the
	// ledger still holds it.
	if _, err := e.Store.DB().Exec(`DELETE FROM licence_entries WHERE gtin = ? AND seq = 1`, demo.Bottle); err != nil {
		t.Fatal(err)
	}
	l = waitLicences(t, e, demo.Bottle)
	if l.Verification.Verdict != verify.Missing {
		t.Errorf("licence chain with its revocation deleted verifies as %s, want missing", l.Verification.Verdict)
	}

	// The audit of the lot packed under licence says the licences were
	// altered; once the grant is deleted too, it also says the lot was made
	// without one, although the store no longer shows any licence at all.
	licensedLot := trace.LotID(demo.Bottle, "LIC1")
	rep := lotAudit(t, e, demo.Admin, licensedLot)
	if !hasFinding(rep, "licence_altered") || hasFinding(rep, "unlicensed_gtin") {
		t.Errorf("audit with the revocation deleted: %+v", rep.Findings)
	}
	if _, err := e.Store.DB().Exec(`DELETE FROM licence_entries WHERE gtin = ?`, demo.Bottle); err != nil {
		t.Fatal(err)
	}
	if rep := lotAudit(t, e, demo.Admin, licensedLot); !hasFinding(rep, "licence_altered") || !hasFinding(rep, "unlicensed_gtin") {
		t.Errorf("audit with every licence entry deleted: %+v", rep.Findings)
	}
	// The owner's own lots need no licence.
	if rep := lotAudit(t, e, demo.Regulator, st.BottleLot); hasFinding(rep, "unlicensed_gtin") {
		t.Errorf("the owner's own bottles are reported unlicensed: %+v", rep.Findings)
	}
}

// lotAudit is a lot's audit as org reads it.
func lotAudit(t *testing.T, e *env, org, lot string) audit.Report {
	t.Helper()
	var rep audit.Report
	if err := e.as(org).Do(bg, "GET", "/api/v1/audits/lots/"+lot, nil, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestPrefixes: declaring, approving, and one prefix, one owner.
func TestPrefixes(t *testing.T) {
	e := start(t)
	newOrg(t, e, rogue, trace.RoleProcessor)
	r, admin, reg := e.as(rogue), e.as(demo.Admin), e.as(demo.Regulator)
	declare := func(c demo.Client, org, prefix string, status int, code string) {
		t.Helper()
		field := ""
		if code == trace.EINVALID || code == trace.ECONFLICT {
			field = "prefix"
		}
		expect(t, c, "POST", "/api/v1/orgs/"+org+"/prefixes", map[string]string{"prefix": prefix}, status, code, field)
	}
	for _, bad := range []string{"123", "1234567890123", "69a1234", ""} {
		declare(r, rogue, bad, 400, trace.EINVALID)
	}
	declare(r, demo.Mill, "6905555", 403, trace.EFORBIDDEN)
	declare(r, rogue, demo.MillPrefix, 409, trace.ECONFLICT)
	declare(r, rogue, demo.MillPrefix+"5", 409, trace.ECONFLICT)
	declare(r, rogue, "690123", 409, trace.ECONFLICT)
	declare(e.as(demo.Mill), demo.Mill, "690123", 409, trace.ECONFLICT) // would cover the collection center's
	declare(admin, rogue, "6905555", 201, "")
	declare(r, rogue, "69055", 201, "") // nesting one's own prefixes is harmless

	approve := "/api/v1/orgs/" + rogue + "/prefixes/6905555/approve"
	expect(t, r, "POST", approve, nil, 403, trace.EFORBIDDEN, "")
	expect(t, e.as(demo.Mill), "POST", approve, nil, 403, trace.EFORBIDDEN, "")
	expect(t, e.as(demo.Regulator), "POST", "/api/v1/orgs/"+rogue+"/prefixes/6909999/approve", nil, 404, trace.ENOTFOUND, "")
	product := trace.Product{GTIN: gtinOf("0690555500011"), NameZH: "菜籽油", Unit: trace.UnitL}
	expect(t, r, "POST", "/api/v1/products", product, 403, trace.EFORBIDDEN, "gtin")
	expect(t, reg, "POST", approve, nil, 200, "", "")
	expect(t, reg, "POST", approve, nil, 409, trace.ECONFLICT, "")
	expect(t, admin, "POST", "/api/v1/products", product, 403, trace.EFORBIDDEN, "")
	expect(t, r, "POST", "/api/v1/products", product, 201, "", "")

	var list struct{ Prefixes []trace.Prefix }
	if err := e.as(demo.Shop).Do(bg, "GET", "/api/v1/orgs/"+rogue+"/prefixes", nil, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Prefixes) != 2 || list.Prefixes[1].Prefix != "6905555" || list.Prefixes[1].Status != trace.PrefixApproved ||
		list.Prefixes[1].DeclaredBy != demo.Admin || list.Prefixes[1].ApprovedBy != demo.Regulator || list.Prefixes[0].Status != trace.PrefixPending {
		t.Errorf("prefixes = %+v", list.Prefixes)
	}
}

// TestAPIKeyRevocation: keys are listed without secrets, say who made them,
// and stop working once revoked.
func TestAPIKeyRevocation(t *testing.T) {
	e := start(t)
	admin, mill := e.as(demo.Admin), e.as(demo.Mill)
	expect(t, admin, "POST", "/api/v1/orgs", trace.Org{ID: trace.CommandLine.ID, Name: "冒名", Roles: []string{trace.RoleAdmin}, Region: "420526"}, 400, trace.EINVALID, "id")
	var made struct{ ID, Key, CreatedBy string }
	if err := admin.Do(bg, "POST", "/api/v1/orgs/"+demo.Mill+"/keys", nil, &made); err != nil {
		t.Fatal(err)
	}
	second := demo.Client{Base: e.URL, Key: made.Key}
	expect(t, second, "GET", "/api/v1/products", nil, 200, "", "")

	var raw json.RawMessage
	if err := mill.Do(bg, "GET", "/api/v1/orgs/"+demo.Mill+"/keys", nil, &raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), made.Key) || strings.Contains(string(raw), "atk_") || strings.Contains(string(raw), "hash") {
		t.Errorf("key list shows secrets: %s", raw)
	}
	var list struct{ Keys []trace.APIKey }
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Keys) != 2 || list.Keys[0].CreatedBy != trace.CommandLine.ID || list.Keys[1].ID != made.ID || list.Keys[1].CreatedBy != demo.Admin {
		t.Errorf("keys = %+v", list.Keys)
	}
	path := "/api/v1/orgs/" + demo.Mill + "/keys/" + made.ID
	expect(t, e.as(demo.Shop), "GET", "/api/v1/orgs/"+demo.Mill+"/keys", nil, 403, trace.EFORBIDDEN, "")
	expect(t, e.as(demo.Shop), "DELETE", path, nil, 403, trace.EFORBIDDEN, "")
	expect(t, mill, "DELETE", path, nil, 200, "", "")
	expect(t, second, "GET", "/api/v1/products", nil, 401, trace.EUNAUTHORIZED, "")
	expect(t, mill, "GET", "/api/v1/products", nil, 200, "", "")
	expect(t, mill, "DELETE", path, nil, 409, trace.ECONFLICT, "")
	expect(t, mill, "DELETE", "/api/v1/orgs/"+demo.Mill+"/keys/nope", nil, 404, trace.ENOTFOUND, "")
	expect(t, admin, "DELETE", "/api/v1/orgs/"+demo.Mill+"/keys/"+list.Keys[0].ID, nil, 200, "", "")
	expect(t, mill, "GET", "/api/v1/products", nil, 401, trace.EUNAUTHORIZED, "")
}

// TestOrgDisable: a disabled organization cannot sign in or be shipped to,
// and what it recorded before still verifies.
func TestOrgDisable(t *testing.T) {
	e := start(t)
	st := e.story(t)
	admin, shop := e.as(demo.Admin), e.as(demo.Shop)
	expect(t, shop, "POST", "/api/v1/orgs/"+demo.Mill+"/disable", nil, 403, trace.EFORBIDDEN, "")
	expect(t, admin, "POST", "/api/v1/orgs/"+demo.Admin+"/disable", nil, 422, trace.EUNPROCESSABLE, "")
	var o trace.Org
	if err := admin.Do(bg, "POST", "/api/v1/orgs/"+demo.Shop+"/disable", nil, &o); err != nil || !o.Disabled {
		t.Fatalf("disable: %v, %+v", err, o)
	}
	err := shop.Do(bg, "GET", "/api/v1/lots/"+st.BottleLot, nil, nil)
	var apiErr *demo.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 401 || !strings.Contains(apiErr.Message, "disabled") {
		t.Errorf("disabled shop's key: %v, want 401 saying it is disabled", err)
	}
	expect(t, e.as(demo.Mill), "POST", "/api/v1/lots/"+st.MealLot+"/ship", trace.ShipInput{To: demo.Shop}, 422, trace.EUNPROCESSABLE, "to")
	var v struct{ Verdict string }
	if err := (demo.Client{Base: e.URL}).Do(bg, "GET", "/api/v1/lots/"+st.BottleLot+"/verify", nil, &v); err != nil || v.Verdict != verify.Verified {
		t.Errorf("bottle lot the shop sold from verifies as %q (%v)", v.Verdict, err)
	}
	expect(t, admin, "POST", "/api/v1/orgs/"+demo.Shop+"/enable", nil, 200, "", "")
	expect(t, shop, "GET", "/api/v1/lots/"+st.BottleLot, nil, 200, "", "")
	expect(t, e.as(demo.Mill), "POST", "/api/v1/lots/"+st.MealLot+"/ship", trace.ShipInput{To: demo.Shop}, 201, "", "")
}
