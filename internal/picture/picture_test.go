package picture_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/picture"
	"github.com/agritrace/agritrace/internal/trace"
)

// elem is any SVG element, parsed generically so tests see what a browser
// or screen reader would, not our own types.
type elem struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []elem     `xml:",any"`
}

func (e elem) attr(name string) string {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (e elem) num(t testing.TB, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(e.attr(name), 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", e.XMLName.Local, name, e.attr(name), err)
	}
	return v
}

// all returns every element under e (e included) that keep accepts.
func (e elem) all(keep func(elem) bool) []elem {
	var out []elem
	if keep(e) {
		out = append(out, e)
	}
	for _, k := range e.Kids {
		out = append(out, k.all(keep)...)
	}
	return out
}

func named(local string) func(elem) bool {
	return func(e elem) bool { return e.XMLName.Local == local }
}

// parse checks svg is well-formed XML with an accessible SVG root.
func parse(t testing.TB, svg []byte) elem {
	t.Helper()
	var root elem
	if err := xml.Unmarshal(svg, &root); err != nil {
		t.Fatalf("not XML: %v\n%s", err, svg)
	}
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root is %v", root.XMLName)
	}
	if len(strings.Fields(root.attr("viewBox"))) != 4 || root.attr("role") != "img" {
		t.Errorf("root lacks viewBox or role: %v", root.Attrs)
	}
	var title, desc string
	for _, k := range root.Kids {
		switch k.XMLName.Local {
		case "title":
			title = k.Text
		case "desc":
			desc = k.Text
		}
	}
	if title == "" || desc == "" {
		t.Errorf("no <title> or <desc> for screen readers: %q, %q", title, desc)
	}
	return root
}

// texts returns all the text a picture draws.
func texts(root elem) string {
	var b strings.Builder
	for _, e := range root.all(named("text")) {
		b.WriteString(e.Text + "\n")
	}
	return b.String()
}

const seedGTIN, oilGTIN = "06901234000014", "06901234000021"

var products = map[string]trace.Product{
	seedGTIN: {GTIN: seedGTIN, NameZH: "油菜籽", NameEN: "Rapeseed"},
	oilGTIN:  {GTIN: oilGTIN, NameZH: "菜籽油", NameEN: "Rapeseed oil"},
}

func lot(gtin, number string, qty int64, unit, status string) trace.Lot {
	return trace.Lot{ID: gtin + "." + number, GTIN: gtin, Number: number, Quantity: qty, BaseUnit: unit, Status: status}
}

// story is two seed lots merged, pressed into oil, one of them recalled.
func story() trace.Graph {
	a := lot(seedGTIN, "SEED-A", 6_000_000, "g", trace.LotConsumed)
	b := lot(seedGTIN, "SEED-B", 4_000_500, "g", trace.LotConsumed)
	m := lot(seedGTIN, "MERGED", 10_000_500, "g", trace.LotConsumed)
	oil := lot(oilGTIN, "OIL-1", 3_600_000, "mL", trace.LotRecalled)
	return trace.Graph{Root: m.ID, Nodes: []trace.Lot{m, a, b, oil}, Edges: []trace.Edge{
		{From: a.ID, To: m.ID, Quantity: 6_000_000}, {From: b.ID, To: m.ID, Quantity: 4_000_500},
		{From: m.ID, To: oil.ID, Quantity: 10_000_500},
	}}
}

func TestTraceSVGShowsEveryLot(t *testing.T) {
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"zh", []string{"★ 油菜籽", "油菜籽", "菜籽油", "批次 SEED-A", "批次 SEED-B", "批次 MERGED", "批次 OIL-1",
			"6,000 kg", "4,000.5 kg", "10,000.5 kg", "3,600 L", "已用完", "⚠ 已召回"}},
		{"en", []string{"★ Rapeseed", "Rapeseed oil", "Lot SEED-A", "Lot OIL-1", "4,000.5 kg", "3,600 L", "Used up", "⚠ RECALLED"}},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			svg, err := picture.TraceSVG(story(), products, tt.lang)
			if err != nil {
				t.Fatal(err)
			}
			root := parse(t, svg)
			got := texts(root)
			for _, w := range tt.want {
				if !strings.Contains(got, w+"\n") {
					t.Errorf("no text %q in\n%s", w, got)
				}
			}
			boxes := map[string]elem{}
			for _, g := range root.all(func(e elem) bool { return e.attr("class") == "lot" && e.XMLName.Local == "g" }) {
				boxes[g.attr("data-lot")] = g.all(named("rect"))[0]
			}
			if len(boxes) != 4 {
				t.Fatalf("%d lot boxes, want 4", len(boxes))
			}
			if r := boxes[seedGTIN+".MERGED"]; r.attr("stroke-width") != "4" {
				t.Errorf("root lot not outlined heavily: %v", r.Attrs)
			}
			if r := boxes[oilGTIN+".OIL-1"]; r.attr("stroke-dasharray") == "" {
				t.Errorf("recalled lot told by colour alone: %v", r.Attrs)
			}
			// Inputs left, outputs right, by longest path.
			x := func(id string) float64 { return boxes[id].num(t, "x") }
			if !(x(seedGTIN+".SEED-A") < x(seedGTIN+".MERGED") && x(seedGTIN+".MERGED") < x(oilGTIN+".OIL-1")) ||
				x(seedGTIN+".SEED-A") != x(seedGTIN+".SEED-B") {
				t.Errorf("columns out of order")
			}
			flows := root.all(func(e elem) bool { return e.attr("class") == "flow" })
			if len(flows) != 3 || len(root.all(named("path"))) != 4 { // 3 flows and the arrowhead
				t.Errorf("%d flow labels, want 3", len(flows))
			}
		})
	}
}

