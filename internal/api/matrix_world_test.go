package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/api"
	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
)

// The authorization matrix's world: the demo season, an organization of
// every role with its own data, and a second organization of each role that
// has none of it.

// subject is the data a role's column acts on: the role's own.
type subject struct {
	role string
	org  string
	// owner is the organization owning gtin, which may grant licences on it.
	owner, gtin string
	// lot is a lot the role holds (regulators, labs and admins: one in the
	// county), lotGTIN its product.
	lot, lotGTIN string
	// seed is a seed lot a processor holds, to press.
	seed string
	// serials are units of lot, when it has any.
	serials []string
	// prefix is a GS1 company prefix the organization owns, if any.
	prefix string
}

// world is the running service, with the season told and each role cast.
type world struct {
	t     *testing.T
	e     *env
	story demo.Story
	// own and other are the key holders of each role: the cast's, and
	// another organization of the same role.
	own, other map[string]string
	// shared are the subjects reads act on; writes get fresh ones.
	shared map[string]*subject
	// shelf is a bottle on the shop's shelf, link its label's path.
	shelf, link string
	revoked     string
	complaint   string
	evidence    string
	printRun    map[string]string
	captureJob  map[string]string
	n           int
}

// unique is a fresh number for names that must not repeat.
func (w *world) unique() int { w.n++; return w.n }

// call sends one request as key ("" for none) and returns the status, the
// answer and its Location; redirects are answers, not followed.
func (w *world) call(method, path, key string, body any) (int, []byte, string) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			w.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.e.URL+path, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header.Get("Location")
}

// must sends a request of the world's set-up as org and decodes its answer
// into out.
func (w *world) must(org, method, path string, body, out any) {
	w.t.Helper()
	key := w.e.Keys[org]
	status, b, _ := w.call(method, path, key, body)
	if status > 299 {
		w.t.Fatalf("set-up: %s %s as %s: %d %s", method, path, org, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			w.t.Fatalf("set-up: %s %s: %v", method, path, err)
		}
	}
}

// Organizations the world adds to the cast.
const (
	lab      = "xingshan-lab"
	coopGTIN = "06905551000124"
)

