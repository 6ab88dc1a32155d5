package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/audit"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

type scanAnswer struct {
	Verdict  string
	Reasons  []struct{ Code, ZH, EN string }
	Place    struct{ Region, Source, Reported string }
	Scanners int
}

func (a scanAnswer) codes() []string {
	var out []string
	for _, r := range a.Reasons {
		out = append(out, r.Code)
	}
	return out
}

// scanAs opens a label URL as a consumer (org "") or with an organization's key.
func scanAs(t *testing.T, e *env, org, rawURL, region string) scanAnswer {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if region != "" {
		q.Set("region", region)
	}
	var a scanAnswer
	if err := e.as(org).Do(bg, "GET", u.Path+"?"+q.Encode(), nil, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

const (
	xingshan = "420526102" // Zhaojun town, where the demo shop sells
	gongan   = "421022"    // Gong'an county, Jingzhou: another prefecture
)

// Addresses from the ip2region database: a Yichang and a Wuhan line, both in
// Hubei where the demo shop sells, and a Beijing line.
const (
	yichangIP = "27.21.0.1"
	wuhanIP   = "27.16.128.1"
	beijingIP = "1.2.2.1"
)

func TestScanRules(t *testing.T) {
	e := start(t, withIPs(t))
	st := e.story(t)
	shelf, sold := st.ShelfURL, st.SoldURL
	tests := []struct {
		name, org, url, region string
		from, geo              string // client address, and lat,lon the phone shares
		verdict                string
		codes                  []string
		words                  []string // places and sellers named in the reasons
		source, placed         string   // where the scan was placed, and on what
	}{
		{"genuine at the shop", "", shelf, "", yichangIP, "", "genuine", nil, nil, "ip", "420500"},
		{"a consumer's far region does not clone a genuine bottle", "", shelf, gongan, yichangIP, "", "genuine", nil, nil, "ip", "420500"},
		{"a location the address does not back is not weighed", "", shelf, "", yichangIP, "39.90,116.40", "genuine", nil, nil, "ip", "420500"},
		{"cloned label far away", "", shelf, "", beijingIP, "", "suspicious", []string{"cloned_label", "far_from_market"},
			[]string{"发往湖北省宜昌市销售，却在北京市被扫描（地点依据网络地址，精确到省）", "shipped for sale in Yichang, Hubei but is scanned in Beijing (placed by the network address, to the province)"}, "ip", "110000"},
		{"phone location in another prefecture", "", shelf, "", wuhanIP, "30.33,112.24", "suspicious", []string{"far_from_market"},
			[]string{"却在湖北省荆州市被扫描（地点依据手机定位）", "scanned in Jingzhou, Hubei (placed by the phone's location)"}, "geolocation", "421000"},
		{"sold bottle scanned by buyer at home", "", sold, "", yichangIP, "", "genuine", nil, nil, "ip", "420500"},
		{"refill: sold bottle on a shelf, inspector scan", demo.Regulator, sold, xingshan, yichangIP, "", "suspicious", []string{"shelved_after_sale"},
			[]string{"由昭君镇商贸中心超市售出", "by Zhaojun Town Commerce Center Shop"}, "inspector", xingshan},
		{"refill: sold bottle scanned far away", "", sold, "", beijingIP, "", "suspicious", []string{"sold_elsewhere"},
			[]string{"在湖北省宜昌市售出，现在却在远处的北京市被扫描", "in Yichang, Hubei and is now scanned far away, in Beijing"}, "ip", "110000"},
		{"forged signature", "", strings.Replace(shelf, "&s=", "&s=AB", 1), "", yichangIP, "", "not_genuine", []string{"bad_signature"}, nil, "ip", "420500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := url.Values{}
			if tt.region != "" {
				extra.Set("region", tt.region)
			}
			if lat, lon, ok := strings.Cut(tt.geo, ","); ok {
				extra.Set("lat", lat)
				extra.Set("lon", lon)
			}
			a := scanWith(t, e.phone(tt.org, tt.from), tt.url, extra)
			if a.Verdict != tt.verdict {
				t.Fatalf("verdict %s (%v), want %s", a.Verdict, a.codes(), tt.verdict)
			}
			if a.Place.Source != tt.source || a.Place.Region != tt.placed {
				t.Errorf("placed at %+v, want %s by %s", a.Place, tt.placed, tt.source)
			}
			for _, c := range tt.codes {
				if !slices.Contains(a.codes(), c) {
					t.Errorf("reasons %v lack %s", a.codes(), c)
				}
			}
			var said strings.Builder
			for _, r := range a.Reasons {
				if r.ZH == "" || r.EN == "" {
					t.Errorf("reason %s lacks plain words: %+v", r.Code, r)
				}
				said.WriteString(r.ZH + "\n" + r.EN + "\n")
			}
			for _, w := range tt.words {
				if !strings.Contains(said.String(), w) {
					t.Errorf("reasons do not say %q:\n%s", w, said.String())
				}
			}
		})
	}
	var alerts struct{ Alerts []trace.Scan }
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/alerts", nil, &alerts); err != nil {
		t.Fatal(err)
	}
	if len(alerts.Alerts) != 5 {
		t.Errorf("alerts = %d, want the 5 suspicious or forged scans", len(alerts.Alerts))
	}
	for _, a := range alerts.Alerts {
		if a.Verdict == "genuine" || a.Verdict == "pending" {
			t.Errorf("alert %s has verdict %s", a.ID, a.Verdict)
		}
		if a.RegionSource == "" || a.Scanner == "" {
			t.Errorf("alert %s does not record its place's source or its scanner: %+v", a.ID, a)
		}
	}
	var newest struct{ Alerts []trace.Scan }
	if err := e.as(demo.Regulator).Do(bg, "GET", "/api/v1/alerts?limit=2", nil, &newest); err != nil {
		t.Fatal(err)
	}
	if len(newest.Alerts) != 2 || len(alerts.Alerts) < 2 || newest.Alerts[0].ID != alerts.Alerts[0].ID {
		t.Errorf("alerts?limit=2 = %d alerts, want the newest 2", len(newest.Alerts))
	}
}

