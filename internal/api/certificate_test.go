package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
)

// certifyBody is a valid certificate; cases change one thing each.
func certifyBody() trace.CertifyInput {
	return trace.CertifyInput{
		Quantity: 200_000, Phone: "13812345678", Basis: trace.BasisSelfTest,
		Results: map[string]any{"农药残留速测": "阴性"}, Signer: "赵建国", Commit: true,
	}
}

func TestCertify(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	lot := commissionSeed(t, e, "HG1", 1000)
	moved := atMill(t, e, "HG2", 1000)
	path := "/api/v1/lots/" + lot + "/certificates"
	cc := e.as(demo.Collector)
	for _, tc := range []struct {
		name        string
		as          string
		lot         string
		edit        func(*trace.CertifyInput)
		status      int
		code, field string
	}{
		{name: "create400Phone", edit: func(in *trace.CertifyInput) { in.Phone = "12345" }, status: 400, code: trace.EINVALID, field: "phone"},
		{name: "create400NoPhone", edit: func(in *trace.CertifyInput) { in.Phone = "" }, status: 400, code: trace.EINVALID, field: "phone"},
		{name: "create400Basis", edit: func(in *trace.CertifyInput) { in.Basis = "trust-me" }, status: 400, code: trace.EINVALID, field: "basis"},
		{name: "create400SelfTestWithoutResults", edit: func(in *trace.CertifyInput) { in.Results = nil }, status: 400, code: trace.EINVALID, field: "results"},
		{name: "create400CommissionedWithoutReport", edit: func(in *trace.CertifyInput) { in.Basis = trace.BasisCommissionedTest }, status: 400, code: trace.EINVALID, field: "report"},
		{name: "create400ResultsOnSelfCommitment", edit: func(in *trace.CertifyInput) { in.Basis = trace.BasisSelfCommitment }, status: 400, code: trace.EINVALID, field: "basis"},
		{name: "create400NoCommitment", edit: func(in *trace.CertifyInput) { in.Commit = false }, status: 400, code: trace.EINVALID, field: "commit"},
		{name: "create400NoSigner", edit: func(in *trace.CertifyInput) { in.Signer = " " }, status: 400, code: trace.EINVALID, field: "signer"},
		{name: "create422MoreThanHeld", edit: func(in *trace.CertifyInput) { in.Quantity = 1_000_001 }, status: 422, code: trace.EUNPROCESSABLE, field: "quantity"},
		{name: "create403Processor", as: demo.Mill, status: 403, code: trace.EFORBIDDEN},
		{name: "create403ProducerNotHolding", as: demo.Coop, status: 403, code: trace.EFORBIDDEN, field: "lot"},
		{name: "create403MovedOnToMill", lot: moved, status: 403, code: trace.EFORBIDDEN, field: "lot"},
		{name: "create404", lot: demo.Seed + ".NOPE", status: 404, code: trace.ENOTFOUND, field: "lot"},
		{name: "create201Commissioned", edit: func(in *trace.CertifyInput) {
			in.Basis, in.Results, in.Report, in.Lab = trace.BasisCommissionedTest, nil, "WT2026-0519", "宜昌市农产品质量安全检测中心"
		}, status: 201},
		{name: "create201Whole", edit: func(in *trace.CertifyInput) {
			in.Quantity, in.Basis, in.Results = 0, trace.BasisInternalControl, nil
		}, status: 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := certifyBody()
			if tc.edit != nil {
				tc.edit(&in)
			}
			org, p := demo.Collector, path
			if tc.as != "" {
				org = tc.as
			}
			if tc.lot != "" {
				p = "/api/v1/lots/" + tc.lot + "/certificates"
			}
			expect(t, e.as(org), "POST", p, in, tc.status, tc.code, tc.field)
		})
	}

	// A certificate answers with its number, event seq and hash, and is an
	// event of the lot's chain like any other.
	var cert trace.Certificate
	if err := cc.Do(bg, "POST", path, certifyBody(), &cert); err != nil {
		t.Fatal(err)
	}
	evs := events(t, e, lot)
	last := evs[len(evs)-1]
	if cert.Seq != last.Seq || cert.Hash != last.Hash || last.Type != trace.EventCertify || last.BizStep != "urn:epcglobal:cbv:bizstep:inspecting" {
		t.Fatalf("certificate %+v, last event %+v", cert, last)
	}
	want := trace.CertificateNumber(lot, last.Seq)
	if cert.Number != want || cert.Quantity != 200_000 || cert.Product != "油菜籽" || cert.Origin != "湖北省宜昌市桃园村" || cert.Date == "" {
		t.Errorf("certificate = %+v, want number %s, 200 kg of 油菜籽 from 湖北省宜昌市桃园村", cert, want)
	}
	if strings.Join(cert.Statement, "；") != strings.Join(trace.Commitment, "；") || cert.IssuerOrg != demo.Collector || cert.Issuer == "" {
		t.Errorf("statement %v issuer %s/%s", cert.Statement, cert.IssuerOrg, cert.Issuer)
	}

	// Readers of the lot get it in full; others may not read it.
	var list struct {
		Certificates []trace.Certificate `json:"certificates"`
	}
	if err := cc.Do(bg, "GET", path, nil, &list); err != nil {
		t.Fatal(err)
	}
	if n := len(list.Certificates); n != 3 || list.Certificates[2].Phone != "13812345678" || list.Certificates[2].Signer != "赵建国" {
		t.Fatalf("GET %s = %+v", path, list.Certificates)
	}
	expect(t, e.as(demo.Shop), "GET", path, nil, 403, trace.EFORBIDDEN, "lot")

	// The public sees it with the ledger's verdict, the phone masked and no signer.
	waitVerified(t, e, lot)
	var pub struct {
		Verdict      string `json:"verdict"`
		Certificates []struct {
			trace.Certificate
			BasisZH string `json:"basisZh"`
			Check   string `json:"check"`
		} `json:"certificates"`
	}
	if err := e.as("").Do(bg, "GET", "/certificates/"+lot, nil, &pub); err != nil {
		t.Fatal(err)
	}
	got := pub.Certificates[2]
	if pub.Verdict != "verified" || got.Check != "verified" || got.Phone != "138****5678" || got.Signer != "" || got.BasisZH != "自我检测" || got.Number != want {
		t.Errorf("public certificate = %+v (verdict %s)", got, pub.Verdict)
	}
	expect(t, e.as(""), "GET", "/certificates/"+demo.Seed+".NOPE", nil, 404, trace.ENOTFOUND, "")
}

