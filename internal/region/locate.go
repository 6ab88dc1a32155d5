package region

import (
	"math"
	"strings"
)

// Code returns the division code for a province and city named in Chinese,
// as an IP-to-region database names them ("湖北省", "宜昌市"; the suffix 省
// or 市 may be missing): the prefecture's code where it is known, padded to 6
// digits, the province's otherwise, and "" when the province is unknown.
func Code(province, city string) string {
	prov := ""
	for code, n := range provinces {
		if province != "" && (n.zh == province || trimSuffix(n.zh) == trimSuffix(province)) {
			prov = code
			break
		}
	}
	if prov == "" {
		return ""
	}
	for code, n := range prefectures {
		if city != "" && code[:2] == prov && trimSuffix(n.zh) == trimSuffix(city) {
			return pad(code)
		}
	}
	return pad(prov)
}

// trimSuffix drops the administrative suffix, so "北京" matches "北京市" and
// "广西" matches "广西壮族自治区".
func trimSuffix(s string) string {
	for _, suf := range []string{"壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "土家族苗族自治州", "林区", "省", "市"} {
		if t, ok := strings.CutSuffix(s, suf); ok {
			return t
		}
	}
	return s
}

func pad(code string) string { return code + strings.Repeat("0", max(0, 6-len(code))) }

// point is a place on the earth in degrees (WGS-84, as browsers report it).
type point struct{ lat, lon float64 }

// centroids are rough geographic centres of every province and of Hubei's
// prefectures, good to a few tens of kilometres: enough to tell a county in
// one prefecture from one two prefectures away, not to draw a border.
var centroids = map[string]point{
	"11": {40.2, 116.4}, "12": {39.3, 117.3}, "13": {38.9, 115.6}, "14": {37.6, 112.3}, "15": {44.1, 113.9},
	"21": {41.3, 122.6}, "22": {43.7, 126.2}, "23": {47.9, 128.0}, "31": {31.2, 121.45}, "32": {32.9, 119.5},
	"33": {29.2, 120.1}, "34": {31.8, 117.2}, "35": {26.1, 118.0}, "36": {27.6, 115.7}, "37": {36.4, 118.2},
	"41": {33.9, 113.5}, "42": {31.0, 112.3}, "43": {27.6, 111.7}, "44": {23.4, 113.4}, "45": {23.8, 108.8},
	"46": {19.2, 109.7}, "50": {30.0, 107.8}, "51": {30.6, 102.7}, "52": {26.8, 106.8}, "53": {25.0, 101.5},
	"54": {31.5, 88.4}, "61": {35.2, 108.9}, "62": {37.8, 101.0}, "63": {35.7, 96.0}, "64": {37.3, 106.2},
	"65": {41.1, 85.2}, "71": {23.7, 121.0}, "81": {22.35, 114.15}, "82": {22.17, 113.55},
	"4201": {30.6, 114.3}, "4202": {30.0, 115.0}, "4203": {32.4, 110.6}, "4205": {30.9, 111.1},
	"4206": {32.0, 112.1}, "4207": {30.4, 114.9}, "4208": {31.0, 112.2}, "4209": {31.0, 113.9},
	"4210": {29.9, 112.6}, "4211": {30.7, 115.2}, "4212": {29.7, 114.3}, "4213": {31.7, 113.4},
	"4228": {30.3, 109.5}, "429004": {30.36, 113.45}, "429005": {30.4, 112.9}, "429006": {30.65, 113.17},
	"429021": {31.74, 110.67},
}

// MaxCentroidKm bounds how far a point may be from the nearest centroid and
// still be placed: the largest provinces (Xinjiang, Tibet, Inner Mongolia)
// reach about this far from their centres, and a point farther than that from
// every centre is not in China.
const MaxCentroidKm = 900

// Nearest returns the division code of the centroid nearest to the point at
// lat, lon (degrees): a Hubei prefecture's code, another province's code, or
// "" for coordinates that are invalid or far from every centroid. Near a
// boundary the neighbour's centroid can be the nearer one, so the answer is a
// prefecture (in Hubei) or a province, not a survey.
func Nearest(lat, lon float64) string {
	if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return ""
	}
	best, bestKm := "", math.Inf(1)
	for code, c := range centroids {
		if d := km(point{lat, lon}, c); d < bestKm || (d == bestKm && code < best) {
			best, bestKm = code, d
		}
	}
	if bestKm > MaxCentroidKm {
		return ""
	}
	return pad(best)
}

// km is the great-circle distance between two points.
func km(a, b point) float64 {
	const earthKm = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (b.lat-a.lat)*rad, (b.lon-a.lon)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.lat*rad)*math.Cos(b.lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthKm * math.Asin(math.Sqrt(h))
}
