package region_test

import (
	"testing"

	"github.com/agritrace/agritrace/internal/region"
)

func TestName(t *testing.T) {
	tests := []struct {
		code, zh, en string
	}{
		{"420526", "湖北省宜昌市", "Yichang, Hubei"},       // Xingshan county
		{"420526101201", "湖北省宜昌市", "Yichang, Hubei"}, // a village in it
		{"421022", "湖北省荆州市", "Jingzhou, Hubei"},      // Gong'an county
		{"429004", "湖北省仙桃市", "Xiantao, Hubei"},       // a city under the province itself
		{"429099", "湖北省", "Hubei"},                   // an unknown one there
		{"4205", "湖北省宜昌市", "Yichang, Hubei"},         // a prefecture's own prefix
		{"440106", "广东省", "Guangdong"},               // a county elsewhere: its province
		{"110101", "北京市", "Beijing"},                 // a municipality
		{"990101", "990101", "990101"},               // no such province
		{"42a", "42a", "42a"},                        // not a code
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := region.Name(tt.code, "zh"); got != tt.zh {
			t.Errorf("Name(%q, zh) = %q, want %q", tt.code, got, tt.zh)
		}
		if got := region.Name(tt.code, "en"); got != tt.en {
			t.Errorf("Name(%q, en) = %q, want %q", tt.code, got, tt.en)
		}
	}
}
