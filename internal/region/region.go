// Package region names China's administrative divisions for people to read.
// Places are recorded as division codes (GB/T 2260: 6 digits for a county,
// extended to 9 for a township and 12 for a village), which mean nothing to a
// consumer reading why a scan looks wrong.
//
// Names go down to the prefecture, the level at which the scan rules tell
// near from far. Every province is known, and the prefectures of Hubei, where
// the rapeseed programs AgriTrace serves first are; elsewhere a code is named
// by its province.
package region

import "strings"

type name struct{ zh, en string }

var provinces = map[string]name{
	"11": {"北京市", "Beijing"}, "12": {"天津市", "Tianjin"}, "13": {"河北省", "Hebei"}, "14": {"山西省", "Shanxi"},
	"15": {"内蒙古自治区", "Inner Mongolia"}, "21": {"辽宁省", "Liaoning"}, "22": {"吉林省", "Jilin"},
	"23": {"黑龙江省", "Heilongjiang"}, "31": {"上海市", "Shanghai"}, "32": {"江苏省", "Jiangsu"},
	"33": {"浙江省", "Zhejiang"}, "34": {"安徽省", "Anhui"}, "35": {"福建省", "Fujian"}, "36": {"江西省", "Jiangxi"},
	"37": {"山东省", "Shandong"}, "41": {"河南省", "Henan"}, "42": {"湖北省", "Hubei"}, "43": {"湖南省", "Hunan"},
	"44": {"广东省", "Guangdong"}, "45": {"广西壮族自治区", "Guangxi"}, "46": {"海南省", "Hainan"},
	"50": {"重庆市", "Chongqing"}, "51": {"四川省", "Sichuan"}, "52": {"贵州省", "Guizhou"}, "53": {"云南省", "Yunnan"},
	"54": {"西藏自治区", "Tibet"}, "61": {"陕西省", "Shaanxi"}, "62": {"甘肃省", "Gansu"}, "63": {"青海省", "Qinghai"},
	"64": {"宁夏回族自治区", "Ningxia"}, "65": {"新疆维吾尔自治区", "Xinjiang"}, "71": {"台湾省", "Taiwan"},
	"81": {"香港特别行政区", "Hong Kong"}, "82": {"澳门特别行政区", "Macao"},
}

// prefectures are keyed by their 4-digit prefix; Hubei's county-level cities
// under the province itself (4290xx) have no prefecture and are keyed by
// their 6-digit code.
var prefectures = map[string]name{
	"4201": {"武汉市", "Wuhan"}, "4202": {"黄石市", "Huangshi"}, "4203": {"十堰市", "Shiyan"},
	"4205": {"宜昌市", "Yichang"}, "4206": {"襄阳市", "Xiangyang"}, "4207": {"鄂州市", "Ezhou"},
	"4208": {"荆门市", "Jingmen"}, "4209": {"孝感市", "Xiaogan"}, "4210": {"荆州市", "Jingzhou"},
	"4211": {"黄冈市", "Huanggang"}, "4212": {"咸宁市", "Xianning"}, "4213": {"随州市", "Suizhou"},
	"4228":   {"恩施土家族苗族自治州", "Enshi"},
	"429004": {"仙桃市", "Xiantao"}, "429005": {"潜江市", "Qianjiang"}, "429006": {"天门市", "Tianmen"},
	"429021": {"神农架林区", "Shennongjia"},
}

// Name returns the place a division code is in, in Chinese or, for lang
// "en", in English: "湖北省宜昌市" or "Yichang, Hubei" for a code in a known
// prefecture, the province otherwise, and the code itself when even the
// province is unknown.
func Name(code, lang string) string {
	if len(code) < 2 || strings.Trim(code, "0123456789") != "" {
		return code
	}
	prov, ok := provinces[code[:2]]
	if !ok {
		return code
	}
	pref, ok := name{}, false
	if len(code) >= 6 {
		pref, ok = prefectures[code[:6]]
	}
	if !ok && len(code) >= 4 {
		pref, ok = prefectures[code[:4]]
	}
	switch {
	case !ok && lang == "en":
		return prov.en
	case !ok:
		return prov.zh
	case lang == "en":
		return pref.en + ", " + prov.en
	}
	return prov.zh + pref.zh
}