func TestCertifyRetried(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	lot := commissionSeed(t, e, "HG3", 1000)
	b, _ := json.Marshal(certifyBody())
	s1, a1 := post(t, e, demo.Collector, "/api/v1/lots/"+lot+"/certificates", "hg-3", string(b))
	s2, a2 := post(t, e, demo.Collector, "/api/v1/lots/"+lot+"/certificates", "hg-3", string(b))
	if s1 != 201 || s2 != 201 || a1 != a2 {
		t.Fatalf("retry answered %d %s, first %d %s", s2, a2, s1, a1)
	}
	if n := countEvents(t, e, lot, trace.EventCertify); n != 1 {
		t.Fatalf("%d certify events after a retry, want 1", n)
	}
}

// TestCertificatePDF prints a certificate as the public link serves it and
// reads it back with poppler: the template's fields as text, and the QR code,
// rasterized at 300 dpi, read by gozxing and by zbar as the lot's Digital
// Link (证码合一).
func TestCertificatePDF(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	lot := commissionSeed(t, e, "HG-PDF", 1000)
	in := certifyBody()
	in.Basis, in.Results, in.Report, in.Lab = trace.BasisCommissionedTest, nil, "WT2026-0519", "宜昌市农产品质量安全检测中心"
	var cert trace.Certificate
	if err := e.as(demo.Collector).Do(bg, "POST", "/api/v1/lots/"+lot+"/certificates", in, &cert); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(e.URL + "/certificates/" + lot + "?format=pdf")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("GET pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "cert.pdf")
	if err := os.WriteFile(pdf, body, 0o600); err != nil {
		t.Fatal(err)
	}
	text := poppler(t, "pdftotext", "-layout", pdf, "-")
	for _, want := range []string{
		"承诺达标合格证", "编号：" + cert.Number, "食用农产品名称：油菜籽", "数量（重量）：200 kg", "产地：湖北省宜昌市桃园村",
		"生产者（开具者）：兴山县农产品集配中心", "联系方式：138****5678", "开具日期：" + cert.Date,
		"不使用禁用农药兽药、停用兽药和非法添加物", "常规农药兽药残留不超标", "对承诺的真实性负责",
		"委托检测", "自我检测", "内部质量控制", "自我承诺", "报告编号 WT2026-0519", "扫码查看追溯信息",
	} {
		if !strings.Contains(strings.ReplaceAll(text, "\n", ""), want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
	}
	link := label.LotLink(e.URL, demo.Seed, "HG-PDF")
	got, err := labelQR(t, pdf, filepath.Join(dir, "page"), nil)
	if err != nil || got != link {
		t.Errorf("gozxing reads %q, %v; want %q", got, err, link)
	}
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("zbarimg is missing (scripts/test.sh installs zbar-tools)")
		}
		t.Skip("zbarimg is not installed")
	}
	out, err := exec.Command(zbar, "--raw", "-q", "-Sdisable", "-Sqrcode.enable", filepath.Join(dir, "page.png")).Output()
	if err != nil || strings.TrimSpace(string(out)) != link {
		t.Errorf("zbar reads %q, %v; want %q", out, err, link)
	}
	// The one numbered, or none.
	expect(t, e.as(""), "GET", "/certificates/"+lot+"?format=pdf&seq=0", nil, 404, trace.ENOTFOUND, "")
}