func TestTraceSVGEscapesUserText(t *testing.T) {
	hostile := `<script>alert("x")</script>&'`
	g := story()
	g.Nodes[1].Number = hostile
	g.Nodes[1].ID = seedGTIN + "." + hostile
	g.Edges[0].From = g.Nodes[1].ID
	ps := map[string]trace.Product{seedGTIN: {NameZH: `]]><svg onload="x">`}, oilGTIN: products[oilGTIN]}
	svg, err := picture.TraceSVG(g, ps, "zh")
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, svg)
	if n := len(root.all(named("script"))); n > 0 || bytes.Contains(svg, []byte("<script")) || bytes.Contains(svg, []byte("<svg onload")) {
		t.Fatalf("hostile text became markup:\n%s", svg)
	}
	got := texts(root)
	if !strings.Contains(got, `]]><svg onload="x">`) || !strings.Contains(got, "批次 <script>") {
		t.Errorf("hostile text not shown as text:\n%s", got)
	}
	var titled bool
	for _, e := range root.all(named("title")) {
		titled = titled || strings.Contains(e.Text, hostile)
	}
	if !titled {
		t.Errorf("the full lot number is not in any <title>")
	}
}

// bigGraph is n lots in a random acyclic flow: inputs merged, transformed
// and split as in a season of a county's trade, with flows skipping columns.
func bigGraph(n int) trace.Graph {
	r := rand.New(rand.NewPCG(8, uint64(n)))
	g := trace.Graph{}
	for i := range n {
		g.Nodes = append(g.Nodes, lot(seedGTIN, fmt.Sprintf("L%04d", i), int64(r.IntN(1e7)), "g", trace.LotActive))
		for range r.IntN(3) {
			if i == 0 {
				break
			}
			from := max(0, i-1-r.IntN(min(i, 40)))
			g.Edges = append(g.Edges, trace.Edge{From: g.Nodes[from].ID, To: g.Nodes[i].ID, Quantity: int64(r.IntN(1e6))})
		}
	}
	g.Root = g.Nodes[n/2].ID
	return g
}

func TestTraceSVGLargeGraphHasNoOverlappingBoxes(t *testing.T) {
	g := bigGraph(300)
	svg, err := picture.TraceSVG(g, products, "en")
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, svg)
	box := strings.Fields(root.attr("viewBox"))
	w, _ := strconv.ParseFloat(box[2], 64)
	h, _ := strconv.ParseFloat(box[3], 64)
	type rect struct{ x, y, w, h float64 }
	var rs []rect
	for _, e := range root.all(func(e elem) bool { return e.XMLName.Local == "rect" && e.attr("class") == "lot" }) {
		r := rect{e.num(t, "x"), e.num(t, "y"), e.num(t, "width"), e.num(t, "height")}
		if r.x < 0 || r.y < 0 || r.x+r.w > w || r.y+r.h > h {
			t.Errorf("box %+v outside the viewBox %v×%v", r, w, h)
		}
		rs = append(rs, r)
	}
	if len(rs) != len(g.Nodes) {
		t.Fatalf("%d boxes for %d lots", len(rs), len(g.Nodes))
	}
	for i, a := range rs {
		for _, b := range rs[i+1:] {
			if a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h {
				t.Fatalf("boxes overlap: %+v and %+v", a, b)
			}
		}
	}
	got := texts(root)
	for _, n := range g.Nodes {
		if !strings.Contains(got, "Lot "+n.Number+"\n") {
			t.Fatalf("lot %s missing", n.Number)
		}
	}
}

func TestTraceSVGKeepsOnlyFlowsBetweenDrawnLots(t *testing.T) {
	g := story()
	g.Edges = append(g.Edges, trace.Edge{From: "withheld", To: g.Root, Quantity: 1}, g.Edges[0])
	svg, err := picture.TraceSVG(g, products, "zh")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(parse(t, svg).all(func(e elem) bool { return e.attr("class") == "flow" })); n != 3 {
		t.Errorf("%d flows drawn, want 3", n)
	}
	if _, err := picture.TraceSVG(trace.Graph{Root: "x"}, nil, "zh"); err == nil {
		t.Errorf("an empty graph drew a picture")
	}
}

func BenchmarkTraceSVG500(b *testing.B) {
	g := bigGraph(500)
	for b.Loop() {
		if _, err := picture.TraceSVG(g, products, "zh"); err != nil {
			b.Fatal(err)
		}
	}
}