func TestOverYieldAndOverPacking(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	seed := atMill(t, e, "A1", 10000)
	mill := e.as(demo.Mill)
	// 6,600 L of oil is about 6 t: 60 % of the seed's mass, twice what a press gives.
	expect(t, mill, "POST", "/api/v1/transforms", trace.TransformInput{
		Inputs:  []trace.Portion{{Lot: seed, Quantity: 10_000_000}},
		Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "O1", Quantity: 6_600_000}},
	}, 422, trace.EUNPROCESSABLE, "outputs[0].quantity")
	expect(t, mill, "POST", "/api/v1/transforms", trace.TransformInput{
		Inputs:  []trace.Portion{{Lot: seed, Quantity: 10_000_000}},
		Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "O1", Quantity: 3_900_000}, {GTIN: demo.Meal, Lot: "M1", Quantity: 2_000_000}},
	}, 422, trace.EUNPROCESSABLE, "outputs[1].quantity")
	expect(t, mill, "POST", "/api/v1/transforms", trace.TransformInput{
		Inputs:  []trace.Portion{{Lot: seed, Quantity: 10_000_000}},
		Outputs: []trace.OutputInput{{GTIN: demo.Oil, Lot: "O1", Quantity: 3_900_000}, {GTIN: demo.Meal, Lot: "M1", Quantity: 6_100_000}},
	}, 201, "", "")
	oil := trace.LotID(demo.Oil, "O1")
	expect(t, mill, "POST", "/api/v1/lots/"+oil+"/pack", trace.PackInput{GTIN: demo.Bottle, Lot: "B1", Count: 781, UnitSize: 5000}, 422, trace.EUNPROCESSABLE, "count")
	expect(t, mill, "POST", "/api/v1/lots/"+oil+"/pack", trace.PackInput{GTIN: demo.Bottle, Lot: "B1", Count: 780, UnitSize: 5000}, 201, "", "")
}

