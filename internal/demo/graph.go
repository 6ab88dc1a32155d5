package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// A generated season at county scale, for benchmarks: thousands of pressings
// at the mill, each of a few seed lots bought from village co-ops and family
// farms across Xingshan's townships, graded at the collection center, carried
// through the county distribution center, pressed into oil and meal, and sold
// in the township shop; every third pressing's oil also goes into a running
// blend, so that a bottled blend stands on many levels of parents.

// blendLine is how many oils a blend takes in before it is bottled: its
// bottles are then blendLine+1 levels below the seed.
const blendLine = 24

// graphRound is how many pressings are loaded together: one batch per
// organization and stage, each well under trace.MaxBatch events.
const graphRound = 200

// GraphStats is what Graph loaded.
type GraphStats struct {
	Lots    int
	Events  int
	Deepest string
	Depth   int
	Took    time.Duration
}

// townships of Xingshan County with villages that grow rapeseed. The division
// codes follow the national scheme's shape (county 420526, 9-digit township,
// 12-digit village) and are the demo's own.
var townships = []struct {
	code, name string
	villages   []string
}{
	{"420526101", "古夫镇", []string{"桃园村", "响滩村", "丰邑坪村", "咸水村"}},
	{"420526102", "昭君镇", []string{"宝坪村", "青华村", "滩坪村"}},
	{"420526103", "峡口镇", []string{"建阳坪村", "普安村", "游家坪村"}},
	{"420526104", "南阳镇", []string{"百羊寨村", "石门村", "阳泉村"}},
	{"420526105", "黄粮镇", []string{"黄粮坪村", "石槽溪村"}},
	{"420526106", "水月寺镇", []string{"孙家湾村", "高岚村"}},
	{"420526107", "高桥乡", []string{"龙池村", "贺家院村"}},
	{"420526108", "榛子乡", []string{"板庙村", "和平村"}},
}

// seedGrade is the GB/T 11762 grade of seed by oil content (dry basis, %).
func seedGrade(oil float64) string {
	for i, min := range []float64{42, 40, 38, 36, 34} {
		if oil >= min {
			return []string{"一等", "二等", "三等", "四等", "五等"}[i]
		}
	}
	return "等外"
}

// tenth rounds to one decimal, as a lab reports.
func tenth(x float64) float64 { return float64(int(x*10+0.5)) / 10 }

// graph plans the season and keeps count of what it planned.
type graph struct {
	rng    *rand.Rand
	stats  GraphStats
	depth  map[string]int
	blend  string // the blend lot the mill is filling, "" before the first
	blends int    // oils in the current blend
	lines  int    // blends bottled
}

// newGraph plans a season of about lots lots, seeded by that number.
func newGraph(lots int) *graph {
	return &graph{rng: rand.New(rand.NewPCG(uint64(lots), 0x5eed)), depth: map[string]int{}}
}

func (g *graph) lot(id string, depth int) {
	g.depth[id] = depth
	g.stats.Lots++
	if depth > g.stats.Depth || (depth == g.stats.Depth && id < g.stats.Deepest) {
		g.stats.Deepest, g.stats.Depth = id, depth
	}
}

// stage is one organization's part of a round, in order.
type stage struct {
	org    string
	events []BatchEvent
	// stored is how many events the store records for these (a transform
	// records one per input and output).
	stored int
}

func (st *stage) add(stored int, e BatchEvent) {
	st.events = append(st.events, e)
	st.stored += stored
}

// round is the five stages a round of pressings goes through, and the
// shop's sales of bottles, which need the serials the mill's packing issues.
type round struct {
	collector, dcIn, mill, dcOut, shop stage
	// packs are the mill's pack events (by index) whose bottles the shop
	// receives; the shop sells a few of each by serial.
	packs []packed
}

type packed struct {
	index int
	lot   string
}

