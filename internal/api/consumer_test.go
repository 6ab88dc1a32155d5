package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/trace"
)

// provenanceOf fetches a scan page as JSON, and its raw text.
func provenanceOf(t *testing.T, e *env, rawURL string) (scan.Provenance, string) {
	t.Helper()
	status, body := get(t, rawURL, "Accept", "application/json")
	if status != 200 {
		t.Fatalf("scan %s = %d %s", rawURL, status, body)
	}
	var p scan.Provenance
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("scan JSON: %v", err)
	}
	return p, body
}

// recallBottles has the regulator find aflatoxin in the oil and recall the
// seed lot it was pressed from, with advice to consumers.
func recallBottles(t *testing.T, e *env, st demo.Story) {
	t.Helper()
	expect(t, e.as(demo.Regulator), "POST", "/api/v1/lots/"+st.OilLot+"/inspect", trace.InspectInput{
		Results: map[string]any{"aflatoxinB1": 50, "solventResidue": 20, "colour": "金黄"}, Note: "GB 2761 抽检",
	}, 201, "", "")
	expect(t, e.as(demo.Regulator), "POST", "/api/v1/lots/"+st.SeedLots[1]+"/recall", trace.RecallInput{
		Reason: "黄曲霉毒素B1超标", Advice: "请停止食用，退回昭君镇商贸中心超市。咨询电话 12315。",
	}, 201, "", "")
}

func TestScanShowsRecallAdvice(t *testing.T) {
	e := start(t)
	st := e.story(t)
	recallBottles(t, e, st)
	p, _ := provenanceOf(t, e, st.ShelfURL)
	if p.Recall == nil || p.Recall.Reason != "黄曲霉毒素B1超标" || !strings.Contains(p.Recall.Advice, "昭君镇商贸中心超市") ||
		p.Recall.Origin != st.SeedLots[1] || p.Recall.ByName != "兴山县市场监督管理局" || len(p.Recall.Time) != len("2006-01-02 15:04") {
		t.Fatalf("recall on the scan of a bottle: %+v", p.Recall)
	}
	for _, lang := range []string{"zh", "en"} {
		_, page := get(t, st.ShelfURL+"&lang="+lang, "Accept", "text/html")
		for _, want := range []string{`id="recall"`, "黄曲霉毒素B1超标", "退回昭君镇商贸中心超市", p.Recall.Time, map[string]string{"zh": "召回通知", "en": "Recall notice"}[lang]} {
			if !strings.Contains(page, want) {
				t.Errorf("%s page lacks %q", lang, want)
			}
		}
	}
	// A recall without advice tells the shopper to call 12315.
	expect(t, e.as(demo.Regulator), "POST", "/api/v1/lots/"+st.SeedLots[0]+"/recall", trace.RecallInput{Reason: "水分超标霉变"}, 201, "", "")
	lot, _ := provenanceOf(t, e, e.URL+"/01/"+demo.Seed+"/10/"+st.SeedLots[0][15:])
	if lot.Recall == nil || lot.Recall.Advice != trace.DefaultRecallAdvice || !strings.Contains(lot.Recall.Advice, "12315") || lot.Recall.Origin != "" {
		t.Errorf("default advice: %+v", lot.Recall)
	}
	expect(t, e.as(demo.Regulator), "POST", "/api/v1/lots/"+st.MealLot+"/recall", trace.RecallInput{Reason: "x", Advice: strings.Repeat("长", 1001)}, 400, "invalid", "advice")
}

