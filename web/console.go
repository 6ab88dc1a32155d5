package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"path"
	"strings"
)

// The console's pages: a base layout (console/layout.html) and one template
// file per page, each parsed with the layout into a set of its own so every
// page defines its own "content".

//go:embed console/*.html
var consoleTemplateFS embed.FS

//go:embed console/static
var consoleStaticFS embed.FS

// Asset is a console static file, ready to serve: its versioned URL name
// carries a hash of its content, so it can be cached for a year and a new
// release is fetched at once.
type Asset struct {
	Name        string // versioned, e.g. console.3f2a9c1b.css
	ContentType string
	Body        []byte
	Gzip        []byte
}

// ConsoleAssets returns the console's static files by their plain name
// (console.css) with versioned names and gzipped bodies.
func ConsoleAssets() map[string]Asset {
	out := map[string]Asset{}
	err := fs.WalkDir(consoleStaticFS, "console/static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := consoleStaticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		base := path.Base(p)
		ext := path.Ext(base)
		var gz bytes.Buffer
		w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		w.Write(body)
		w.Close()
		out[base] = Asset{
			Name:        strings.TrimSuffix(base, ext) + "." + hex.EncodeToString(sum[:4]) + ext,
			ContentType: contentTypes[ext],
			Body:        body,
			Gzip:        gz.Bytes(),
		}
		return nil
	})
	if err != nil {
		panic(err) // the files are compiled in
	}
	return out
}

var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
}

// ConsoleTemplates parses each console page with the layout; funcs adds to
// T (translate) the helpers the console needs.
func ConsoleTemplates(funcs template.FuncMap) map[string]*template.Template {
	all := template.FuncMap{"T": ConsoleText}
	for k, v := range funcs {
		all[k] = v
	}
	layout := template.Must(template.New("layout.html").Funcs(all).ParseFS(consoleTemplateFS, "console/layout.html"))
	pages, err := fs.Glob(consoleTemplateFS, "console/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := path.Base(p)
		if name == "layout.html" {
			continue
		}
		out[strings.TrimSuffix(name, ".html")] = template.Must(template.Must(layout.Clone()).ParseFS(consoleTemplateFS, p))
	}
	return out
}

// ConsoleText returns the console text of key in lang, falling back to
// Chinese, then to the key itself so a gap shows on the page.
func ConsoleText(lang, key string) string {
	if s, ok := consoleMessages[lang][key]; ok {
		return s
	}
	if s, ok := consoleMessages["zh"][key]; ok {
		return s
	}
	return key
}

// HasConsoleText reports whether key has a text, so that callers can fall
// back to something better than the key.
func HasConsoleText(key string) bool {
	_, ok := consoleMessages["zh"][key]
	return ok
}
