// Package web holds the pages people see, the provenance page a QR scan opens
// above all, as templates and static files compiled into the binary so that
// nothing is fetched from a CDN at run time.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"strings"

	"github.com/agritrace/agritrace/internal/region"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Static is the tree served under /static.
func Static() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	return sub
}

// Templates parses every page template. T translates a message key for the
// page's language: {{T .Lang "verdict.genuine"}}; region names a division
// code: {{region .Lang "420526"}}.
func Templates() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"T":      Translate,
		"upper":  strings.ToUpper,
		"region": func(lang, code string) string { return region.Name(code, lang) },
	}).ParseFS(templateFS, "templates/*.html"))
}

// Lang picks "en" when asked for, Chinese otherwise: the people scanning are
// in Chinese counties.
func Lang(query, acceptLanguage string) string {
	switch {
	case query == "en" || query == "zh":
		return query
	case query == "" && strings.HasPrefix(strings.ToLower(acceptLanguage), "en"):
		return "en"
	}
	return "zh"
}

// Translate returns the text of key in lang, or the key itself when missing,
// so a gap shows up on the page rather than as blank space.
func Translate(lang, key string) string {
	if s, ok := messages[lang][key]; ok {
		return s
	}
	if s, ok := messages["zh"][key]; ok {
		return s
	}
	return key
}
