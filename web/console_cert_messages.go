package web

// consoleCertMessages are the console's texts for 承诺达标合格证: the lot
// page's list of certificates and the form that issues one.
var consoleCertMessages = map[string]map[string]string{
	"zh": {
		"step.certify":            "开具合格证",
		"certify.list":            "承诺达标合格证",
		"certify.none":            "本批次尚未开具承诺达标合格证。",
		"certify.pdf":             "打印合格证（PDF，含追溯二维码）",
		"certify.title":           "开具承诺达标合格证",
		"certify.help":            "合格证随产品交给买方，二维码即本批次追溯码（证码合一）。留空的名称、数量、产地和开具者取自批次和本单位。",
		"certify.product":         "食用农产品名称（留空为产品名称）",
		"certify.quantity":        "数量（重量）（kg、L 或件；留空为批次剩余量）",
		"certify.origin":          "产地（留空为批次产地）",
		"certify.issuer":          "生产者（开具者）（留空为本单位名称）",
		"certify.phone":           "联系方式（手机或带区号的座机）",
		"certify.basis":           "承诺依据",
		"certify.results":         "检测结果（自我检测时填写，每行一项，如“农药残留速测: 阴性”）",
		"certify.report":          "检测报告编号（委托检测时必填）",
		"certify.lab":             "检测机构",
		"certify.signer":          "签名人",
		"certify.commit":          "我承诺对生产销售的食用农产品：不使用禁用农药兽药、停用兽药和非法添加物；常规农药兽药残留不超标；对承诺的真实性负责。",
		"certify.submit":          "开具合格证",
		"certify.done":            "承诺达标合格证已开具并记入本批次的区块链记录。",
		"basis.commissioned-test": "委托检测",
		"basis.self-test":         "自我检测",
		"basis.internal-control":  "内部质量控制",
		"basis.self-commitment":   "自我承诺",
		"err.certproduct":         "请填写产品名称（最多 64 字）。",
		"err.certqty":             "数量不能超过批次剩余量。",
		"err.certorigin":          "请填写产地（最多 128 字）。",
		"err.certissuer":          "请填写开具者名称（最多 64 字）。",
		"err.certphone":           "请填写 11 位手机号或带区号的座机号，例如 0717-2581234。",
		"err.certbasis":           "请选择承诺依据；内部质量控制和自我承诺不填检测结果或报告。",
		"err.certresults":         "自我检测请填写检测结果，每行“项目: 结果”，或填写报告编号。",
		"err.certreport":          "委托检测请填写检测报告编号。",
		"err.certlab":             "检测机构名称最多 64 字。",
		"err.certsigner":          "请填写签名人姓名。",
		"err.certcommit":          "开具合格证须勾选承诺。",
	},
	"en": {
		"step.certify":            "certificate issued",
		"certify.list":            "Certificates of commitment (承诺达标合格证)",
		"certify.none":            "No certificate has been issued for this lot.",
		"certify.pdf":             "Print the certificates (PDF with the trace QR code)",
		"certify.title":           "Issue a certificate of commitment (承诺达标合格证)",
		"certify.help":            "The certificate goes to the buyer with the produce; its QR code is this lot's trace code. Name, quantity, origin and issuer left empty are taken from the lot and your organization.",
		"certify.product":         "Produce name (empty: the product's name)",
		"certify.quantity":        "Quantity (kg, L or pieces; empty: all the lot holds)",
		"certify.origin":          "Origin (empty: the lot's origin)",
		"certify.issuer":          "Issuer (empty: your organization's name)",
		"certify.phone":           "Contact phone (mobile, or landline with area code)",
		"certify.basis":           "Basis of the commitment",
		"certify.results":         "Test results (for a self-test, one a line, e.g. \"pesticide rapid test: negative\")",
		"certify.report":          "Test report number (required for a commissioned test)",
		"certify.lab":             "Laboratory",
		"certify.signer":          "Signed by",
		"certify.commit":          "For the produce I grow or sell, I commit that no banned pesticides or veterinary drugs, no suspended veterinary drugs and no illegal additives were used; that residues of the pesticides and veterinary drugs in common use do not exceed their limits; and I answer for the truth of this commitment.",
		"certify.submit":          "Issue the certificate",
		"certify.done":            "The certificate is issued and recorded on the lot's chain.",
		"basis.commissioned-test": "commissioned test",
		"basis.self-test":         "self-test",
		"basis.internal-control":  "internal quality control",
		"basis.self-commitment":   "self-commitment",
		"err.certresults":         "For a self-test, give results one a line as \"test: result\", or a report number.",
	},
}

func init() {
	for lang, texts := range consoleCertMessages {
		for k, v := range texts {
			consoleMessages[lang][k] = v
		}
	}
}
