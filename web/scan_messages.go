package web

// scanMessages are the scan page's texts for recalls, limits, makers and
// growers, kept apart from the shared table so pages added in parallel do
// not collide; init merges them in.
var scanMessages = map[string]map[string]string{
	"zh": {
		"recall.title":   "召回通知",
		"recall.reason":  "召回原因",
		"recall.since":   "召回日期",
		"recall.by":      "发布单位",
		"recall.advice":  "您应该怎么做",
		"china.time":     "北京时间",
		"maker":          "生产企业",
		"sccode":         "食品生产许可证编号",
		"grower":         "种植户",
		"to":             "至",
		"limit":          "国家标准限量",
		"limit.none":     "无适用的国家标准限量，仅列出检测值",
		"result.pass":    "合格",
		"result.fail":    "不合格",
		"solventResidue": "溶剂残留量 mg/kg",
	},
	"en": {
		"recall.title":   "Recall notice",
		"recall.reason":  "Why",
		"recall.since":   "Recalled on",
		"recall.by":      "Ordered by",
		"recall.advice":  "What to do",
		"china.time":     "China time",
		"maker":          "Made by",
		"sccode":         "Food production licence (SC)",
		"grower":         "Grower",
		"to":             "to",
		"limit":          "National limit",
		"limit.none":     "No national limit applies; the measured value is shown as is",
		"result.pass":    "pass",
		"result.fail":    "FAIL",
		"solventResidue": "Solvent residue mg/kg",
	},
}

func init() {
	for lang, texts := range scanMessages {
		for k, v := range texts {
			messages[lang][k] = v
		}
	}
}
