package epcis

import (
	"encoding/json"
	"testing"

	"github.com/agritrace/agritrace/internal/trace"
)

func TestQuantities(t *testing.T) {
	tests := []struct {
		base string
		q    int64
		want json.Number
	}{
		{"g", 6_000_000, "6000"},
		{"g", 1_234_567, "1234.567"},
		{"g", 5, "0.005"},
		{"mL", 3_930_000, "3930"},
		{"mL", 1_800, "1.8"},
		{"piece", 200, "200"},
		{"g", trace.MaxQuantity, "9007199254740.991"},
	}
	for _, tt := range tests {
		el := quantityElement("06901234567892.L1", tt.q, tt.base)
		if el["quantity"] != tt.want || el["uom"] != writtenUOM[tt.base] {
			t.Errorf("%d %s = %v %v, want %s", tt.q, tt.base, el["quantity"], el["uom"], tt.want)
		}
		back, err := baseQuantity(tt.want, writtenUOM[tt.base], tt.base)
		if err != nil || back != tt.q {
			t.Errorf("%s %s back = %d, %v; want %d", tt.want, writtenUOM[tt.base], back, err, tt.q)
		}
	}
	refused := []struct {
		q         json.Number
		uom, base string
	}{
		{"0.0005", "KGM", "g"},    // half a gram
		{"1", "LTR", "g"},         // litres of a product kept by mass
		{"-1", "KGM", "g"},        // nothing negative
		{"1.5", "H87", "piece"},   // half a bottle
		{"1e400", "KGM", "g"},     // beyond MaxQuantity
		{"12", "BOTTLE", "piece"}, // not a unit AgriTrace converts
	}
	for _, tt := range refused {
		if q, err := baseQuantity(tt.q, tt.uom, tt.base); err == nil {
			t.Errorf("%s %s of a product in %s = %d, want an error", tt.q, tt.uom, tt.base, q)
		}
	}
	if q, err := baseQuantity("3", "", "piece"); err != nil || q != 3 {
		t.Errorf("3 without uom = %d, %v; want 3 pieces", q, err)
	}
	if q, err := baseQuantity("2.5", "TNE", "g"); err != nil || q != 2_500_000 {
		t.Errorf("2.5 TNE = %d, %v", q, err)
	}
}

func TestIdentifiers(t *testing.T) {
	lot := "06901234567892.RS-2026.A_1"
	if got := ClassURI(lot); got != "https://id.gs1.org/01/06901234567892/10/RS-2026.A_1" {
		t.Errorf("ClassURI = %s", got)
	}
	classes := []struct{ uri, want string }{
		{"https://id.gs1.org/01/06901234567892/10/RS-2026.A_1", lot},
		{"https://trace.example.cn/01/06901234567892/10/RS-2026.A_1", lot},
		{"https://example.com/shop/01/6901234567892/10/L%2F1", "06901234567892.L/1"},
		{"urn:epc:class:lgtin:6901234.056789.RS-2026.A_1", lot},
	}
	for _, tt := range classes {
		if got, err := ParseClass(tt.uri); err != nil || got != tt.want {
			t.Errorf("ParseClass(%s) = %q, %v; want %q", tt.uri, got, err, tt.want)
		}
	}
	for _, bad := range []string{
		"https://id.gs1.org/01/06901234567893/10/L1", // check digit
		"https://id.gs1.org/01/06901234567892",       // no lot
		"https://id.gs1.org/01/06901234567892/21/S1", // a unit
		"https://id.gs1.org/01/06901234567892/99/L1", // unknown AI
		"urn:epc:class:lgtin:6901234.56789.L1",       // 12 digits
		"ftp://id.gs1.org/01/06901234567892/10/L1",
	} {
		if got, err := ParseClass(bad); err == nil {
			t.Errorf("ParseClass(%s) = %q, want an error", bad, got)
		}
	}
	units := []struct{ uri, gtin, serial string }{
		{"https://id.gs1.org/01/06901234567892/21/S1", "06901234567892", "S1"},
		{"https://x.cn/01/06901234567892/10/L1/21/S1", "06901234567892", "S1"},
		{"urn:epc:id:sgtin:6901234.056789.S1", "06901234567892", "S1"},
	}
	for _, tt := range units {
		if g, s, err := ParseInstance(tt.uri); err != nil || g != tt.gtin || s != tt.serial {
			t.Errorf("ParseInstance(%s) = %s %s %v", tt.uri, g, s, err)
		}
	}
	p := trace.Place{Name: "古夫镇菜籽油坊 1/2", Region: "420526101"}
	got, ok := parsePlace("https://t.cn", PlaceURI("https://t.cn", p))
	if !ok || got.Name != p.Name || got.Region != p.Region {
		t.Errorf("place round trip = %+v %v", got, ok)
	}
	if org := parseParty("https://t.cn", party("https://t.cn", "gufu-mill")); org != "gufu-mill" {
		t.Errorf("party round trip = %q", org)
	}
}

func TestBizStepOfNewTypes(t *testing.T) {
	trace.BizSteps["epcis-test-certify"] = "urn:epcglobal:cbv:bizstep:certifying"
	trace.BizSteps["epcis-test-hold"] = "urn:epcglobal:cbv:bizstep:holding"
	t.Cleanup(func() { delete(trace.BizSteps, "epcis-test-certify"); delete(trace.BizSteps, "epcis-test-hold") })
	tests := []struct{ typ, want string }{
		{"epcis-test-certify", Namespace + "bizstep/certifying"},
		{"epcis-test-hold", "holding"},
		{"epcis-test-unknown", Namespace + "bizstep/epcis-test-unknown"},
	}
	for _, tt := range tests {
		sh := shapeOf(trace.Event{Type: tt.typ}, nil)
		if sh.eventType != ObjectEvent || sh.action != ActionObserve || sh.bizStep != tt.want {
			t.Errorf("%s = %+v, want bizStep %s", tt.typ, sh, tt.want)
		}
	}
}