func TestScanJudgesResultsAgainstLimits(t *testing.T) {
	e := start(t)
	st := e.story(t)
	recallBottles(t, e, st)
	p, _ := provenanceOf(t, e, st.ShelfURL)
	got := map[string]string{}
	for _, q := range p.Quality {
		lim := "-"
		if q.Limit != nil {
			lim = q.Limit.Max + q.Limit.Min + " " + q.Limit.Unit + " " + q.Limit.Standard
		}
		got[fmt.Sprintf("%s %v %s", q.Key, q.Value, q.ByName)] = lim + " " + q.Verdict
	}
	for k, want := range map[string]string{
		"aflatoxinB1 50 兴山县市场监督管理局":    "10 µg/kg GB 2761 fail",
		"aflatoxinB1 2.1 古夫镇菜籽油坊":      "10 µg/kg GB 2761 pass",
		"acidValue 1.1 古夫镇菜籽油坊":        "3 mg/g GB 2716 pass",
		"peroxideValue 0.08 古夫镇菜籽油坊":   "0.25 g/100g GB 2716 pass",
		"benzoPyrene 1.3 古夫镇菜籽油坊":      "10 µg/kg GB 2762 pass",
		"solventResidue 20 兴山县市场监督管理局": "20 mg/kg GB 2716 pass",
		"moisture 7.2 兴山县农产品集配中心":      "8.0 % GB/T 11762 pass",
		"oilContent 40.6 兴山县农产品集配中心":   "34 % GB/T 11762 pass",
		"colour 金黄 兴山县市场监督管理局":         "- ",
		"grade 二等 兴山县农产品集配中心":          "- ",
	} {
		if got[k] != want {
			t.Errorf("%s: limit and verdict %q, want %q", k, got[k], want)
		}
	}
	_, page := get(t, st.ShelfURL, "Accept", "text/html")
	for _, want := range []string{`data-key="aflatoxinB1" data-verdict="fail"`, "不合格", "≤ 10 µg/kg · GB 2761", "无适用的国家标准限量"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestScanJourneyByLot(t *testing.T) {
	e := start(t)
	st := e.story(t)
	p, _ := provenanceOf(t, e, st.SoldURL)
	var lots []string
	transforms := map[string]int{}
	for _, ch := range p.Journey {
		lots = append(lots, ch.Lot)
		seen := map[string]bool{}
		for _, s := range ch.Steps {
			line := fmt.Sprintf("%s %s %s %s %s %s", s.Type, s.ActorName, s.ToName, s.Place.Name, s.Time, s.Quantity)
			if seen[line] || s.Lot != ch.Lot || s.Check != "verified" && s.Check != "pending" {
				t.Errorf("chapter %s: step %q repeated, misplaced or unchecked (%s)", ch.Lot, line, s.Check)
			}
			seen[line] = true
			if s.Type == trace.EventTransform {
				transforms[ch.Lot]++
			}
			if s.Type == trace.EventShip && s.ToName == "" {
				t.Errorf("chapter %s: shipment to nobody", ch.Lot)
			}
		}
	}
	want := []string{st.SeedLots[1], st.SeedLots[0], st.OilLot, st.BottleLot}
	if strings.Join(lots[:2], " ") != want[0]+" "+want[1] && strings.Join(lots[:2], " ") != want[1]+" "+want[0] || strings.Join(lots[2:], " ") != want[2]+" "+want[3] {
		t.Errorf("chapters %v, want the seed lots, the oil, the bottles", lots)
	}
	for _, l := range want[:3] {
		if transforms[l] != 1 {
			t.Errorf("the pressing shows %d times in %s's chapter, want once", transforms[l], l)
		}
	}
	last := p.Journey[len(p.Journey)-1]
	sold := last.Steps[len(last.Steps)-1]
	if sold.Type != trace.EventSell || sold.ActorName != "昭君镇商贸中心超市" || sold.Place.Region == "" || sold.Time == "" {
		t.Errorf("the bottle's last step %+v, want sold by the shop, when and where", sold)
	}
	_, page := get(t, st.SoldURL, "Accept", "text/html")
	for _, want := range []string{"发运</strong> 至 兴山县物流配送中心", "销售", `class="chapter"`, "兴山压榨菜籽油 5L"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestScanShowsLicenceAndGrowerWithConsentOnly(t *testing.T) {
	e := start(t)
	st := e.story(t)
	p, body := provenanceOf(t, e, st.ShelfURL)
	if p.Maker == nil || p.Maker.ID != demo.Mill || p.Maker.SCCode != demo.MillSC {
		t.Errorf("maker %+v, want the mill with its SC code", p.Maker)
	}
	var growers []string
	for _, o := range p.Origins {
		growers = append(growers, o.Grower)
	}
	if !strings.Contains(body, demo.NamedGrower) || strings.Contains(body, demo.UnnamedGrower) {
		t.Errorf("public growers %q: want %s shown, %s hidden", growers, demo.NamedGrower, demo.UnnamedGrower)
	}
	for _, u := range []string{st.ShelfURL + "&lang=en", e.URL + "/01/" + demo.Seed + "/10/" + st.SeedLots[1][15:]} {
		_, page := get(t, u, "Accept", "text/html")
		if strings.Contains(page, demo.UnnamedGrower) {
			t.Errorf("%s names the grower who did not consent", u)
		}
		_, raw := get(t, u, "Accept", "application/json")
		if strings.Contains(raw, demo.UnnamedGrower) {
			t.Errorf("%s JSON names the grower who did not consent", u)
		}
	}
	_, page := get(t, st.ShelfURL, "Accept", "text/html")
	for _, want := range []string{demo.MillSC, "食品生产许可证编号", demo.NamedGrower, "响滩村"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Organizations reading through the API still see who grew it.
	var lot trace.Lot
	if err := e.as(demo.Mill).Do(bg, "GET", "/api/v1/lots/"+st.SeedLots[1], nil, &lot); err != nil {
		t.Fatal(err)
	}
	if lot.Origin == nil || lot.Origin.Grower != demo.UnnamedGrower || lot.Origin.GrowerConsent {
		t.Errorf("the mill reads origin %+v", lot.Origin)
	}
}

func TestGrowerAndLicenceValidated(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	origin := func(o trace.Origin) trace.CommissionInput {
		return trace.CommissionInput{GTIN: demo.Seed, Lot: "V1", Quantity: 1000, Origin: &o}
	}
	expect(t, e.as(demo.Collector), "POST", "/api/v1/lots", origin(trace.Origin{Region: "420526101201", Village: "桃园村", GrowerConsent: true}), 400, "invalid", "origin.growerConsent")
	expect(t, e.as(demo.Collector), "POST", "/api/v1/lots", origin(trace.Origin{Region: "420526101201", Village: "桃园村", Grower: strings.Repeat("王", 51)}), 400, "invalid", "origin.grower")
	for _, sc := range []string{"SC1024205260013", "SC20242052600137", "sc10242052600137", "XK10242052600137"} {
		expect(t, e.as(demo.Admin), "POST", "/api/v1/orgs", trace.Org{ID: "mill-2", Name: "油坊", Roles: []string{trace.RoleProcessor}, Region: "420526", SCCode: sc}, 400, "invalid", "scCode")
	}
	expect(t, e.as(demo.Admin), "POST", "/api/v1/orgs", trace.Org{ID: "mill-2", Name: "油坊", Roles: []string{trace.RoleProcessor}, Region: "420526", SCCode: "SC10242052600145"}, 201, "", "")
}
