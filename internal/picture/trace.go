package picture

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
)

// Sizes of the trace picture, in SVG user units (pixels at scale 1).
const (
	boxW     = 240.0 // a lot's box
	boxH     = 84.0
	padX     = 10.0 // text inset in a box
	lineH    = 18.0
	gapX     = 150.0 // between columns: room for a flow's quantity
	gapY     = 18.0  // between boxes in a column
	dummyH   = 12.0  // slot a long flow takes in a column it passes
	margin   = 16.0
	nameSize = 13.0
	textSize = 12.5
	flowSize = 11.5
)

// TraceSVG draws a lot's trace graph, inputs on the left and products on
// the right, each lot a box with its product name (in lang, "zh" or "en"),
// lot number, quantity and status, each flow an arrow with the quantity that
// moved. The root lot has a heavy outline and a star; recalled lots a
// dashed outline and the word as well as the colour. products names the
// GTINs; a product missing from it is named by its GTIN.
func TraceSVG(g trace.Graph, products map[string]trace.Product, lang string) ([]byte, error) {
	if len(g.Nodes) == 0 {
		return nil, fmt.Errorf("picture: trace of %q has no lots to draw", g.Root)
	}
	index := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		if _, dup := index[n.ID]; dup {
			return nil, fmt.Errorf("picture: trace of %q lists lot %q twice", g.Root, n.ID)
		}
		index[n.ID] = i
	}
	// Flows between lots outside the picture (withheld from this reader)
	// are left out; the same flow listed twice is drawn once.
	var arcs []arc
	var flows []trace.Edge
	seen := map[trace.Edge]bool{}
	for _, e := range g.Edges {
		from, okF := index[e.From]
		to, okT := index[e.To]
		if !okF || !okT || from == to || seen[e] {
			continue
		}
		seen[e] = true
		arcs = append(arcs, arc{from, to})
		flows = append(flows, e)
	}
	l := newLayout(len(g.Nodes), arcs, boxH, dummyH, gapY)
	colX := func(layer int) float64 { return margin + float64(layer)*(boxW+gapX) }
	w := 2*margin + float64(len(l.layers))*boxW + float64(len(l.layers)-1)*gapX
	h := 2*margin + l.height()

	var recalled []string
	for _, n := range g.Nodes {
		if n.Status == trace.LotRecalled {
			recalled = append(recalled, n.ID)
		}
	}
	desc := fmt.Sprintf(word(lang, "desc"), len(g.Nodes), len(flows), g.Root)
	if len(recalled) > 0 {
		desc += " " + fmt.Sprintf(word(lang, "recall"), strings.Join(recalled, ", "))
	}
	var c canvas
	c.open(w, h, lang, "trace:"+g.Root, fmt.Sprintf(word(lang, "title"), g.Root), desc)
	c.f(`<defs><marker id="%s-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">`+
		`<path d="M0,0L10,5L0,10z" fill="%s"/></marker></defs>`, c.id, edgeInk)

	top := func(v int) float64 { return margin + l.verts[v].y }
	c.WriteString(`<g class="flows">`)
	for i, ch := range l.chains {
		drawFlow(&c, l, ch, flows[i], g.Nodes[index[flows[i].From]].BaseUnit, colX, top, lang)
	}
	c.WriteString(`</g><g class="lots">`)
	for i, n := range g.Nodes {
		drawLot(&c, n, products[n.GTIN], colX(l.verts[i].layer), top(i), n.ID == g.Root, lang)
	}
	c.WriteString(`</g>`)
	return c.close(), nil
}

// port spreads the flows leaving or entering a box along its side, in the
// order of the vertices at their other end, so they do not share a point.
func port(l *layout, v, seg int, segs []int, other func(segment) int, top func(int) float64) float64 {
	if !l.verts[v].real {
		return top(v) + l.verts[v].h/2
	}
	sorted := slices.Clone(segs)
	slices.SortFunc(sorted, func(a, b int) int { return l.verts[other(l.segs[a])].pos - l.verts[other(l.segs[b])].pos })
	k := slices.Index(sorted, seg)
	return top(v) + boxH*float64(k+1)/float64(len(segs)+1)
}

