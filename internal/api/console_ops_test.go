package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/chromedp/chromedp"
)

// TestConsoleDeliveriesInBrowser: a collection center's clerk records two
// farmers' deliveries at the scale (bad input first: errors at the fields,
// nothing stored), each graded per GB/T 11762 from its oil content, and makes
// one lot of them; the lot keeps both deliveries as parents and both origins
// in its trace, and every event names the clerk. The lot is shipped to the
// shop, whose clerk receives it and sells part of it; a user of another
// organization is refused the delivery page's record. A delivery form sent
// twice records once; a split beyond the lot is refused at its field.
func TestConsoleDeliveriesInBrowser(t *testing.T) {
	for _, size := range []struct{ w, h int64 }{{390, 844}, {1366, 768}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			ce := startConsole(t)
			ctx := context.Background()
			if _, _, err := ce.svc.CreateUser(ctx, trace.CommandLine, trace.User{}, trace.UserInput{Org: demo.Collector, Login: "cc.clerk", Name: "王芳", Password: consolePassword}); err != nil {
				t.Fatal(err)
			}
			lotsHeld := func() int {
				t.Helper()
				ls, err := ce.Store.Lots(ctx, trace.LotFilter{Custodian: demo.Collector})
				if err != nil {
					t.Fatal(err)
				}
				return len(ls)
			}
			b := headless(t, size.w, size.h)
			open(t, b, ce.URL+"/console/deliveries")
			signIn(t, b, "cc.clerk", consolePassword)
			shoot(t, b, "delivery-form", size.w)
			before := lotsHeld()

			// Bad input: each error next to its field, nothing stored.
			fill(t, b, "#f-grower", "张三", "#f-gross", "12x", "#f-tare", "5", "#f-moisture", "7.2", "#f-impurities", "1.4", "#f-oilContent", "120")
			submit(t, b, "#delivery-form")
			for _, f := range []string{"gross", "village", "oilContent"} {
				if !has(t, b, "#e-"+f) {
					t.Errorf("no error at %s", f)
				}
			}
			if got := text(t, b, "#e-gross"); got != "Enter a weight in kg, to three decimals at most, e.g. 1250.5." {
				t.Errorf("gross error %q", got)
			}
			fill(t, b, "#f-gross", "40", "#f-tare", "50", "#f-oilContent", "41.8", "#f-village", "420526101201")
			submit(t, b, "#delivery-form")
			if !has(t, b, "#e-tare") || has(t, b, "#e-gross") || has(t, b, "#e-village") {
				t.Error("tare above gross is not refused at the tare")
			}
			if v, _ := chromedp.Run(b, chromedp.Value(chromedp.CSS("#f-grower"))); v != "张三" {
				t.Errorf("the refused form lost the grower: %q", v)
			}
			if n := lotsHeld(); n != before {
				t.Fatalf("refused deliveries stored %d lots", n-before)
			}

			// Two deliveries: a farmer in person who agrees to be named, and a farm.
			fill(t, b, "#f-lotno", "D1", "#f-gross", "1250.5", "#f-tare", "50.5", "#f-harvestDate", "2026-05-12")
			if _, err := chromedp.Run(b, chromedp.Evaluate[bool](`document.getElementById("f-consent").checked = true`)); err != nil {
				t.Fatal(err)
			}
			submit(t, b, "#delivery-form")
			if got := text(t, b, "#grade"); got != "grade 2" {
				t.Errorf("41.8 %% oil graded %q", got)
			}
			if got := text(t, b, "#net"); got != "1200 kg" {
				t.Errorf("net weight %q", got)
			}
			open(t, b, ce.URL+"/console/deliveries")
			fill(t, b, "#f-lotno", "D2", "#f-farm", "响滩村家庭农场", "#f-village", "420526101205", "#f-harvestDate", "2026-05-15",
				"#f-gross", "900", "#f-tare", "20", "#f-moisture", "7.6", "#f-impurities", "1.9", "#f-oilContent", "38.2")
			submit(t, b, "#delivery-form")
			if got := text(t, b, "#grade"); got != "grade 3" {
				t.Errorf("38.2 %% oil graded %q", got)
			}
			d1, d2 := trace.LotID(demo.Seed, "D1"), trace.LotID(demo.Seed, "D2")
			l1, err := ce.Store.Lot(ctx, d1)
			if err != nil || l1.Quantity != 1_200_000 || l1.Origin == nil || l1.Origin.Village != "桃园村" || l1.Origin.Grower != "张三" || !l1.Origin.GrowerConsent {
				t.Fatalf("first delivery %+v, %v", l1, err)
			}

			// A delivery form sent twice records one delivery.
			open(t, b, ce.URL+"/console/deliveries")
			fill(t, b, "#f-lotno", "D3", "#f-farm", "桃园村油菜种植专业合作社", "#f-village", "420526101201",
				"#f-gross", "300", "#f-tare", "10", "#f-moisture", "7.0", "#f-impurities", "1.0", "#f-oilContent", "42.5")
			sendTwice(t, b, "delivery-form")
			if evs := events(t, ce.env, trace.LotID(demo.Seed, "D3")); len(evs) != 1 {
				t.Errorf("a delivery sent twice recorded %d events", len(evs))
			}

			// Splitting more than the lot holds is refused at the quantity;
			// 100 kg is split off as a lot of its own.
			d3 := trace.LotID(demo.Seed, "D3")
			open(t, b, ce.URL+"/console/lots/"+d3)
			fill(t, b, "#f-splitlot", "D3-A", "#f-splitqty", "500")
			submit(t, b, "#split-form")
			if !has(t, b, "#e-splitqty") {
				t.Error("splitting 500 kg off 290 kg shows no error at the quantity")
			}
			fill(t, b, "#f-splitqty", "100")
			submit(t, b, "#split-form")
			part, err := ce.Store.Lot(ctx, trace.LotID(demo.Seed, "D3-A"))
			if l, _ := ce.Store.Lot(ctx, d3); err != nil || part.Quantity != 100_000 || l.Available != 190_000 || !has(t, b, "#notice") {
				t.Errorf("after the split: part %+v (%v), %d g left", part, err, l.Available)
			}

			// A number used before is refused at its field.
			open(t, b, ce.URL+"/console/deliveries")
			fill(t, b, "#f-lotno", "D1", "#f-farm", "桃园村油菜种植专业合作社", "#f-village", "420526101201",
				"#f-gross", "300", "#f-tare", "10", "#f-moisture", "7.0", "#f-impurities", "1.0", "#f-oilContent", "42.5")
			submit(t, b, "#delivery-form")
			if !has(t, b, "#e-lotno") {
				t.Error("a delivery number used before shows no error at the number")
			}
			if l, _ := ce.Store.Lot(ctx, d1); l.Quantity != 1_200_000 {
				t.Errorf("the refused delivery changed D1: %+v", l)
			}

			// One lot of the first two.
			open(t, b, ce.URL+"/console/merge")
			fill(t, b, "#f-lotno", "RS-M1")
			submit(t, b, "#merge-form")
			if !has(t, b, "#e-inputs") {
				t.Error("a merge of nothing shows no error at the lots")
			}
			for _, id := range []string{d1, d2} {
				if _, err := chromedp.Run(b, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector('input[name=inputs][value=%q]').checked = true`, id))); err != nil {
					t.Fatal(err)
				}
			}
			submit(t, b, "#merge-form")
			merged := trace.LotID(demo.Seed, "RS-M1")
			if l := location(t, b); !strings.HasSuffix(l, "/console/lots/"+merged+"?done=merge") {
				t.Fatalf("after the merge the clerk is at %s", l)
			}
			shoot(t, b, "lot-trace", size.w)
			m, err := ce.Store.Lot(ctx, merged)
			if err != nil || m.Quantity != 2_080_000 || len(m.Parents) != 2 || m.Parents[0].Lot != d1 || m.Parents[1].Lot != d2 {
				t.Fatalf("merged lot %+v, %v", m, err)
			}
			svg, err := chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector("#trace svg").textContent`))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(svg, "D1") || !strings.Contains(svg, "D2") || !strings.Contains(svg, "RS-M1") {
				t.Errorf("the trace picture lacks a delivery: %q", svg)
			}
			for _, id := range []string{d1, d2, merged} {
				for _, e := range events(t, ce.env, id) {
					if e.Person != "cc.clerk" || e.Actor != demo.Collector {
						t.Errorf("%s event %d names %q of %s", id, e.Seq, e.Person, e.Actor)
					}
				}
			}

			// The lot list searches lot numbers and filters by status.
			open(t, b, ce.URL+"/console/lots?q=rs-m")
			if !has(t, b, fmt.Sprintf(`#lots tr[data-lot=%q]`, merged)) || has(t, b, fmt.Sprintf(`#lots tr[data-lot=%q]`, d1)) {
				t.Error("searching rs-m does not list just the merged lot")
			}
			open(t, b, ce.URL+"/console/lots?status=consumed")
			if !has(t, b, fmt.Sprintf(`#lots tr[data-lot=%q]`, d2)) || has(t, b, fmt.Sprintf(`#lots tr[data-lot=%q]`, merged)) {
				t.Error("the consumed filter does not list the merged deliveries only")
			}
			open(t, b, ce.URL+"/console/lots/"+merged)

			// Shipped to the shop, which receives it and sells 100 kg loose.
			fill(t, b, "#f-to", demo.Shop)
			submit(t, b, "#ship-form")
			submit(t, b, "form.signout")
			open(t, b, ce.URL+"/console/lots/"+merged)
			signIn(t, b, "shop.clerk", consolePassword)
			submit(t, b, "#receive-form")
			fill(t, b, "#f-quantity", "100")
			submit(t, b, "#sell-form")
			if m, _ = ce.Store.Lot(ctx, merged); m.Custodian != demo.Shop || m.Available != 1_980_000 {
				t.Errorf("after receipt and sale: custodian %s, %d g left", m.Custodian, m.Available)
			}

			// The shop may not record deliveries for the collection center.
			open(t, b, ce.URL+"/console/deliveries")
			fill(t, b, "#f-lotno", "D4", "#f-village", "420526101201", "#f-gross", "10", "#f-tare", "1", "#f-moisture", "7", "#f-impurities", "1", "#f-oilContent", "40")
			if _, err := chromedp.Run(b, chromedp.Evaluate[bool](`(() => { const s = document.getElementById("f-gtin"); s.add(new Option("seed", `+fmt.Sprintf("%q", demo.Seed)+`)); s.value = `+fmt.Sprintf("%q", demo.Seed)+`; return true })()`)); err != nil {
				t.Fatal(err)
			}
			submit(t, b, "#delivery-form")
			if !has(t, b, `#error[data-status="403"]`) && !has(t, b, "#e-gtin") && !has(t, b, "#e-village") {
				t.Error("the shop recorded a delivery")
			}
			if _, err := ce.Store.Lot(ctx, trace.LotID(demo.Seed, "D4")); err == nil {
				t.Error("the shop's delivery was stored")
			}
		})
	}
}

