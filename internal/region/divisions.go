package region

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Division is a county, a township or a village of the statistical division
// codes: 6 digits for a county, 9 for a township, 12 for a village, each
// code starting with its parent's.
type Division struct {
	Code     string     `json:"code"`
	Name     string     `json:"name"`
	NameEN   string     `json:"nameEN,omitempty"`
	Children []Division `json:"children,omitempty"`
}

// Directory lists the townships and villages of the counties a deployment
// serves, so that people pick a village by name and the code is recorded.
// The national list is large and changes yearly; each deployment loads its
// own counties' entries.
type Directory struct {
	counties map[string]Division
	byCode   map[string]Division
}

//go:embed divisions.json
var demoDivisions []byte

// DemoDirectory is the directory of the demo county, Xingshan (420526),
// with the villages the demo's growers live in.
func DemoDirectory() *Directory {
	d, err := parseDirectory(demoDivisions)
	if err != nil {
		panic(err) // the file is compiled in and tested
	}
	return d
}

// LoadDirectory reads a JSON list of counties, each with its townships and
// their villages, as in divisions.json.
func LoadDirectory(path string) (*Directory, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("divisions: %w", err)
	}
	d, err := parseDirectory(b)
	if err != nil {
		return nil, fmt.Errorf("divisions %s: %w", path, err)
	}
	return d, nil
}

func parseDirectory(b []byte) (*Directory, error) {
	var counties []Division
	if err := json.Unmarshal(b, &counties); err != nil {
		return nil, err
	}
	d := &Directory{counties: map[string]Division{}, byCode: map[string]Division{}}
	for _, c := range counties {
		if err := d.add(c, "", 6); err != nil {
			return nil, err
		}
		d.counties[c.Code] = c
	}
	return d, nil
}

// add checks a division's code against its level and its parent's code, so
// a typo in a hand-edited file fails at start rather than in a record.
func (d *Directory) add(v Division, parent string, digits int) error {
	if digits > 12 {
		return fmt.Errorf("%s (%s) is below village level", v.Code, v.Name)
	}
	if len(v.Code) != digits || strings.Trim(v.Code, "0123456789") != "" || !strings.HasPrefix(v.Code, parent) || v.Name == "" {
		return fmt.Errorf("division %q (%s) must have a name and %d digits starting with %q", v.Code, v.Name, digits, parent)
	}
	if _, dup := d.byCode[v.Code]; dup {
		return fmt.Errorf("division %s is listed twice", v.Code)
	}
	d.byCode[v.Code] = v
	for _, c := range v.Children {
		if err := d.add(c, v.Code, digits+3); err != nil {
			return err
		}
	}
	return nil
}

// County returns the county of a division code (its first 6 digits) with its
// townships and villages, if the directory has it.
func (d *Directory) County(code string) (Division, bool) {
	if len(code) < 6 {
		return Division{}, false
	}
	c, ok := d.counties[code[:6]]
	return c, ok
}

// Village returns the village of a 12-digit code, if the directory has it.
func (d *Directory) Village(code string) (Division, bool) {
	v, ok := d.byCode[code]
	return v, ok && len(code) == 12
}

// Label is the division's name in lang ("en" or Chinese).
func (v Division) Label(lang string) string {
	if lang == "en" && v.NameEN != "" {
		return v.NameEN
	}
	return v.Name
}
