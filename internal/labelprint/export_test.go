package labelprint

import (
	"regexp"
	"slices"
	"strings"
)

var (
	dates   = regexp.MustCompile(`/(CreationDate|ModDate) \(D:[^)]*\)`)
	objects = regexp.MustCompile(`(?s)\n\d+ 0 obj\n(.*?)\nendobj`)
	xref    = regexp.MustCompile(`(?s)\nxref\n.*`)
	refs    = regexp.MustCompile(`\d+ 0 R`)
)

// Normalized is a PDF as fpdf wrote it less what changes between two
// renderings of one document: its dates, and the order of its objects
// of its images (fpdf writes them in map order), hence object numbers and
// offsets. Pages, which place each image by its hash, keep their order.
func Normalized(pdf []byte) string {
	s := dates.ReplaceAllString(string(pdf), "")
	s = xref.ReplaceAllString(s, "")
	var objs, images []string
	for _, m := range objects.FindAllStringSubmatch(s, -1) {
		obj := refs.ReplaceAllString(m[1], "R")
		if strings.Contains(obj, "/Subtype /Image") {
			images = append(images, obj)
		} else {
			objs = append(objs, obj)
		}
	}
	slices.Sort(images)
	return strings.Join(append(objs, images...), "\n")
}
