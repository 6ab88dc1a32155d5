package web

// certificateMessages are the words of 承诺达标合格证 on the scan page and in
// the console. The commitments read in Chinese as recorded; the English
// lines translate them, in the template's order.
var certificateMessages = map[string]map[string]string{
	"zh": {
		"step.certify":   "开具承诺达标合格证",
		"cert.title":     "承诺达标合格证",
		"cert.number":    "编号",
		"cert.product":   "食用农产品名称",
		"cert.quantity":  "数量（重量）",
		"cert.origin":    "产地",
		"cert.issuer":    "生产者（开具者）",
		"cert.phone":     "联系方式",
		"cert.date":      "开具日期",
		"cert.statement": "我承诺对生产销售的食用农产品：",
		"cert.basis":     "承诺依据",
		"cert.tests":     "检测情况",
		"cert.lab":       "检测机构",
		"cert.report":    "报告编号",
		"cert.lot":       "批次",
		"cert.pdf":       "打印合格证（PDF）",
		"cert.signer":    "签名",
	},
	"en": {
		"step.certify":   "Certificate of commitment issued",
		"cert.title":     "Certificate of commitment to meet standards (承诺达标合格证)",
		"cert.number":    "Number",
		"cert.product":   "Produce",
		"cert.quantity":  "Quantity",
		"cert.origin":    "Origin",
		"cert.issuer":    "Issued by",
		"cert.phone":     "Contact",
		"cert.date":      "Date of issue",
		"cert.statement": "For the produce it grows or sells, the issuer commits that:",
		"cert.commit.0":  "no banned pesticides or veterinary drugs, no suspended veterinary drugs and no illegal additives were used",
		"cert.commit.1":  "residues of the pesticides and veterinary drugs in common use do not exceed their limits",
		"cert.commit.2":  "it answers for the truth of this commitment",
		"cert.basis":     "Basis",
		"cert.tests":     "Tests",
		"cert.lab":       "Laboratory",
		"cert.report":    "Report no.",
		"cert.lot":       "Lot",
		"cert.pdf":       "Printable certificate (PDF)",
		"cert.signer":    "Signed by",
	},
}

func init() {
	for lang, texts := range certificateMessages {
		for k, v := range texts {
			messages[lang][k] = v
		}
	}
}