// pressing plans one pressing and everything around it: its seed lots'
// purchase, grading and carriage, the pressing itself, the oil and meal's
// tests, the blend, and their way to the shop.
func (g *graph) pressing(r *round, n int) {
	var inputs []trace.Portion
	var seedG int64
	for s := range 3 + g.rng.IntN(4) {
		t := townships[g.rng.IntN(len(townships))]
		v := g.rng.IntN(len(t.villages))
		number := fmt.Sprintf("G%06dS%d", n, s)
		id := trace.LotID(Seed, number)
		kg := int64(2000 + g.rng.IntN(6001))
		farm := t.villages[v] + "油菜种植专业合作社"
		if g.rng.IntN(3) == 0 {
			farm = fmt.Sprintf("%s家庭农场%d号", t.villages[v], 1+g.rng.IntN(9))
		}
		oil := tenth(35 + 9*g.rng.Float64())
		r.collector.add(1, BatchEvent{Op: "commission", Body: trace.CommissionInput{
			GTIN: Seed, Lot: number, Quantity: kg * 1000,
			Origin: &trace.Origin{Region: fmt.Sprintf("%s2%02d", t.code, v+1), Village: t.villages[v], Farm: farm, HarvestDate: fmt.Sprintf("2026-05-%02d", 8+g.rng.IntN(20))},
			Place:  &trace.PlaceInput{Name: "兴山县农产品集配中心" + t.name + "收购点", Region: t.code},
		}})
		r.collector.add(1, BatchEvent{Op: "inspect", Lot: id, Body: trace.InspectInput{
			Results: map[string]any{"moisture": tenth(6 + 2*g.rng.Float64()), "impurities": tenth(0.5 + 2.4*g.rng.Float64())}, Note: "GB/T 11762 收购检验",
		}})
		r.collector.add(1, BatchEvent{Op: "inspect", Lot: id, Body: trace.InspectInput{
			Results: map[string]any{"oilContent": oil, "grade": seedGrade(oil)}, Note: "GB/T 11762",
		}})
		r.collector.add(1, BatchEvent{Op: "ship", Lot: id, Body: trace.ShipInput{To: DC}})
		r.dcIn.add(1, BatchEvent{Op: "receive", Lot: id, Body: trace.ReceiveInput{}})
		r.dcIn.add(1, BatchEvent{Op: "inspect", Lot: id, Body: trace.InspectInput{Results: map[string]any{"moisture": tenth(6 + 2*g.rng.Float64())}, Note: "入库检验"}})
		r.dcIn.add(1, BatchEvent{Op: "ship", Lot: id, Body: trace.ShipInput{To: Mill}})
		r.mill.add(1, BatchEvent{Op: "receive", Lot: id, Body: trace.ReceiveInput{}})
		r.mill.add(1, BatchEvent{Op: "inspect", Lot: id, Body: trace.InspectInput{Results: map[string]any{"moisture": tenth(6 + 2*g.rng.Float64())}, Note: "入厂检验"}})
		g.lot(id, 0)
		inputs = append(inputs, trace.Portion{Lot: id, Quantity: kg * 1000})
		seedG += kg * 1000
	}
	// Pressing yields (DOMAIN.md): 33-38 % of the seed's mass as oil, the
	// meal what is left after about 5 % water and loss.
	oilShare := 0.33 + 0.05*g.rng.Float64()
	oilML := int64(float64(seedG) * oilShare / 0.915)
	mealG := int64(float64(seedG) * (0.95 - oilShare))
	oilNo, mealNo := fmt.Sprintf("G%06dO", n), fmt.Sprintf("G%06dM", n)
	oil, meal := trace.LotID(Oil, oilNo), trace.LotID(Meal, mealNo)
	r.mill.add(len(inputs)+2, BatchEvent{Op: "transform", Body: trace.TransformInput{
		Inputs:  inputs,
		Outputs: []trace.OutputInput{{GTIN: Oil, Lot: oilNo, Quantity: oilML}, {GTIN: Meal, Lot: mealNo, Quantity: mealG}},
	}})
	g.lot(oil, 1)
	g.lot(meal, 1)
	r.mill.add(1, BatchEvent{Op: "inspect", Lot: oil, Body: trace.InspectInput{Results: map[string]any{
		"acidValue": tenth(0.5 + 1.5*g.rng.Float64()), "peroxideValue": float64(int(400+800*g.rng.Float64())) / 10000,
		"aflatoxinB1": tenth(0.5 + 4*g.rng.Float64()), "benzoPyrene": tenth(0.3 + 3*g.rng.Float64()),
	}, Note: "GB/T 1536, GB 2716, GB 2761, GB 2762"}})
	r.mill.add(1, BatchEvent{Op: "inspect", Lot: meal, Body: trace.InspectInput{Results: map[string]any{"moisture": tenth(8 + 3*g.rng.Float64())}}})
	g.toShop(r, meal, mealG/4)
	if n%3 != 0 {
		g.toShop(r, oil, oilML/4)
		return
	}
	g.intoBlend(r, oil, n)
}

