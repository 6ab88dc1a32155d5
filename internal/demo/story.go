package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/agritrace/agritrace/internal/digitallink"
	"github.com/agritrace/agritrace/internal/trace"
)

// Organization ids of the cast, in Xingshan County (兴山县, 420526), Hubei.
const (
	Admin     = "county-commerce"
	Coop      = "taoyuan-coop"
	Collector = "xingshan-cc"
	Mill      = "gufu-mill"
	DC        = "xingshan-dc"
	Shop      = "zhaojun-shop"
	Regulator = "xingshan-amr"
)

// Cast is the demo's organizations.
func Cast() []trace.Org {
	return []trace.Org{
		{ID: Admin, Name: "兴山县商务局", NameEN: "Xingshan County Commerce Bureau", Roles: []string{trace.RoleAdmin}, Region: "420526"},
		{ID: Coop, Name: "桃园村油菜种植专业合作社", NameEN: "Taoyuan Village Rapeseed Co-op", Roles: []string{trace.RoleProducer}, Region: "420526101201"},
		{ID: Collector, Name: "兴山县农产品集配中心", NameEN: "Xingshan Produce Collection Center", Roles: []string{trace.RoleCollector}, Region: "420526"},
		{ID: Mill, Name: "古夫镇菜籽油坊", NameEN: "Gufu Town Oil Mill", Roles: []string{trace.RoleProcessor}, Region: "420526101", SCCode: MillSC},
		{ID: DC, Name: "兴山县物流配送中心", NameEN: "Xingshan County Distribution Center", Roles: []string{trace.RoleLogistics}, Region: "420526"},
		{ID: Shop, Name: "昭君镇商贸中心超市", NameEN: "Zhaojun Town Commerce Center Shop", Roles: []string{trace.RoleRetailer}, Region: "420526102"},
		{ID: Regulator, Name: "兴山县市场监督管理局", NameEN: "Xingshan County Market Regulation", Roles: []string{trace.RoleRegulator}, Region: "420526"},
	}
}

// MillSC is the mill's food production licence number: edible oil (102), in
// Hubei (42), Yichang (05), Xingshan (26).
const MillSC = "SC10242052600137"

// The collection center's contact on its certificates, and the clerk who
// signs them.
const (
	CollectorPhone  = "0717-2581234"
	CollectorSigner = "赵建国"
)

// Growers of the two seed lots: the first agreed to be named to shoppers, the
// second did not, so scan pages show only her village and farm.
const (
	NamedGrower   = "王德明"
	UnnamedGrower = "李秀兰"
)

// GS1 Company Prefixes of the cast (GS1 China's range begins 690): the
// collection center's covers its bulk rapeseed, the mill's its oil, meal and
// bottles.
const (
	CollectorPrefix = "6901235"
	MillPrefix      = "6901234"
)

// Prefixes is each demo organization's approved GS1 Company Prefix.
func Prefixes() map[string]string {
	return map[string]string{Collector: CollectorPrefix, Mill: MillPrefix}
}

// GTINs of the demo products: a GTIN-13 under the owner's prefix, padded to
// 14 digits.
var (
	Seed   = gtin("0" + CollectorPrefix + "00011")
	Oil    = gtin("0690123450028")
	Meal   = gtin("0690123450035")
	Bottle = gtin("0690123450059")
)

func gtin(first13 string) string { return first13 + string(digitallink.CheckDigit(first13)) }

// Products is the demo's product catalogue; each is registered by its owner.
func Products() []trace.Product {
	return []trace.Product{
		{GTIN: Seed, NameZH: "油菜籽", NameEN: "Rapeseed", Unit: trace.UnitKG, Category: "rapeseed", Owner: Collector},
		{GTIN: Oil, NameZH: "压榨菜籽油（散装）", NameEN: "Pressed rapeseed oil (bulk)", Unit: trace.UnitL, Category: "rapeseed-oil", Owner: Mill},
		{GTIN: Meal, NameZH: "菜籽饼", NameEN: "Rapeseed meal", Unit: trace.UnitKG, Category: "rapeseed-meal", Owner: Mill},
		{GTIN: Bottle, NameZH: "兴山压榨菜籽油 5L", NameEN: "Xingshan pressed rapeseed oil 5 L", Unit: trace.UnitPiece, Category: "bottled-rapeseed-oil", Owner: Mill},
	}
}

