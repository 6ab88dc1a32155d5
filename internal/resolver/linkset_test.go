package resolver_test

import (
	"encoding/json"
	"testing"

	"github.com/agritrace/agritrace/internal/resolver"
)

func TestExpandLinkType(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"gs1:pip", resolver.PIP},
		{"https://gs1.org/voc/pip", resolver.PIP},
		{"https://ref.gs1.org/voc/recallStatus", resolver.RecallStatus},
		{"http://www.gs1.org/voc/traceability", resolver.Traceability},
		{"linkset", "linkset"},
		{"schema:url", "schema:url"},
	} {
		if got := resolver.ExpandLinkType(tt.in); got != tt.want {
			t.Errorf("ExpandLinkType(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestContextJSON(t *testing.T) {
	c := resolver.Context{Anchor: "https://x.cn/01/06901234567892", ItemDescription: "菜籽油"}
	b, err := json.Marshal(resolver.Linkset{Linkset: []resolver.Context{c}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"linkset":[{"anchor":"https://x.cn/01/06901234567892","itemDescription":"菜籽油"}]}`; string(b) != want {
		t.Errorf("linkset JSON %s, want %s", b, want)
	}
}
