package api_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/chromedp/chromedp"
)

// TestConsoleCertifyInBrowser: a collection center's clerk issues a
// 承诺达标合格证 from the lot page in headless Chromium. The form comes with
// the clerk's phone and name filled in; refusals show at their fields and
// store nothing; the certificate is then recorded once, as a certify event
// naming the clerk, listed on the page, and its PDF link prints it in full,
// phone and signer included.
func TestConsoleCertifyInBrowser(t *testing.T) {
	ce := startConsole(t)
	ctx := context.Background()
	if _, _, err := ce.svc.CreateUser(ctx, trace.CommandLine, trace.User{}, trace.UserInput{
		Org: demo.Collector, Login: "cc.certifier", Name: "赵建国", Phone: "13900001111", Password: consolePassword,
	}); err != nil {
		t.Fatal(err)
	}
	b := headless(t, 390, 844)
	lotPage := ce.URL + "/console/lots/" + ce.lot
	open(t, b, lotPage)
	signIn(t, b, "cc.certifier", consolePassword)
	if v, _ := chromedp.Run(b, chromedp.Value(chromedp.CSS("#f-certphone"))); v != "13900001111" {
		t.Errorf("the form's phone is %q, want the clerk's", v)
	}
	if v, _ := chromedp.Run(b, chromedp.Value(chromedp.CSS("#f-certsigner"))); v != "赵建国" {
		t.Errorf("the form's signer is %q, want the clerk's name", v)
	}
	before := len(ce.events(t))
	click := func(sel string) {
		t.Helper()
		if err := chromedp.Do(b, chromedp.Click(chromedp.CSS(sel))); err != nil {
			t.Fatal(err)
		}
	}

	// Refused at the form, then by the domain: each error at its field.
	fill(t, b, "#f-certqty", "lots")
	submit(t, b, "#certify-form")
	if !has(t, b, "#e-certqty") {
		t.Error("a quantity in words shows no error at the quantity")
	}
	fill(t, b, "#f-certqty", "500")
	submit(t, b, "#certify-form")
	if !has(t, b, "#e-certcommit") {
		t.Error("a certificate without the commitment ticked shows no error at the tick box")
	}
	click("#f-certcommit")
	click("#f-basis-self-test")
	submit(t, b, "#certify-form")
	shoot(t, b, "certify-refused", 390)
	if !has(t, b, "#e-certresults") {
		t.Error("a self-test without results shows no error at the results")
	}
	if n := len(ce.events(t)); n != before {
		t.Fatalf("refused forms stored %d events", n-before)
	}

	// Issued once, by the clerk, and listed.
	fill(t, b, "#f-certresults", "农药残留速测: 阴性")
	submit(t, b, "#certify-form")
	shoot(t, b, "certify-done", 390)
	if !has(t, b, "#notice") || !has(t, b, "#certificates li[data-number]") {
		t.Fatal("the issued certificate does not show on the lot page")
	}
	events := ce.events(t)
	last := events[len(events)-1]
	if len(events) != before+1 || last.Type != trace.EventCertify || last.Person != "cc.certifier" || last.Quantity != 500_000 {
		t.Fatalf("after issuing: %d events, last %+v", len(events)-before, last)
	}
	number := text(t, b, "#certificates li .mono")
	if number != trace.CertificateNumber(ce.lot, last.Seq) {
		t.Errorf("listed number %q, want %q", number, trace.CertificateNumber(ce.lot, last.Seq))
	}

	// The PDF link, fetched as the page would open it.
	pdf, err := chromedp.Run(b, chromedp.Evaluate[string](`(async () => {
		const r = await fetch(document.getElementById("certificate-pdf").href);
		if (r.headers.get("Content-Type") !== "application/pdf") return "";
		const bytes = new Uint8Array(await r.arrayBuffer());
		let s = ""; for (const x of bytes) s += String.fromCharCode(x);
		return btoa(s);
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || pdf == "" {
		t.Fatalf("the PDF link: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(pdf)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cert.pdf")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	got := poppler(t, "pdftotext", path, "-")
	for _, want := range []string{"承诺达标合格证", number, "13900001111", "赵建国", "农药残留速测 阴性"} {
		if !strings.Contains(got, want) {
			t.Errorf("the console's PDF lacks %q:\n%s", want, got)
		}
	}
}

// certifiedLot gives the collection center a clerk, cc.clerk, and a lot it
// holds with a certificate issued, so that its lot page shows both the list
// of certificates and the form.
func certifiedLot(t *testing.T, re *regulatorEnv) string {
	t.Helper()
	ctx := context.Background()
	if _, _, err := re.svc.CreateUser(ctx, trace.CommandLine, trace.User{}, trace.UserInput{
		Org: demo.Collector, Login: "cc.clerk", Name: "王芳", Phone: "13900002222", Password: consolePassword,
	}); err != nil {
		t.Fatal(err)
	}
	var r trace.Result
	err := re.as(demo.Collector).Do(ctx, "POST", "/api/v1/lots", trace.CommissionInput{
		GTIN: demo.Seed, Lot: "RS-A11Y", Quantity: 800_000,
		Origin: &trace.Origin{Region: "420526101201", Village: "桃园村", HarvestDate: "2026-05-12"},
	}, &r)
	if err != nil {
		t.Fatal(err)
	}
	id := r.Lots[0].ID
	if err := re.as(demo.Collector).Do(ctx, "POST", "/api/v1/lots/"+id+"/certificates", certifyBody(), nil); err != nil {
		t.Fatal(err)
	}
	return id
}