// intoBlend adds an oil to the mill's running blend (a merge: the new blend
// lot is one level below both), and bottles the blend once it is full.
func (g *graph) intoBlend(r *round, oil string, n int) {
	if g.blend == "" {
		g.blend, g.blends = oil, 1
		return
	}
	number := fmt.Sprintf("G%06dB", n)
	next := trace.LotID(Oil, number)
	r.mill.add(3, BatchEvent{Op: "merge", Body: trace.MergeInput{Inputs: []string{g.blend, oil}, Lot: number, Place: &trace.PlaceInput{Name: "古夫镇菜籽油坊 调和车间"}}})
	g.lot(next, 1+max(g.depth[g.blend], g.depth[oil]))
	g.blend = next
	if g.blends++; g.blends > blendLine {
		g.bottle(r)
	}
}

// bottle fills a modest run of 5 L bottles from the blend, and sends the
// bottles and the rest of the blend to the shop.
func (g *graph) bottle(r *round) {
	if g.blend == "" {
		return
	}
	g.lines++
	number := fmt.Sprintf("GBOT%04d", g.lines)
	bottles := trace.LotID(Bottle, number)
	r.mill.add(1, BatchEvent{Op: "inspect", Lot: g.blend, Body: trace.InspectInput{Results: map[string]any{"acidValue": tenth(0.6 + g.rng.Float64()), "peroxideValue": 0.06}, Note: "调和油出厂检验"}})
	r.packs = append(r.packs, packed{index: len(r.mill.events), lot: bottles})
	r.mill.add(2, BatchEvent{Op: "pack", Lot: g.blend, Body: trace.PackInput{GTIN: Bottle, Lot: number, Count: 20, UnitSize: 5000}})
	g.lot(bottles, 1+g.depth[g.blend])
	g.toShop(r, bottles, 0)
	g.toShop(r, g.blend, 100_000)
	g.blend, g.blends = "", 0
}

// toShop carries a lot from the mill through the distribution center to the
// township shop, which sells sale (base units) of it three times; bottles
// are sold by serial once their serials are known.
func (g *graph) toShop(r *round, id string, sale int64) {
	r.mill.add(1, BatchEvent{Op: "ship", Lot: id, Body: trace.ShipInput{To: DC}})
	r.dcOut.add(1, BatchEvent{Op: "receive", Lot: id, Body: trace.ReceiveInput{}})
	r.dcOut.add(1, BatchEvent{Op: "ship", Lot: id, Body: trace.ShipInput{To: Shop}})
	r.shop.add(1, BatchEvent{Op: "receive", Lot: id, Body: trace.ReceiveInput{}})
	for range 3 {
		if sale > 0 {
			r.shop.add(1, BatchEvent{Op: "sell", Lot: id, Body: trace.SellInput{Quantity: sale}})
		}
	}
}

// Graph loads a generated season of about lots lots (about ten events each)
// through POST /api/v1/batch into the service at base, as the demo's cast
// (keys as for Run, products registered here if missing). The same lots
// always gives the same season; lot numbers are fixed, so a service takes it
// once. Progress goes to log.
func Graph(ctx context.Context, base string, keys map[string]string, lots int, log io.Writer) (GraphStats, error) {
	start := time.Now()
	as := func(org string) Client { return Client{Base: base, Key: keys[org]} }
	for _, p := range Products() {
		err := as(p.Owner).Do(ctx, "POST", "/api/v1/products", p, nil)
		if e := new(APIError); err != nil && !(asAPIError(err, e) && e.Code == trace.ECONFLICT) {
			return GraphStats{}, fmt.Errorf("graph: register product %s: %w", p.GTIN, err)
		}
	}
	g := newGraph(lots)
	for n := 0; g.stats.Lots < lots; {
		var r round
		for i := 0; i < graphRound && g.stats.Lots < lots; i++ {
			g.pressing(&r, n)
			n++
		}
		if g.stats.Lots >= lots && g.blends > 1 {
			g.bottle(&r)
		}
		if err := g.load(ctx, as, &r); err != nil {
			return g.stats, err
		}
		fmt.Fprintf(log, "  %d lots, %d events (%.0fs)\n", g.stats.Lots, g.stats.Events, time.Since(start).Seconds())
	}
	g.stats.Took = time.Since(start)
	return g.stats, nil
}