func TestComplaintLifecycle(t *testing.T) {
	e := start(t)
	st := e.story(t)
	photo := pngPhoto(t)
	var filed struct{ ID, Status string }
	err := e.as("").Do(bg, "POST", "/api/v1/complaints", trace.FileInput{
		Serial: st.Sold[0], Lot: st.BottleLot, Kind: "refill", Region: gongan,
		Description: "在公安县的小卖部买到，瓶盖有撬过的痕迹，油的颜色发浑",
		Evidence:    []trace.EvidenceInput{{ContentType: "image/png", Data: photo}},
	}, &filed)
	if err != nil || filed.Status != "open" {
		t.Fatalf("file: %+v, %v", filed, err)
	}
	bad := []struct {
		name  string
		in    trace.FileInput
		field string
	}{
		{"no kind", trace.FileInput{Serial: "X", Description: "x"}, "kind"},
		{"empty description", trace.FileInput{Serial: "X", Kind: "other"}, "description"},
		{"too long", trace.FileInput{Serial: "X", Kind: "other", Description: strings.Repeat("假", trace.MaxDescription+1)}, "description"},
		{"nothing named", trace.FileInput{Kind: "other", Description: "x"}, "serial"},
		{"not a photo", trace.FileInput{Serial: "X", Kind: "other", Description: "x", Evidence: []trace.EvidenceInput{{ContentType: "text/html", Data: []byte("<b>")}}}, "evidence[0].contentType"},
		{"HTML declared as a photo", trace.FileInput{Serial: "X", Kind: "other", Description: "x", Evidence: []trace.EvidenceInput{{ContentType: "image/png", Data: []byte("<html><script>alert(1)</script>")}}}, "evidence[0].data"},
	}
	for _, tt := range bad {
		expect(t, e.as(demo.Regulator), "POST", "/api/v1/complaints", tt.in, 400, trace.EINVALID, tt.field)
	}
	// Anonymous reports are rate-limited per address: the first succeeded,
	// four more fit the burst, the sixth is refused.
	for i := range 5 {
		err := e.as("").Do(bg, "POST", "/api/v1/complaints", trace.FileInput{Lot: st.BottleLot, Kind: "other", Description: "test"}, nil)
		if i < 4 && err != nil {
			t.Fatalf("report %d: %v", i+2, err)
		}
		if i == 4 {
			var ae *demo.APIError
			if !asAPIError(err, &ae) || ae.Status != 429 {
				t.Fatalf("sixth anonymous report: %v, want 429", err)
			}
		}
	}
	expect(t, e.as(demo.Shop), "GET", "/api/v1/complaints", nil, 403, trace.EFORBIDDEN, "")

	reg := e.as(demo.Regulator)
	path := "/api/v1/complaints/" + filed.ID
	expect(t, reg, "POST", path+"/actions", trace.WorkInput{Action: "close", Resolution: "maybe"}, 400, trace.EINVALID, "resolution")
	expect(t, e.as(demo.Shop), "POST", path+"/actions", trace.WorkInput{Action: "assign", Assignee: "me"}, 403, trace.EFORBIDDEN, "")
	for _, w := range []trace.WorkInput{
		{Action: "assign", Assignee: "张科长"},
		{Action: "note", Note: "现场检查：货架上有 3 瓶相同序列号的油"},
		{Action: "close", Resolution: "confirmed", Note: "回收瓶灌装，已立案"},
	} {
		expect(t, reg, "POST", path+"/actions", w, 200, "", "")
	}
	expect(t, reg, "POST", path+"/actions", trace.WorkInput{Action: "note", Note: "again"}, 409, trace.ECONFLICT, "")

	var got struct {
		Complaint    trace.Complaint
		Trail        []trace.ComplaintEntry
		Verification struct{ Verdict string }
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := reg.Do(bg, "GET", path, nil, &got); err != nil {
			t.Fatal(err)
		}
		if got.Verification.Verdict == "verified" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got.Complaint.Status != "confirmed" || len(got.Trail) != 4 || got.Verification.Verdict != "verified" {
		t.Fatalf("complaint = %s, trail %d, ledger %s", got.Complaint.Status, len(got.Trail), got.Verification.Verdict)
	}
	chain, err := e.Ledger.Chain(bg, "complaint", filed.ID)
	if err != nil || len(chain) != 4 || chain[3].Hash != got.Trail[3].Hash {
		t.Fatalf("ledger holds %d records of the complaint, %v", len(chain), err)
	}
	status, body := get(t, e.URL+"/api/v1/evidence/"+got.Complaint.Evidence[0], "Authorization", "Bearer "+e.Keys[demo.Regulator])
	if status != 200 || body != string(photo) {
		t.Errorf("evidence = %d %q", status, body)
	}

	// A complaint quietly dropped from the store shows up against the ledger.
	if _, err := e.Store.DB().Exec(`DELETE FROM complaint_entries WHERE complaint = ? AND seq = 3`, filed.ID); err != nil {
		t.Fatal(err)
	}
	if err := reg.Do(bg, "GET", path, nil, &got); err != nil || got.Verification.Verdict != "missing" {
		t.Errorf("after deleting the closing entry: %s, %v; want missing", got.Verification.Verdict, err)
	}
	var rep audit.Report
	if err := reg.Do(bg, "GET", "/api/v1/audits/complaints/"+filed.ID, nil, &rep); err != nil {
		t.Fatal(err)
	}
	if !hasFinding(rep, "complaint_altered") || rep.Unit == nil || rep.Unit.Serial != st.Sold[0] {
		t.Errorf("complaint audit: findings %+v", rep.Findings)
	}
}

func hasFinding(r audit.Report, code string) bool {
	return slices.ContainsFunc(r.Findings, func(f audit.Finding) bool { return f.Code == code })
}

func TestRecallReachesPackedUnits(t *testing.T) {
	e := start(t)
	st := e.story(t)
	expect(t, e.as(demo.Regulator), "POST", "/api/v1/lots/"+st.SeedLots[1]+"/recall", trace.RecallInput{Reason: "黄曲霉毒素B1超标"}, 201, "", "")
	a := scanAs(t, e, "", st.ShelfURL, xingshan)
	if a.Verdict != "recalled" || !slices.Contains(a.codes(), "lot_recalled") {
		t.Fatalf("scan of a bottle pressed from a recalled seed lot: %s %v", a.Verdict, a.codes())
	}
	status, page := get(t, st.ShelfURL, "Accept", "text/html")
	if status != 200 || !strings.Contains(page, `class="verdict recalled"`) || !strings.Contains(page, "已召回") {
		t.Errorf("scan page does not show the recall prominently")
	}
	var recalls struct{ Recalls []trace.Lot }
	if err := e.as(demo.Shop).Do(bg, "GET", "/api/v1/recalls", nil, &recalls); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range recalls.Recalls {
		ids = append(ids, l.ID)
	}
	for _, want := range []string{st.SeedLots[1], st.OilLot, st.MealLot, st.BottleLot} {
		if !slices.Contains(ids, want) {
			t.Errorf("recall list %v lacks %s", ids, want)
		}
	}
	if slices.Contains(ids, st.SeedLots[0]) {
		t.Errorf("the other seed lot was recalled too")
	}
}

func TestAuditReport(t *testing.T) {
	e := start(t)
	st := e.story(t)
	scanAs(t, e, demo.Regulator, st.ShelfURL, gongan)
	if err := e.as("").Do(bg, "POST", "/api/v1/complaints", trace.FileInput{Serial: st.Sold[1], Lot: st.BottleLot, Kind: "counterfeit", Description: "标签模糊"}, nil); err != nil {
		t.Fatal(err)
	}
	reg := e.as(demo.Regulator)
	var clean audit.Report
	if err := reg.Do(bg, "GET", "/api/v1/audits/lots/"+st.SeedLots[0], nil, &clean); err != nil {
		t.Fatal(err)
	}
	if len(clean.Graph.Nodes) != 4 || len(clean.Verification) != 4 || len(clean.Quantities) != 4 {
		t.Errorf("seed lot audit covers %d lots, %d verifications, %d quantity checks; want 4 each",
			len(clean.Graph.Nodes), len(clean.Verification), len(clean.Quantities))
	}
	for _, q := range clean.Quantities {
		if !q.OK {
			t.Errorf("quantity check of %s: %s", q.Lot, q.Problem)
		}
	}
	var rep audit.Report
	if err := reg.Do(bg, "GET", "/api/v1/audits/lots/"+st.BottleLot, nil, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != "findings" || !hasFinding(rep, "scan_suspicious") || !hasFinding(rep, "complaint_open") || len(rep.Complaints) != 1 {
		t.Errorf("bottle audit: %s %+v", rep.Verdict, rep.Findings)
	}
	// More oil bottled than was pressed: someone edited the bottle lot's claim
	// on the oil. The ledger and the quantity check both object.
	if _, err := e.Store.DB().Exec(`UPDATE lots SET doc = json_set(doc, '$.parents[0].quantity', 5000000) WHERE id = ?`, st.BottleLot); err != nil {
		t.Fatal(err)
	}
	if err := reg.Do(bg, "GET", "/api/v1/audits/lots/"+st.OilLot, nil, &rep); err != nil {
		t.Fatal(err)
	}
	if !hasFinding(rep, "quantity_exceeded") {
		t.Errorf("audit after over-claiming: %+v", rep.Findings)
	}
	var bySerial audit.Report
	if err := reg.Do(bg, "GET", "/api/v1/audits/serials/"+st.Sold[1], nil, &bySerial); err != nil {
		t.Fatal(err)
	}
	if bySerial.Unit == nil || !hasFinding(bySerial, "sold") {
		t.Errorf("serial audit: %+v", bySerial.Findings)
	}
	expect(t, e.as(demo.Mill), "GET", "/api/v1/audits/lots/"+st.OilLot, nil, 403, trace.EFORBIDDEN, "")
	expect(t, reg, "GET", "/api/v1/audits/serials/NOPE", nil, 404, trace.ENOTFOUND, "")
	status, pdf := get(t, e.URL+"/api/v1/audits/lots/"+st.OilLot+"?format=pdf", "Authorization", "Bearer "+e.Keys[demo.Regulator])
	if status != 200 || !strings.HasPrefix(pdf, "%PDF-") || len(pdf) < 5000 {
		t.Errorf("PDF audit: %d, %d bytes", status, len(pdf))
	}
	raw, _ := json.Marshal(rep)
	if !strings.Contains(string(raw), `"orgs"`) {
		t.Errorf("report lacks organization names")
	}
}

// TestComplaintRateLimitIgnoresForgedForwardedFor sends anonymous reports
// each claiming another client address: with no trusted proxy configured the
// header is ignored and the limit holds.
func TestComplaintRateLimitIgnoresForgedForwardedFor(t *testing.T) {
	e := start(t)
	codes := map[int]int{}
	for i := range 7 {
		body := strings.NewReader(`{"lot":"06901234500592.X","kind":"other","description":"test"}`)
		req, _ := http.NewRequest("POST", e.URL+"/api/v1/complaints", body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes[resp.StatusCode]++
	}
	if codes[201] != 5 || codes[429] != 2 {
		t.Errorf("statuses %v, want 5 accepted and 2 refused", codes)
	}
}