func newWorld(t *testing.T) *world {
	t.Helper()
	e := start(t, func(o *options) {
		// The matrix files a complaint per cell: the public limits are not
		// what it tests.
		o.server = func(s *api.Server) {
			many := config.Rate{N: 1000, Per: time.Hour}
			s.Limits.Complaints, s.Limits.KeyedComplaints = many, many
		}
	})
	w := &world{t: t, e: e, story: e.story(t), own: map[string]string{}, other: map[string]string{}, shared: map[string]*subject{},
		printRun: map[string]string{}, captureJob: map[string]string{}}
	e.Keys[lab] = enrol(t, e, trace.Org{ID: lab, Name: "兴山县农产品质量检测站", Roles: []string{trace.RoleLab}, Region: "420526"}).Key
	for _, o := range append(demo.Cast(), trace.Org{ID: lab, Roles: []string{trace.RoleLab}}) {
		w.own[o.Roles[0]] = o.ID
		region := "420527" // the next county
		if o.Roles[0] == trace.RoleRegulator {
			region = "110101"
		}
		id := "other-" + o.Roles[0]
		e.Keys[id] = enrol(t, e, trace.Org{ID: id, Name: "另一家", Roles: o.Roles, Region: region}).Key
		w.other[o.Roles[0]] = id
	}
	// The co-op brings its own produce in, under its own approved prefix.
	w.must(demo.Coop, "POST", "/api/v1/orgs/"+demo.Coop+"/prefixes", map[string]string{"prefix": "6905551"}, nil)
	w.must(demo.Regulator, "POST", "/api/v1/orgs/"+demo.Coop+"/prefixes/6905551/approve", nil, nil)
	w.must(demo.Coop, "POST", "/api/v1/products", trace.Product{GTIN: coopGTIN, NameZH: "油菜籽（合作社）", Unit: trace.UnitKG, Category: "rapeseed"}, nil)
	// A key that once worked.
	var k struct{ ID, Key string }
	w.must(demo.Admin, "POST", "/api/v1/orgs/"+demo.Mill+"/keys", nil, &k)
	w.must(demo.Admin, "DELETE", "/api/v1/orgs/"+demo.Mill+"/keys/"+k.ID, nil, nil)
	w.revoked = k.Key

	var units struct{ Units []trace.Unit }
	w.must(demo.Shop, "GET", "/api/v1/lots/"+w.story.BottleLot+"/units", nil, &units)
	u := units.Units[len(units.Units)-1]
	w.shelf = u.Serial
	link, _ := strings.CutPrefix(label.DigitalLink(e.URL, u), e.URL)
	w.link = link
	w.must(lab, "POST", "/api/v1/lots/"+w.story.OilLot+"/inspect", trace.InspectInput{Results: map[string]any{"acidValue": 1.0}}, nil)

	// Reads act on the season each role took part in.
	st := w.story
	for role, lot := range map[string]string{
		trace.RoleProducer: "", trace.RoleCollector: st.SeedLots[0], trace.RoleProcessor: st.OilLot, trace.RoleLogistics: st.BottleLot,
		trace.RoleRetailer: st.BottleLot, trace.RoleRegulator: st.BottleLot, trace.RoleLab: st.OilLot, trace.RoleAdmin: st.BottleLot,
	} {
		s := w.fresh(role)
		if lot != "" {
			s.lot, s.lotGTIN, s.serials = lot, lot[:14], nil
		}
		w.shared[role] = s
	}
	photo, err := label.PNG("evidence", 0)
	if err != nil {
		t.Fatal(err)
	}
	var c trace.Complaint
	w.must("", "POST", "/api/v1/complaints", trace.FileInput{Serial: w.shelf, Kind: "counterfeit", Description: "瓶盖封口有撕开的痕迹",
		Region: "420526", Evidence: []trace.EvidenceInput{{ContentType: "image/png", Data: photo}}}, &c)
	var read struct{ Complaint trace.Complaint }
	w.must(demo.Regulator, "GET", "/api/v1/complaints/"+c.ID, nil, &read)
	w.complaint, w.evidence = c.ID, read.Complaint.Evidence[0]
	for role, org := range w.own {
		if status, b, _ := w.call("POST", "/api/v1/lots/"+st.BottleLot+"/print-runs", w.e.Keys[org], map[string]any{"layout": "thermal", "serials": []string{w.shelf}}); status == 202 {
			var r struct{ ID string }
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			w.printRun[role] = r.ID
		}
		status, _, loc := w.call("POST", "/epcis/capture", w.e.Keys[org], captureDoc(objectEvent("", "OBSERVE", "inspecting", "", w.shared[role].lot, 1, "KGM", nil)))
		if status != 202 {
			t.Fatalf("set-up: capture as %s: %d", org, status)
		}
		w.captureJob[role] = strings.TrimPrefix(loc, "/epcis/capture/")
	}
	w.waitPrinted()
	return w
}

