// Package picture draws AgriTrace's data as SVG on the server: a lot's trace
// graph, and bar charts for the regulator's dashboard. Drawing on the server
// means a cheap phone or an old office PC needs no script to see them, and
// the console pages, exports and the API all show the same bytes.
//
// Every text in a picture may come from users (lot numbers, product names,
// places) and is XML-escaped. Pictures carry a <title> and <desc> for screen
// readers, a viewBox so they scale from a 390 px phone to a desktop, and text
// whose contrast with what is behind it is at least 4.5:1 (WCAG 2 AA).
package picture

import (
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"unicode"

	"github.com/agritrace/agritrace/internal/trace"
)

// Colours. Every text colour is paired with the fills it is drawn on in
// textOn, which a test holds to the 4.5:1 contrast ratio.
const (
	ink        = "#1a1a1a" // ordinary text and outlines
	paper      = "#ffffff"
	rootFill   = "#fff3c4" // the lot the picture was asked for
	usedFill   = "#eeeeee" // consumed lots: nothing left to act on
	recallInk  = "#8a0000" // recalled lots: outline and status text
	recallFill = "#fdeaea"
	edgeInk    = "#4a4a4a" // flow lines and their quantities
	barFill    = "#1f4e79"
)

// textOn lists each text colour with the backgrounds it appears on.
var textOn = map[string][]string{
	ink:       {paper, rootFill, usedFill, recallFill},
	recallInk: {recallFill},
	edgeInk:   {paper},
}

// words are the pictures' own texts, per language.
var words = map[string]map[string]string{
	"zh": {
		"title": "批次 %s 的溯源图", "lot": "批次 ", "root": "★ ",
		trace.LotActive: "在库", trace.LotConsumed: "已用完", trace.LotRecalled: "⚠ 已召回",
		"desc":   "从左（原料）到右（产品）：%d 个批次，%d 条流向。所查批次：%s。",
		"recall": "已召回批次：%s。", "rootIs": "所查批次",
		"alerts": "各地待查预警", "unknownPlace": "地点不明", "none": "暂无数据",
		"barsDesc": "共 %d 条，分 %d 处，从多到少：", "listSep": "；",
	},
	"en": {
		"title": "Trace of lot %s", "lot": "Lot ", "root": "★ ",
		trace.LotActive: "In stock", trace.LotConsumed: "Used up", trace.LotRecalled: "⚠ RECALLED",
		"desc":   "Left (inputs) to right (products): %d lots, %d flows. Lot asked for: %s.",
		"recall": "Recalled lots: %s.", "rootIs": "lot asked for",
		"alerts": "Alerts by prefecture", "unknownPlace": "Place unknown", "none": "Nothing counted",
		"barsDesc": "%d in all, in %d places, most first:", "listSep": "; ",
	},
}

func word(lang, key string) string {
	if lang != "en" {
		lang = "zh"
	}
	if w, ok := words[lang][key]; ok {
		return w
	}
	return key
}

// fonts prefers the CJK faces found on Chinese phones and office PCs, so
// Chinese names render without a web font.
const fonts = `"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","Droid Sans Fallback",sans-serif`

// canvas accumulates SVG markup; id prefixes the ids inside the picture.
type canvas struct {
	strings.Builder
	id string
}

func (c *canvas) f(format string, args ...any) { fmt.Fprintf(c, format, args...) }

// RootStyle is the root element's style attribute: a picture shrinks to a
// narrow screen. Pages that embed pictures allow it by its hash in their
// Content-Security-Policy.
const RootStyle = "max-width:100%;height:auto"

// open writes the root element with its accessible name and description;
// ids are derived from key so two pictures on one page do not share them.
func (c *canvas) open(w, h float64, lang, key, title, desc string) {
	sum := fnv.New32a()
	sum.Write([]byte(key))
	c.id = fmt.Sprintf("p%08x", sum.Sum32())
	id := c.id
	c.f(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" preserveAspectRatio="xMidYMin meet" `+
		`style="%s" role="img" aria-labelledby="%s-title %s-desc" xml:lang="%s" font-family="%s">`,
		num(w), num(h), num(w), RootStyle, id, id, esc(xmlLang(lang)), esc(fonts))
	c.f(`<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
	c.f(`<rect x="0" y="0" width="%s" height="%s" fill="%s"/>`, num(w), num(h), paper)
}

func (c *canvas) close() []byte {
	c.WriteString("</svg>\n")
	return []byte(c.String())
}

// text writes one line of text, cut to fit width.
func (c *canvas) text(x, y, size, width float64, anchor, fill, weight, s string) {
	c.f(`<text x="%s" y="%s" font-size="%s" fill="%s" text-anchor="%s"`, num(x), num(y), num(size), fill, anchor)
	if weight != "" {
		c.f(` font-weight="%s"`, weight)
	}
	c.f(`>%s</text>`, esc(fit(s, size, width)))
}

func xmlLang(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "zh-CN"
}

// esc escapes s for XML text and attribute values; characters XML cannot
// carry at all become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// num formats a coordinate with at most one decimal, which is finer than any
// screen needs and keeps pictures small.
func num(v float64) string { return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0") }

// textWidth estimates how wide s is drawn at size: Chinese characters are
// about one em, Latin letters and digits a little over half. Fonts differ, so
// the estimate errs wide.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		if wide(r) {
			w += size
		} else {
			w += 0.58 * size
		}
	}
	return w
}

func wide(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		unicode.Is(unicode.Hangul, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

// fit cuts s with an ellipsis so it is no wider than width at size. The
// whole text stays available in the element's <title>.
func fit(s string, size, width float64) string {
	if textWidth(s, size) <= width {
		return s
	}
	limit := width - textWidth("…", size)
	w := 0.0
	for i, r := range s {
		rw := textWidth(string(r), size)
		if w+rw > limit {
			return s[:i] + "…"
		}
		w += rw
	}
	return s
}

// quantity writes an amount in base units (g, mL, pieces) the way people
// read it: kilograms and litres with exact decimals, pieces counted.
func quantity(q int64, baseUnit, lang string) string {
	switch baseUnit {
	case "g":
		return thousandths(q) + " kg"
	case "mL":
		return thousandths(q) + " L"
	}
	if lang == "en" {
		return group(q) + " pcs"
	}
	return group(q) + " 件"
}

// thousandths writes q/1000 exactly, without float rounding.
func thousandths(q int64) string {
	sign := ""
	u := uint64(q)
	if q < 0 {
		sign, u = "-", -u
	}
	s := sign + group(int64(u/1000))
	if frac := u % 1000; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%03d", frac), "0")
	}
	return s
}

// group writes n with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
