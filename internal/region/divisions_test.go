package region_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/region"
)

func TestDemoDirectory(t *testing.T) {
	d := region.DemoDirectory()
	c, ok := d.County("420526101201")
	if !ok || c.Name != "兴山县" || len(c.Children) == 0 {
		t.Fatalf("county of a demo village: %+v, %v", c, ok)
	}
	if v, ok := d.Village("420526101201"); !ok || v.Name != "桃园村" || v.Label("en") != "Taoyuan Village" {
		t.Errorf("village: %+v, %v", v, ok)
	}
	if _, ok := d.Village("420526101"); ok {
		t.Error("a township passes as a village")
	}
}

func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ json, err string }{
		"good":      {`[{"code":"420527","name":"秭归县","children":[{"code":"420527100","name":"茅坪镇","children":[{"code":"420527100201","name":"某村"}]}]}]`, ""},
		"orphan":    {`[{"code":"420527","name":"秭归县","children":[{"code":"420526100","name":"古夫镇"}]}]`, "starting with"},
		"deep":      {`[{"code":"420527","name":"县","children":[{"code":"420527100","name":"镇","children":[{"code":"420527100201","name":"村","children":[{"code":"420527100201001","name":"组"}]}]}]}]`, "below village"},
		"duplicate": {`[{"code":"420527","name":"县"},{"code":"420527","name":"县"}]`, "twice"},
		"unnamed":   {`[{"code":"420527"}]`, "must have a name"},
	} {
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, []byte(tc.json), 0o600); err != nil {
			t.Fatal(err)
		}
		d, err := region.LoadDirectory(p)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case tc.err == "":
			if v, ok := d.Village("420527100201"); !ok || v.Name != "某村" {
				t.Errorf("%s: village %+v %v", name, v, ok)
			}
		case err == nil || !strings.Contains(err.Error(), tc.err):
			t.Errorf("%s: error %v, want %q", name, err, tc.err)
		}
	}
}
