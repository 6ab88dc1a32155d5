package picture_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/picture"
	"github.com/agritrace/agritrace/internal/trace"
)

func TestByPrefecture(t *testing.T) {
	scans := []trace.Scan{
		{Region: "421022"}, {Region: "421022001"}, {Region: "421002"}, // Jingzhou: Gong'an county, a township there, Shashi
		{Region: "420506"}, // Yichang
		{Region: "310101"}, // Shanghai: named by its province
		{},
	}
	want := []picture.Bar{{Label: "Jingzhou, Hubei", Count: 3}, {Label: "Place unknown", Count: 1},
		{Label: "Shanghai", Count: 1}, {Label: "Yichang, Hubei", Count: 1}}
	if got := picture.ByPrefecture(scans, "en"); !slices.Equal(got, want) {
		t.Errorf("ByPrefecture = %v, want %v", got, want)
	}
	if got := picture.ByPrefecture(scans, "zh"); got[0] != (picture.Bar{Label: "湖北省荆州市", Count: 3}) {
		t.Errorf("in Chinese, first bar = %v", got[0])
	}
}

func TestBarsSVG(t *testing.T) {
	bars := []picture.Bar{{"湖北省宜昌市", 2}, {"湖北省恩施土家族苗族自治州", 7}, {`<b onclick="x">&`, 4}}
	svg, err := picture.BarsSVG("各地待查预警", bars, "zh")
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, svg)
	groups := root.all(func(e elem) bool { return e.attr("class") == "bar" && e.XMLName.Local == "g" })
	var order []string
	lastY := -1.0
	for _, g := range groups {
		var ts []string
		for _, tx := range g.all(named("text")) {
			ts = append(ts, tx.Text)
		}
		r := g.all(named("rect"))[0]
		if y := r.num(t, "y"); y <= lastY {
			t.Errorf("bars not stacked downwards")
		} else {
			lastY = y
		}
		order = append(order, strings.Join(ts, "="))
	}
	want := []string{"湖北省恩施土家族苗族自治州=7", `<b onclick="x">&=4`, "湖北省宜昌市=2"}
	if !slices.Equal(order, want) {
		t.Errorf("bars = %q, want %q (most first, number on each)", order, want)
	}
	if len(root.all(named("b"))) > 0 {
		t.Errorf("a label became markup")
	}
	widths := map[string]float64{}
	for i, g := range groups {
		widths[want[i]] = g.all(named("rect"))[0].num(t, "width")
	}
	if w7, w2 := widths[want[0]], widths[want[2]]; w7 <= 0 || w2*7 < w7*2-1 || w2*7 > w7*2+1 {
		t.Errorf("bar widths %v and %v are not in proportion 7:2", w7, w2)
	}

	empty, err := picture.AlertsSVG(nil, "en")
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(parse(t, empty)); !strings.Contains(got, "Alerts by prefecture") || !strings.Contains(got, "Nothing counted") {
		t.Errorf("empty chart says %q", got)
	}
	if _, err := picture.BarsSVG("x", []picture.Bar{{"y", -1}}, "en"); err == nil {
		t.Errorf("a negative count drew a bar")
	}
}