// Story is what the demo made.
type Story struct {
	SeedLots   []string `json:"seedLots"`
	OilLot     string   `json:"oilLot"`
	MealLot    string   `json:"mealLot"`
	BottleLot  string   `json:"bottleLot"`
	Sold       []string `json:"sold"`
	SoldURL    string   `json:"soldUrl"`
	ShelfURL   string   `json:"shelfUrl"`
	BottleURLs []string `json:"bottleUrls"`
}

type result struct {
	Lots  []trace.Lot `json:"lots"`
	Units []struct {
		Serial string `json:"serial"`
	} `json:"units"`
}

// Run plays the story against the API at base, with keys holding an API key per
// organization of the cast, whose Prefixes are approved. Lot numbers get a
// fresh suffix so the story can be told again on the same data.
func Run(ctx context.Context, base string, keys map[string]string, log io.Writer) (Story, error) {
	as := func(org string) Client { return Client{Base: base, Key: keys[org]} }
	run := suffix()
	var st Story
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("demo: %s: %w", what, err)
		}
		fmt.Fprintf(log, "  ✓ %s\n", what)
		return nil
	}
	for _, p := range Products() {
		err := as(p.Owner).Do(ctx, "POST", "/api/v1/products", p, nil)
		if e := new(APIError); err != nil && asAPIError(err, e) && e.Code == trace.ECONFLICT {
			err = nil
		}
		if err := step("register product "+p.NameZH, err); err != nil {
			return st, err
		}
	}
	seedLots := []struct {
		number          string
		kg              int64
		village, farm   string
		region, harvest string
		grower          string
		consent         bool
		moisture, oil   float64
		impurities      float64
		grade           string
	}{
		{"RS" + run + "A", 6000, "桃园村", "桃园村油菜种植专业合作社", "420526101201", "2026-05-12", NamedGrower, true, 7.2, 41.8, 1.4, "二等"},
		{"RS" + run + "B", 4500, "响滩村", "响滩村家庭农场", "420526101205", "2026-05-15", UnnamedGrower, false, 7.6, 40.6, 1.9, "二等"},
	}
	for _, l := range seedLots {
		var r result
		err := as(Collector).Do(ctx, "POST", "/api/v1/lots", trace.CommissionInput{
			GTIN: Seed, Lot: l.number, Quantity: l.kg * 1000,
			Origin: &trace.Origin{
				Region: l.region, Village: l.village, Farm: l.farm, HarvestDate: l.harvest, Grower: l.grower, GrowerConsent: l.consent,
			},
		}, &r)
		if err := step(fmt.Sprintf("collection center buys %d kg of rapeseed from %s (lot %s)", l.kg, l.farm, l.number), err); err != nil {
			return st, err
		}
		id := r.Lots[0].ID
		st.SeedLots = append(st.SeedLots, id)
		err = as(Collector).Do(ctx, "POST", "/api/v1/lots/"+id+"/inspect", trace.InspectInput{
			Results: map[string]any{"moisture": l.moisture, "oilContent": l.oil, "impurities": l.impurities, "grade": l.grade},
			Note:    "GB/T 11762",
		}, nil)
		if err := step(fmt.Sprintf("quality test: moisture %.1f %%, oil content %.1f %%, grade %s", l.moisture, l.oil, l.grade), err); err != nil {
			return st, err
		}
		var cert trace.Certificate
		err = as(Collector).Do(ctx, "POST", "/api/v1/lots/"+id+"/certificates", trace.CertifyInput{
			Phone: CollectorPhone, Basis: trace.BasisSelfTest, Results: map[string]any{"农药残留速测": "阴性"},
			Signer: CollectorSigner, Commit: true,
		}, &cert)
		if err := step("承诺达标合格证 "+cert.Number+" issued on a self-test", err); err != nil {
			return st, err
		}
		if err := step("ship to the oil mill", as(Collector).Do(ctx, "POST", "/api/v1/lots/"+id+"/ship", trace.ShipInput{To: Mill}, nil)); err != nil {
			return st, err
		}
		if err := step("mill receives the seed", as(Mill).Do(ctx, "POST", "/api/v1/lots/"+id+"/receive", trace.ReceiveInput{}, nil)); err != nil {
			return st, err
		}
	}
	// 10 t of seed: all of lot A and 4 t of lot B; pressing yields 36 % oil
	// (3.6 t ≈ 3,930 L at 0.915 kg/L) and 62 % meal.
	var tr result
	err := as(Mill).Do(ctx, "POST", "/api/v1/transforms", trace.TransformInput{
		Inputs: []trace.Portion{{Lot: st.SeedLots[0], Quantity: 6_000_000}, {Lot: st.SeedLots[1], Quantity: 4_000_000}},
		Outputs: []trace.OutputInput{
			{GTIN: Oil, Lot: "OIL" + run, Quantity: 3_930_000},
			{GTIN: Meal, Lot: "MEAL" + run, Quantity: 6_200_000},
		},
	}, &tr)
	if err := step("mill presses 10 t of seed into 3,930 L of oil and 6.2 t of meal", err); err != nil {
		return st, err
	}
	st.OilLot, st.MealLot = trace.LotID(Oil, "OIL"+run), trace.LotID(Meal, "MEAL"+run)
	err = as(Mill).Do(ctx, "POST", "/api/v1/lots/"+st.OilLot+"/inspect", trace.InspectInput{
		Results: map[string]any{"acidValue": 1.1, "peroxideValue": 0.08, "aflatoxinB1": 2.1, "benzoPyrene": 1.3},
		Note:    "GB/T 1536, GB 2761",
	}, nil)
	if err := step("oil tested: acid value 1.1, aflatoxin B1 2.1 µg/kg", err); err != nil {
		return st, err
	}
	var packed result
	err = as(Mill).Do(ctx, "POST", "/api/v1/lots/"+st.OilLot+"/pack", trace.PackInput{GTIN: Bottle, Lot: "B" + run, Count: 200, UnitSize: 5000}, &packed)
	if err := step("mill fills 200 bottles of 5 L, each with a signed serial", err); err != nil {
		return st, err
	}
	st.BottleLot = trace.LotID(Bottle, "B"+run)
	for _, leg := range []struct{ from, to, what string }{
		{Mill, DC, "ship bottles to the county distribution center"},
		{DC, Shop, "distribution center delivers to the township shop"},
	} {
		if err := step(leg.what, as(leg.from).Do(ctx, "POST", "/api/v1/lots/"+st.BottleLot+"/ship", trace.ShipInput{To: leg.to}, nil)); err != nil {
			return st, err
		}
		if err := step("received", as(leg.to).Do(ctx, "POST", "/api/v1/lots/"+st.BottleLot+"/receive", trace.ReceiveInput{}, nil)); err != nil {
			return st, err
		}
	}
	for _, u := range packed.Units[:3] {
		st.Sold = append(st.Sold, u.Serial)
	}
	err = as(Shop).Do(ctx, "POST", "/api/v1/lots/"+st.BottleLot+"/sell", trace.SellInput{Serials: st.Sold}, nil)
	if err := step("shop sells 3 bottles", err); err != nil {
		return st, err
	}
	var units struct {
		Units []struct {
			Serial string `json:"serial"`
			URL    string `json:"url"`
		} `json:"units"`
	}
	if err := as(Regulator).Do(ctx, "GET", "/api/v1/lots/"+st.BottleLot+"/units", nil, &units); err != nil {
		return st, err
	}
	for _, u := range units.Units {
		st.BottleURLs = append(st.BottleURLs, u.URL)
		switch {
		case u.Serial == st.Sold[0]:
			st.SoldURL = u.URL
		case st.ShelfURL == "" && !contains(st.Sold, u.Serial):
			st.ShelfURL = u.URL
		}
	}
	return st, nil
}

// WaitAnchored polls until every event of the story's lots is verified on the
// ledger, or ctx ends, and says which ledger holds them.
func WaitAnchored(ctx context.Context, base string, st Story) (trace.LedgerInfo, error) {
	lots := append(append([]string{}, st.SeedLots...), st.OilLot, st.MealLot, st.BottleLot)
	var info trace.LedgerInfo
	for _, id := range lots {
		for {
			var r struct {
				Verdict string           `json:"verdict"`
				Ledger  trace.LedgerInfo `json:"ledger"`
			}
			if err := (Client{Base: base}).Do(ctx, "GET", "/api/v1/lots/"+id+"/verify", nil, &r); err != nil {
				return info, err
			}
			info = r.Ledger
			if r.Verdict == "verified" {
				break
			}
			if r.Verdict != "pending" {
				return info, fmt.Errorf("lot %s verifies as %s", id, r.Verdict)
			}
			select {
			case <-ctx.Done():
				return info, fmt.Errorf("lot %s still pending: %w", id, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return info, nil
}

func suffix() string {
	b := make([]byte, 2)
	rand.Read(b)
	return time.Now().UTC().Format("0102") + hex.EncodeToString(b)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