// drawFlow draws one flow as curves between columns and straight runs
// through the columns it passes, with its quantity written at the end where
// fewer flows meet.
func drawFlow(c *canvas, l *layout, ch chain, e trace.Edge, unit string, colX func(int) float64, top func(int) float64, lang string) {
	type pt struct{ x, y float64 }
	var pts []pt
	for i := 0; i+1 < len(ch.verts); i++ {
		a, b := ch.verts[i], ch.verts[i+1]
		seg := l.verts[a].out[slices.IndexFunc(l.verts[a].out, func(s int) bool { return l.segs[s].to == b })]
		ya := port(l, a, seg, l.verts[a].out, func(s segment) int { return s.to }, top)
		yb := port(l, b, seg, l.verts[b].in, func(s segment) int { return s.from }, top)
		if i == 0 {
			pts = append(pts, pt{colX(l.verts[a].layer) + boxW, ya})
		}
		pts = append(pts, pt{colX(l.verts[b].layer), yb})
		if !l.verts[b].real {
			pts = append(pts, pt{colX(l.verts[b].layer) + boxW, yb})
		}
	}
	marker := "marker-end"
	if ch.reversed {
		marker = "marker-start"
	}
	c.f(`<path d="M%s,%s`, num(pts[0].x), num(pts[0].y))
	for i := 1; i < len(pts); i++ {
		p, q := pts[i-1], pts[i]
		if p.y == q.y {
			c.f(`L%s,%s`, num(q.x), num(q.y))
			continue
		}
		mid := (p.x + q.x) / 2
		c.f(`C%s,%s %s,%s %s,%s`, num(mid), num(p.y), num(mid), num(q.y), num(q.x), num(q.y))
	}
	c.f(`" fill="none" stroke="%s" stroke-width="1.5" %s="url(#%s-arrow)"/>`, edgeInk, marker, c.id)

	// The label sits at the end of the flow where fewer flows meet, so flows
	// fanning out of one box or into one box keep their labels apart; the
	// paint-order halo keeps it legible over lines.
	left, right := ch.verts[0], ch.verts[len(ch.verts)-1]
	x, y, anchor := pts[0].x+6, pts[0].y-4, "start"
	if len(l.verts[left].out) > len(l.verts[right].in) {
		end := pts[len(pts)-1]
		x, y, anchor = end.x-8, end.y-4, "end"
	}
	c.f(`<text class="flow" x="%s" y="%s" font-size="%s" fill="%s" text-anchor="%s" stroke="%s" stroke-width="3" paint-order="stroke">%s</text>`,
		num(x), num(y), num(flowSize), edgeInk, anchor, paper, esc(fit(quantity(e.Quantity, unit, lang), flowSize, gapX-14)))
}

// drawLot draws a lot's box: product, lot number, quantity, status.
func drawLot(c *canvas, n trace.Lot, p trace.Product, x, y float64, root bool, lang string) {
	name := p.NameZH
	if lang == "en" && p.NameEN != "" || name == "" {
		name = p.NameEN
	}
	if name == "" {
		name = n.GTIN
	}
	status := word(lang, n.Status)
	qty := quantity(n.Quantity, n.BaseUnit, lang)
	fill, stroke, width, dash, statusInk := paper, ink, "1.5", "", ink
	switch {
	case n.Status == trace.LotRecalled:
		fill, stroke, width, dash, statusInk = recallFill, recallInk, "3", ` stroke-dasharray="8 4"`, recallInk
	case n.Status == trace.LotConsumed:
		fill = usedFill
	}
	if root {
		fill, width, name = rootFill, "4", word(lang, "root")+name
	}
	summary := []string{name, word(lang, "lot") + n.Number, qty, status}
	if root {
		summary = append(summary, word(lang, "rootIs"))
	}
	c.f(`<g class="lot" data-lot="%s"><title>%s</title>`, esc(n.ID), esc(strings.Join(summary, " · ")))
	c.f(`<rect class="lot" x="%s" y="%s" width="%s" height="%s" rx="6" fill="%s" stroke="%s" stroke-width="%s"%s/>`,
		num(x), num(y), num(boxW), num(boxH), fill, stroke, width, dash)
	inner := boxW - 2*padX
	c.text(x+padX, y+padX+nameSize, nameSize, inner, "start", ink, "bold", name)
	c.text(x+padX, y+padX+nameSize+lineH, textSize, inner, "start", ink, "", word(lang, "lot")+n.Number)
	c.text(x+padX, y+padX+nameSize+2*lineH, textSize, inner, "start", ink, "", qty)
	weight := ""
	if n.Status == trace.LotRecalled {
		weight = "bold"
	}
	c.text(x+padX, y+padX+nameSize+3*lineH, textSize, inner, "start", statusInk, weight, status)
	c.WriteString(`</g>`)
}