// TestConsoleTransformInBrowser: the mill's clerk presses seed into oil and
// meal. The preview shows each output's yield against its plausible range
// before anything is recorded; a transform claiming 55 % oil is refused
// with the error at the oil's quantity and stores nothing; the plausible
// one is recorded once and names the clerk.
func TestConsoleTransformInBrowser(t *testing.T) {
	for _, size := range []struct{ w, h int64 }{{390, 844}, {1366, 768}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			ce := startConsole(t)
			ctx := context.Background()
			for _, p := range demo.Products() {
				if p.Owner == demo.Mill {
					expect(t, ce.as(demo.Mill), "POST", "/api/v1/products", p, 201, "", "")
				}
			}
			seed := atMill(t, ce.env, "A1", 1000)
			if _, _, err := ce.svc.CreateUser(ctx, trace.CommandLine, trace.User{}, trace.UserInput{Org: demo.Mill, Login: "mill.clerk", Name: "李强", Password: consolePassword}); err != nil {
				t.Fatal(err)
			}
			b := headless(t, size.w, size.h)
			open(t, b, ce.URL+"/console/transform")
			signIn(t, b, "mill.clerk", consolePassword)

			// 600 L of oil (549 kg) from 1000 kg of seed: the preview says so, and
			// recording it is refused at the oil's quantity.
			fill(t, b, "#f-in_lot_0", seed, "#f-in_qty_0", "1000",
				"#f-out_gtin_0", demo.Oil, "#f-out_lot_0", "OIL1", "#f-out_qty_0", "600",
				"#f-out_gtin_1", demo.Meal, "#f-out_lot_1", "MEAL1", "#f-out_qty_1", "350")
			submit(t, b, "#transform-form .preview")
			if got := text(t, b, `#yields tr[data-output="0"] .yield`); got != "54.9 %" {
				t.Errorf("preview of 600 L oil: yield %q", got)
			}
			if got := text(t, b, `#yields tr[data-output="0"] .range`); got != "30.0–45.0 %" {
				t.Errorf("preview range %q", got)
			}
			if !has(t, b, "#e-out_qty_0") {
				t.Error("the preview does not say the oil is out of range")
			}
			submit(t, b, "#transform-form .record")
			if !has(t, b, "#e-out_qty_0") || !strings.Contains(text(t, b, "#e-out_qty_0"), "outside the plausible 30-45 %") {
				t.Error("the implausible transform is not refused at the oil's quantity")
			}
			if _, err := ce.Store.Lot(ctx, trace.LotID(demo.Oil, "OIL1")); err == nil {
				t.Fatal("the refused transform stored its oil")
			}
			if l, _ := ce.Store.Lot(ctx, seed); l.Available != 1_000_000 {
				t.Fatalf("the refused transform took seed: %d g left", l.Available)
			}

			// 380 L of oil (about 348 kg, 34.8 %) and 600 kg of meal: plausible.
			fill(t, b, "#f-out_qty_0", "380", "#f-out_qty_1", "600")
			submit(t, b, "#transform-form .preview")
			shoot(t, b, "transform-preview", size.w)
			if got := text(t, b, `#yields tr[data-output="0"] .yield`); got != "34.8 %" || has(t, b, "#form-errors") {
				t.Errorf("preview of 380 L oil: yield %q", got)
			}
			if _, err := ce.Store.Lot(ctx, trace.LotID(demo.Oil, "OIL1")); err == nil {
				t.Fatal("the preview recorded the transform")
			}
			submit(t, b, "#transform-form .record")
			oil := trace.LotID(demo.Oil, "OIL1")
			if l := location(t, b); !strings.HasSuffix(l, "/console/lots/"+oil+"?done=transform") {
				t.Fatalf("after the transform the clerk is at %s", l)
			}
			l, err := ce.Store.Lot(ctx, oil)
			if err != nil || l.Quantity != 380_000 || len(l.Parents) != 1 || l.Parents[0].Lot != seed {
				t.Fatalf("oil lot %+v, %v", l, err)
			}
			if evs := events(t, ce.env, oil); len(evs) != 1 || evs[0].Person != "mill.clerk" {
				t.Errorf("oil events %+v", evs)
			}

			// Pack four 5 L bottles (a count that is not a number first).
			fill(t, b, "#f-packlot", "B1", "#f-count", "four", "#f-unitsize", "5")
			submit(t, b, "#pack-form")
			if !has(t, b, "#e-count") {
				t.Error("a count of \"four\" shows no error")
			}
			fill(t, b, "#f-count", "4")
			submit(t, b, "#pack-form")
			bottles := trace.LotID(demo.Bottle, "B1")
			units, err := ce.Store.Units(ctx, bottles)
			if err != nil || len(units) != 4 {
				t.Fatalf("packed %d units, %v", len(units), err)
			}

			// Print the labels on A4; the run's page refreshes itself until
			// the PDF is ready, and the PDF comes through the console.
			submit(t, b, "#print-form")
			shoot(t, b, "print-progress", size.w)
			runPage := location(t, b)
			for !has(t, b, "#print-pdf") {
				if st := text(t, b, "#print-status"); (st != "queued" && st != "rendering") || !has(t, b, `meta[http-equiv="refresh"]`) {
					t.Fatalf("an unfinished run's page says %q, or does not refresh itself", st)
				}
				if b.Err() != nil {
					t.Fatal("the print run never finished")
				}
				time.Sleep(100 * time.Millisecond)
				open(t, b, runPage)
			}
			got, err := chromedp.Run(b, chromedp.Evaluate[string](`(async () => {
				const r = await fetch(document.getElementById("print-pdf").href);
				const bytes = new Uint8Array(await r.arrayBuffer());
				let s = "";
				for (const x of bytes) s += String.fromCharCode(x);
				return r.status + " " + r.headers.get("Content-Type") + "\n" + btoa(s);
			})()`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			head, body, _ := strings.Cut(got, "\n")
			pdf, err := base64.StdEncoding.DecodeString(body)
			if head != "200 application/pdf" || err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("PDF through the console: %s, %v", head, err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "labels.pdf"), pdf, 0o600); err != nil {
				t.Fatal(err)
			}
			var unit struct {
				URL string `json:"url"`
			}
			if err := ce.as(demo.Mill).Do(ctx, "GET", "/api/v1/units/"+units[0].Serial, nil, &unit); err != nil {
				t.Fatal(err)
			}
			if got, err := labelQR(t, filepath.Join(dir, "labels.pdf"), filepath.Join(dir, "label"), []string{"-x", px(7.25), "-y", px(15.15), "-W", px(63.5), "-H", px(38.1)}); err != nil || got != unit.URL {
				t.Errorf("the printed QR code reads %q, %v; want %q", got, err, unit.URL)
			}

			// The bottles go to the shop, which receives them and sells two
			// by serial, typed one per line.
			open(t, b, ce.URL+"/console/lots/"+bottles)
			fill(t, b, "#f-to", demo.Shop)
			submit(t, b, "#ship-form")
			submit(t, b, "form.signout")
			open(t, b, ce.URL+"/console/lots/"+bottles)
			signIn(t, b, "shop.clerk", consolePassword)
			for _, u := range []string{runPage, runPage + "/pdf"} {
				open(t, b, u)
				if !has(t, b, `#error[data-status="404"]`) {
					t.Errorf("the shop opened the mill's print run at %s", u)
				}
			}
			open(t, b, ce.URL+"/console/lots/"+bottles)
			submit(t, b, "#receive-form")
			fill(t, b, "#f-serials", "NOT-A-SERIAL")
			submit(t, b, "#sell-form")
			if !has(t, b, "#e-serials") {
				t.Error("an unknown serial shows no error")
			}
			fill(t, b, "#f-serials", units[0].Serial+"\n"+units[2].Serial+"\n")
			submit(t, b, "#sell-form")
			for i, u := range units {
				got, err := ce.Store.Unit(ctx, u.Serial)
				if sold := i == 0 || i == 2; err != nil || (got.SoldBy == demo.Shop) != sold {
					t.Errorf("unit %d: %+v, %v", i, got, err)
				}
			}
		})
	}
}