// waitPrinted waits for the world's print runs to finish.
func (w *world) waitPrinted() {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for role, id := range w.printRun {
		for {
			var r struct{ Done, Total int }
			w.must(w.own[role], "GET", "/api/v1/print-runs/"+id, nil, &r)
			if r.Total > 0 && r.Done == r.Total {
				break
			}
			if time.Now().After(deadline) {
				w.t.Fatalf("print run %s unfinished", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// fresh is new data of a role's own, for a write that changes it.
func (w *world) fresh(role string) *subject {
	w.t.Helper()
	org := w.own[role]
	s := &subject{role: role, org: org, owner: demo.Mill, gtin: demo.Oil}
	number := func() string { return fmt.Sprintf("MX%d", w.unique()) }
	commission := func(by, gtin string) string {
		var r trace.Result
		w.must(by, "POST", "/api/v1/lots", trace.CommissionInput{GTIN: gtin, Lot: number(), Quantity: 1_000_000,
			Origin: &trace.Origin{Region: "420526101201", Village: "桃园村"}}, &r)
		return r.Lots[0].ID
	}
	handOver := func(lot, from, to string) {
		w.must(from, "POST", "/api/v1/lots/"+lot+"/ship", trace.ShipInput{To: to}, nil)
		w.must(to, "POST", "/api/v1/lots/"+lot+"/receive", trace.ReceiveInput{}, nil)
	}
	switch role {
	case trace.RoleProducer:
		s.owner, s.gtin, s.prefix = demo.Coop, coopGTIN, "6905551"
		s.lot = commission(demo.Coop, coopGTIN)
	case trace.RoleCollector:
		s.owner, s.gtin, s.prefix = demo.Collector, demo.Seed, demo.CollectorPrefix
		s.lot = commission(demo.Collector, demo.Seed)
	case trace.RoleProcessor:
		s.prefix = demo.MillPrefix
		var r trace.Result
		w.must(demo.Mill, "POST", "/api/v1/lots/"+w.story.OilLot+"/split", trace.SplitInput{Parts: []trace.OutputInput{{GTIN: demo.Oil, Lot: number(), Quantity: 10_000}}}, &r)
		s.lot = r.Lots[len(r.Lots)-1].ID
		s.seed = commission(demo.Collector, demo.Seed)
		handOver(s.seed, demo.Collector, demo.Mill)
	case trace.RoleLogistics:
		s.lot = commission(demo.Collector, demo.Seed)
		handOver(s.lot, demo.Collector, demo.DC)
	case trace.RoleRetailer:
		s.gtin = demo.Bottle
		var r trace.Result
		w.must(demo.Mill, "POST", "/api/v1/lots/"+w.story.OilLot+"/pack", trace.PackInput{GTIN: demo.Bottle, Lot: number(), Count: 2, UnitSize: 5000}, &r)
		s.lot = r.Lots[len(r.Lots)-1].ID
		for _, u := range r.Units {
			s.serials = append(s.serials, u.Serial)
		}
		handOver(s.lot, demo.Mill, demo.Shop)
	default: // regulators, labs and admins hold nothing: a lot in the county
		s.lot = commission(demo.Collector, demo.Seed)
	}
	s.lotGTIN = s.lot[:14]
	return s
}

// incoming is a lot on its way to s's organization, when it is one that
// takes custody.
func (w *world) incoming(s *subject) string {
	w.t.Helper()
	from := demo.Collector
	lot := w.fresh(trace.RoleCollector).lot
	if s.org == demo.Collector {
		w.must(demo.Collector, "POST", "/api/v1/lots/"+lot+"/ship", trace.ShipInput{To: demo.Mill}, nil)
		w.must(demo.Mill, "POST", "/api/v1/lots/"+lot+"/receive", trace.ReceiveInput{}, nil)
		from = demo.Mill
	}
	to := s.org
	if s.role == trace.RoleRegulator || s.role == trace.RoleLab {
		// Regulators and labs take no lot into custody, so none is on its
		// way to them: they meet a lot shipped to someone else.
		to = demo.Shop
	}
	w.must(from, "POST", "/api/v1/lots/"+lot+"/ship", trace.ShipInput{To: to}, nil)
	return lot
}

// spare is an organization for s to administer: an admin's own is every
// other, and one it should not switch off is itself.
func (w *world) spare(s *subject) string {
	w.t.Helper()
	if s.role != trace.RoleAdmin {
		return s.org
	}
	id := fmt.Sprintf("spare-%d", w.unique())
	w.must(demo.Admin, "POST", "/api/v1/orgs", trace.Org{ID: id, Name: "备用", Roles: []string{trace.RoleRetailer}, Region: "420526"}, nil)
	return id
}

// esc escapes a path segment.
func esc(s string) string { return url.PathEscape(s) }
