package picture

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/agritrace/agritrace/internal/region"
	"github.com/agritrace/agritrace/internal/trace"
)

// Bar is one labelled count in a bar chart.
type Bar struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// ByPrefecture counts scans by the prefecture they were made in, named in
// lang (internal/region: a prefecture of Hubei, the province elsewhere),
// most first. Scans without a place are counted as an unknown place.
func ByPrefecture(scans []trace.Scan, lang string) []Bar {
	counts := map[string]int{}
	for _, s := range scans {
		place := word(lang, "unknownPlace")
		if s.Region != "" {
			place = region.Name(s.Region, lang)
		}
		counts[place]++
	}
	bars := make([]Bar, 0, len(counts))
	for place, n := range counts {
		bars = append(bars, Bar{Label: place, Count: n})
	}
	sortBars(bars)
	return bars
}

// sortBars orders bars most first, then by label, so equal data always
// draws the same picture.
func sortBars(bars []Bar) {
	slices.SortFunc(bars, func(a, b Bar) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Label, b.Label))
	})
}

// Sizes of a bar chart.
const (
	chartW    = 640.0
	rowH      = 32.0
	barH      = 22.0
	labelSize = 14.0
	headSize  = 16.0
	headH     = 40.0
)

// AlertsSVG draws alert counts by prefecture for the regulator's dashboard.
func AlertsSVG(bars []Bar, lang string) ([]byte, error) {
	return BarsSVG(word(lang, "alerts"), bars, lang)
}

// BarsSVG draws counts as horizontal bars, most first, each with its label
// at the left and its number written after the bar, under title. Horizontal
// bars keep long place names such as 恩施土家族苗族自治州 readable on a phone.
func BarsSVG(title string, bars []Bar, lang string) ([]byte, error) {
	bars = slices.Clone(bars)
	sortBars(bars)
	total, most := 0, 0
	labelW := 0.0
	for _, b := range bars {
		if b.Count < 0 {
			return nil, fmt.Errorf("picture: bar %q has a negative count %d", b.Label, b.Count)
		}
		total += b.Count
		most = max(most, b.Count)
		labelW = max(labelW, textWidth(b.Label, labelSize))
	}
	labelW = min(labelW, chartW*0.4)
	numberW := textWidth(strconv.Itoa(most), labelSize) + 8
	barX := margin + labelW + 10
	barMax := chartW - margin - numberW - barX
	h := 2*margin + headH + max(1, float64(len(bars)))*rowH

	parts := make([]string, len(bars))
	for i, b := range bars {
		parts[i] = fmt.Sprintf("%s %d", b.Label, b.Count)
	}
	desc := fmt.Sprintf(word(lang, "barsDesc"), total, len(bars))
	if len(bars) > 0 {
		desc += " " + strings.Join(parts, word(lang, "listSep")) + "."
	}
	var c canvas
	c.open(chartW, h, lang, "bars:"+title, title, desc)
	c.text(margin, margin+headSize, headSize, chartW-2*margin, "start", ink, "bold", title)
	if len(bars) == 0 {
		c.text(margin, margin+headH+rowH/2+labelSize/2, labelSize, chartW-2*margin, "start", ink, "", word(lang, "none"))
		return c.close(), nil
	}
	for i, b := range bars {
		y := margin + headH + float64(i)*rowH
		bw := 0.0
		if most > 0 {
			bw = barMax * float64(b.Count) / float64(most)
		}
		mid := y + barH/2 + labelSize*0.35
		c.f(`<g class="bar"><title>%s</title>`, esc(parts[i]))
		c.text(barX-10, mid, labelSize, labelW, "end", ink, "", b.Label)
		c.f(`<rect class="bar" x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(barX), num(y), num(bw), num(barH), barFill)
		c.text(barX+bw+6, mid, labelSize, numberW, "start", ink, "bold", strconv.Itoa(b.Count))
		c.WriteString(`</g>`)
	}
	return c.close(), nil
}
