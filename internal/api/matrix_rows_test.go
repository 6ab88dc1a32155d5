package api_test

import (
	"fmt"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/epcis"
	"github.com/agritrace/agritrace/internal/trace"
)

// matrixRows is the table. Columns: none, revoked, then each role of
// trace.Roles on its own data and, primed, another organization of the role
// on that same data.
func matrixRows() []row {
	unit := func(suffix string) request {
		return getting(func(w *world, _ *subject) string { return "/api/v1/units/" + w.shelf + suffix })
	}
	org := func(suffix string) request {
		return getting(func(_ *world, s *subject) string { return "/api/v1/orgs/" + s.org + suffix })
	}
	product := func(suffix string) request {
		return getting(func(_ *world, s *subject) string { return "/api/v1/products/" + s.gtin + suffix })
	}
	resolve := getting(func(w *world, _ *subject) string { return w.link })
	return []row{
		{route: "GET /healthz", req: fixed("/healthz")},
		{route: "GET /readyz", req: fixed("/readyz")},
		{route: "GET /.well-known/agritrace/label-keys.json", req: fixed("/.well-known/agritrace/label-keys.json")},
		{route: "GET /openapi.json", req: fixed("/openapi.json")},
		{route: "GET /01/*path", req: resolve},
		{route: "HEAD /01/*path", req: resolve},
		{route: "OPTIONS /01/*path", req: resolve},
		{route: "GET /.well-known/gs1resolver", req: fixed("/.well-known/gs1resolver")},
		{route: "GET /recall-status/:id", req: getting(func(_ *world, s *subject) string { return "/recall-status/" + s.lot })},
		{route: "GET /provenance/01/:gtin", req: getting(func(_ *world, s *subject) string { return "/provenance/01/" + s.lotGTIN })},
		{route: "GET /provenance/01/:gtin/10/:lot/21/:serial", req: getting(func(w *world, _ *subject) string { return "/provenance" + w.link })},
		{route: "GET /provenance/01/:gtin/10/:lot", req: getting(func(_ *world, s *subject) string {
			return "/provenance/01/" + s.lotGTIN + "/10/" + esc(s.lot[15:])
		})},
		{route: "GET /provenance/01/:gtin/21/:serial", req: getting(func(w *world, _ *subject) string { return "/provenance/01/" + demo.Bottle + "/21/" + w.shelf })},
		{route: "GET /certificates/:lotID", req: getting(func(_ *world, s *subject) string { return "/certificates/" + s.lot })},

		{route: "GET /epcis/events", req: fixed("/epcis/events"), mark: func(_ *world, s *subject) string { return epcis.ClassURI(s.lot) }},
		{route: "GET /epcis/epcs/*epc", req: getting(func(_ *world, s *subject) string { return "/epcis/epcs/" + esc(epcis.ClassURI(s.lot)) + "/events" }), mark: func(_ *world, s *subject) string { return epcis.ClassURI(s.lot) }},
		{route: "GET /epcis/lots/:id/events", req: getting(func(_ *world, s *subject) string { return "/epcis/lots/" + s.lot + "/events" })},
		{route: "POST /epcis/capture", write: true, req: func(_ *world, s *subject) (string, any) {
			return "/epcis/capture", captureDoc(objectEvent("", "OBSERVE", "inspecting", "", s.lot, 1, "KGM", nil))
		}},
		{route: "GET /epcis/capture/:id", req: getting(func(w *world, s *subject) string { return "/epcis/capture/" + w.captureJob[s.role] })},

		{route: "GET /api/v1/lots/:id/verify", req: lotPath("/verify")},
		{route: "POST /api/v1/complaints", write: true, req: func(w *world, s *subject) (string, any) { return "/api/v1/complaints", complaintBody(w, s) }},
		{route: "POST /api/v1/batch", write: true, batch: true, req: func(_ *world, s *subject) (string, any) {
			return "/api/v1/batch", map[string]any{"events": []any{map[string]any{"op": "inspect", "lot": s.lot, "body": inspectBody(nil, s)}}}
		}},

		{route: "POST /api/v1/orgs", write: true, req: func(w *world, _ *subject) (string, any) {
			return "/api/v1/orgs", trace.Org{ID: "new-" + freshNumber(w)[2:], Name: "新商户", Roles: []string{trace.RoleRetailer}, Region: "420526"}
		}},
		{route: "GET /api/v1/orgs", req: fixed("/api/v1/orgs")},
		{route: "POST /api/v1/orgs/:id/keys", write: true, req: func(_ *world, s *subject) (string, any) { return "/api/v1/orgs/" + s.org + "/keys", nil }},
		{route: "GET /api/v1/orgs/:id/keys", req: org("/keys")},
		{route: "DELETE /api/v1/orgs/:id/keys/:keyId", write: true, req: func(w *world, s *subject) (string, any) {
			var k struct{ ID string }
			w.must(demo.Admin, "POST", "/api/v1/orgs/"+s.org+"/keys", nil, &k)
			return "/api/v1/orgs/" + s.org + "/keys/" + k.ID, nil
		}},
		{route: "POST /api/v1/orgs/:id/disable", write: true, req: func(w *world, s *subject) (string, any) {
			return "/api/v1/orgs/" + w.spare(s) + "/disable", nil
		}},
		{route: "POST /api/v1/orgs/:id/enable", write: true, req: func(w *world, s *subject) (string, any) {
			id := w.spare(s)
			if id != s.org {
				w.must(demo.Admin, "POST", "/api/v1/orgs/"+id+"/disable", nil, nil)
			}
			return "/api/v1/orgs/" + id + "/enable", nil
		}},
		{route: "POST /api/v1/orgs/:id/prefixes", write: true, req: func(w *world, s *subject) (string, any) {
			return "/api/v1/orgs/" + s.org + "/prefixes", map[string]string{"prefix": prefixFor(w)}
		}},
		{route: "GET /api/v1/orgs/:id/prefixes", req: org("/prefixes")},
		{route: "POST /api/v1/orgs/:id/prefixes/:prefix/approve", write: true, req: func(w *world, s *subject) (string, any) {
			p := prefixFor(w)
			w.must(demo.Admin, "POST", "/api/v1/orgs/"+s.org+"/prefixes", map[string]string{"prefix": p}, nil)
			return "/api/v1/orgs/" + s.org + "/prefixes/" + p + "/approve", nil
		}},
		{route: "POST /api/v1/products", write: true, req: func(w *world, s *subject) (string, any) {
			prefix := cmpOr(s.prefix, "6970000")
			return "/api/v1/products", trace.Product{GTIN: gtinOf("0" + prefix + fmt.Sprintf("%05d", w.unique())), NameZH: "矩阵油", Unit: trace.UnitL, Category: "rapeseed-oil"}
		}},
		{route: "GET /api/v1/products", req: fixed("/api/v1/products")},
		{route: "GET /api/v1/products/:gtin", req: product("")},
		{route: "POST /api/v1/products/:gtin/licences", write: true, req: func(w *world, s *subject) (string, any) {
			return "/api/v1/products/" + s.gtin + "/licences", map[string]string{"licensee": w.spare(&subject{role: trace.RoleAdmin})}
		}},
		{route: "GET /api/v1/products/:gtin/licences", req: product("/licences")},
		{route: "DELETE /api/v1/products/:gtin/licences/:org", write: true, req: func(w *world, s *subject) (string, any) {
			licensee := w.spare(&subject{role: trace.RoleAdmin})
			w.must(s.owner, "POST", "/api/v1/products/"+s.gtin+"/licences", map[string]string{"licensee": licensee}, nil)
			return "/api/v1/products/" + s.gtin + "/licences/" + licensee, nil
		}},

		{route: "POST /api/v1/lots", write: true, req: func(w *world, s *subject) (string, any) {
			return "/api/v1/lots", trace.CommissionInput{GTIN: s.gtin, Lot: freshNumber(w), Quantity: 1_000_000,
				Origin: &trace.Origin{Region: "420526101201", Village: "桃园村"}}
		}},
		{route: "GET /api/v1/lots", req: fixed("/api/v1/lots"), mark: func(_ *world, s *subject) string { return s.lot }},
		{route: "GET /api/v1/lots/:id", req: lotPath("")},
		{route: "GET /api/v1/lots/:id/events", req: lotPath("/events")},
		{route: "GET /api/v1/lots/:id/trace", req: lotPath("/trace")},
		{route: "GET /api/v1/lots/:id/trace.svg", req: lotPath("/trace.svg")},
		{route: "GET /api/v1/lots/:id/units", req: getting(func(w *world, _ *subject) string { return "/api/v1/lots/" + w.story.BottleLot + "/units" })},
		{route: "POST /api/v1/lots/:id/print-runs", req: func(w *world, _ *subject) (string, any) {
			return "/api/v1/lots/" + w.story.BottleLot + "/print-runs", map[string]any{"layout": "thermal", "serials": []string{w.shelf}}
		}},
		{route: "GET /api/v1/print-runs/:id", req: getting(printRunOf)},
		{route: "GET /api/v1/print-runs/:id/pdf", req: getting(func(w *world, s *subject) string { return printRunOf(w, s) + "/pdf" })},
		lotWriteRow("POST /api/v1/lots/:id/inspect", "/inspect", inspectBody),
		lotWriteRow("POST /api/v1/lots/:id/certificates", "/certificates", func(*world, *subject) any {
			return trace.CertifyInput{Phone: demo.CollectorPhone, Basis: trace.BasisSelfTest, Results: map[string]any{"农药残留速测": "阴性"},
				Signer: demo.CollectorSigner, Commit: true}
		}),
		{route: "GET /api/v1/lots/:id/certificates", req: lotPath("/certificates")},
		lotWriteRow("POST /api/v1/lots/:id/ship", "/ship", func(_ *world, s *subject) any {
			if s.org == demo.Shop {
				return trace.ShipInput{To: demo.DC}
			}
			return trace.ShipInput{To: demo.Shop}
		}),
		{route: "POST /api/v1/lots/:id/receive", write: true, req: func(w *world, s *subject) (string, any) {
			return "/api/v1/lots/" + w.incoming(s) + "/receive", trace.ReceiveInput{}
		}},
		lotWriteRow("POST /api/v1/lots/:id/split", "/split", func(w *world, s *subject) any {
			return trace.SplitInput{Parts: []trace.OutputInput{{GTIN: s.lotGTIN, Lot: freshNumber(w), Quantity: 1000}}}
		}),
		lotWriteRow("POST /api/v1/lots/:id/pack", "/pack", func(w *world, _ *subject) any {
			return trace.PackInput{GTIN: demo.Bottle, Lot: freshNumber(w), Count: 1, UnitSize: 5000}
		}),
		lotWriteRow("POST /api/v1/lots/:id/sell", "/sell", func(_ *world, s *subject) any {
			if len(s.serials) > 0 {
				return trace.SellInput{Serials: s.serials[:1]}
			}
			return trace.SellInput{Quantity: 1000}
		}),
		lotWriteRow("POST /api/v1/lots/:id/recall", "/recall", func(*world, *subject) any {
			return trace.RecallInput{Reason: "矩阵测试：水分超标", Advice: "请停止销售"}
		}),
		{route: "POST /api/v1/transforms", write: true, req: func(w *world, s *subject) (string, any) {
			return "/api/v1/transforms", trace.TransformInput{
				Inputs: []trace.Portion{{Lot: cmpOr(s.seed, s.lot), Quantity: 100_000}},
				Outputs: []trace.OutputInput{
					{GTIN: demo.Oil, Lot: freshNumber(w), Quantity: 39_300},
					{GTIN: demo.Meal, Lot: freshNumber(w), Quantity: 62_000},
				},
			}
		}},
		{route: "POST /api/v1/merges", write: true, req: func(w *world, s *subject) (string, any) {
			return "/api/v1/merges", trace.MergeInput{Inputs: []string{s.lot, w.fresh(s.role).lot}, Lot: freshNumber(w)}
		}},
		{route: "GET /api/v1/recalls", req: fixed("/api/v1/recalls")},
		{route: "GET /api/v1/units/:serial", req: unit("")},
		{route: "GET /api/v1/units/:serial/label.png", req: unit("/label.png")},
		{route: "GET /api/v1/units/:serial/label.svg", req: unit("/label.svg")},
		{route: "GET /api/v1/scans", req: fixed("/api/v1/scans"), mark: func(w *world, _ *subject) string { return w.shelf }},
		{route: "GET /api/v1/alerts", req: fixed("/api/v1/alerts"), mark: func(w *world, _ *subject) string { return w.shelf }},
		{route: "GET /api/v1/alerts/by-region", req: fixed("/api/v1/alerts/by-region")},
		{route: "GET /api/v1/alerts/by-region.svg", req: fixed("/api/v1/alerts/by-region.svg")},
		{route: "GET /api/v1/complaints", req: fixed("/api/v1/complaints"), mark: func(w *world, _ *subject) string { return w.complaint }},
		{route: "GET /api/v1/complaints/:id", req: getting(func(w *world, _ *subject) string { return "/api/v1/complaints/" + w.complaint })},
		{route: "POST /api/v1/complaints/:id/actions", write: true, req: func(w *world, s *subject) (string, any) {
			var c trace.Complaint
			w.must("", "POST", "/api/v1/complaints", complaintBody(w, s), &c)
			return "/api/v1/complaints/" + c.ID + "/actions", trace.WorkInput{Action: "note", Note: "已电话回访"}
		}},
		{route: "GET /api/v1/evidence/:hash", req: getting(func(w *world, _ *subject) string { return "/api/v1/evidence/" + w.evidence })},
		{route: "GET /api/v1/audits/lots/:id", req: getting(func(_ *world, s *subject) string { return "/api/v1/audits/lots/" + s.lot })},
		{route: "GET /api/v1/audits/serials/:id", req: getting(func(w *world, _ *subject) string { return "/api/v1/audits/serials/" + w.shelf })},
		{route: "GET /api/v1/audits/complaints/:id", req: getting(func(w *world, _ *subject) string { return "/api/v1/audits/complaints/" + w.complaint })},
	}
}
