package api_test

import (
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
)

// TestLabelImagesCached: a label drawn once is served again the same, and
// the cache never stands in for the rule on who may have signed labels.
func TestLabelImagesCached(t *testing.T) {
	e := start(t)
	st := e.story(t)
	rival := enrol(t, e, trace.Org{ID: "rival-mill", Name: "另一家油坊", Roles: []string{trace.RoleProcessor}, Region: "420527"})
	mill := "Bearer " + e.Keys[demo.Mill]
	var unit struct{ URL string }
	if err := e.as(demo.Mill).Do(bg, "GET", "/api/v1/units/"+st.Sold[0], nil, &unit); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/label.png?size=300", "/label.svg"} {
		url := e.URL + "/api/v1/units/" + st.Sold[0] + path
		status, first := get(t, url, "Authorization", mill)
		status2, again := get(t, url, "Authorization", mill)
		if status != 200 || status2 != 200 || first != again {
			t.Fatalf("%s: %d then %d, same picture %v", path, status, status2, first == again)
		}
		if strings.HasPrefix(path, "/label.png") {
			if text, err := label.DecodeImage(strings.NewReader(again)); err != nil || text != unit.URL {
				t.Errorf("cached label reads %q, %v; want %s", text, err, unit.URL)
			}
		}
		if status, _ := get(t, url, "Authorization", "Bearer "+rival.Key); status != 403 {
			t.Errorf("rival gets the cached %s: %d", path, status)
		}
	}
	// Another size is another picture.
	_, small := get(t, e.URL+"/api/v1/units/"+st.Sold[0]+"/label.png?size=128", "Authorization", mill)
	_, large := get(t, e.URL+"/api/v1/units/"+st.Sold[0]+"/label.png?size=300", "Authorization", mill)
	if small == large {
		t.Error("label.png of 128 and 300 pixels are the same picture")
	}
}
