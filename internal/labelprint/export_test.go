package labelprint

import "regexp"

var dates = regexp.MustCompile(`/(CreationDate|ModDate) \(D:[^)]*\)`)

// Normalized is a PDF as fpdf wrote it less what changes between two
// renderings of one document: its dates.
func Normalized(pdf []byte) string {
	return dates.ReplaceAllString(string(pdf), "")
}