// TestScanShowsCertificates scans a bottle made from the demo's certified
// seed: its page, in both languages, and its JSON show both certificates
// with their basis in words, the phone masked and no signer.
func TestScanShowsCertificates(t *testing.T) {
	e := start(t)
	st := e.story(t)
	_, js := get(t, st.ShelfURL, "Accept", "application/json")
	var p struct {
		Certificates []struct {
			Number  string `json:"number"`
			Phone   string `json:"phone"`
			Signer  string `json:"signer"`
			BasisZH string `json:"basisZh"`
			Check   string `json:"check"`
		} `json:"certificates"`
	}
	if err := json.Unmarshal([]byte(js), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Certificates) != 2 {
		t.Fatalf("scan JSON has %d certificates, want one per seed lot: %s", len(p.Certificates), js)
	}
	for _, c := range p.Certificates {
		if c.Phone != trace.MaskPhone(demo.CollectorPhone) || c.Signer != "" || c.BasisZH != "自我检测" || c.Check != "verified" {
			t.Errorf("certificate on the scan = %+v", c)
		}
	}
	for lang, want := range map[string][]string{
		"zh": {"承诺达标合格证", "自我检测", "不使用禁用农药兽药、停用兽药和非法添加物", "开具承诺达标合格证", p.Certificates[0].Number},
		"en": {"Certificate of commitment", "self-test", "no banned pesticides", "Certificate of commitment issued", p.Certificates[0].Number},
	} {
		_, page := get(t, st.ShelfURL+"&lang="+lang)
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s page lacks %q", lang, w)
			}
		}
		if strings.Contains(page, demo.CollectorPhone) || strings.Contains(page, demo.CollectorSigner) {
			t.Errorf("%s page shows the phone or the signer in full", lang)
		}
	}
}

// TestCertificateTamperingIsCaught edits an issued certificate in the
// database, as a producer might to change its basis after the fact: the
// public certificate link shows it as tampered, and still lists it when the
// edit leaves a record that does not read as a certificate at all.
func TestCertificateTamperingIsCaught(t *testing.T) {
	e := start(t)
	setupProducts(t, e)
	lot := commissionSeed(t, e, "HG-EDIT", 1000)
	var cert trace.Certificate
	if err := e.as(demo.Collector).Do(bg, "POST", "/api/v1/lots/"+lot+"/certificates", certifyBody(), &cert); err != nil {
		t.Fatal(err)
	}
	waitVerified(t, e, lot)
	type public struct {
		Verdict      string `json:"verdict"`
		Certificates []struct {
			Number string `json:"number"`
			Basis  string `json:"basis"`
			Check  string `json:"check"`
		} `json:"certificates"`
	}
	for _, tc := range []struct{ name, edit, basis string }{
		{"basis changed", `json_set(doc, '$.payload.basis', 'commissioned-test')`, "commissioned-test"},
		{"payload unreadable", `json_set(doc, '$.payload', 'x')`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.Store.DB().Exec(`UPDATE events SET doc = `+tc.edit+` WHERE lot = ? AND seq = ?`, lot, cert.Seq); err != nil {
				t.Fatal(err)
			}
			var p public
			if err := e.as("").Do(bg, "GET", "/certificates/"+lot, nil, &p); err != nil {
				t.Fatal(err)
			}
			if p.Verdict != "mismatch" || len(p.Certificates) != 1 || p.Certificates[0].Check != "mismatch" ||
				p.Certificates[0].Number != cert.Number || p.Certificates[0].Basis != tc.basis {
				t.Errorf("after the edit: %+v", p)
			}
		})
	}
}
