package api

import (
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"net/http"

	"github.com/agritrace/agritrace/internal/picture"
	"github.com/gin-gonic/gin"
)

// pagePolicy is the Content-Security-Policy of every answer unless a handler
// sets a stricter one (pictures, photos). The pages load scripts, styles and
// images only from /static and the service's own routes and have no inline
// script or style, so an injected <script> or onclick= runs nowhere; no site
// may frame them (clickjacking the report form or the console). The one
// inline style allowed, by its hash, is that of the pictures the console
// embeds in its pages.
var pagePolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-hashes' '" + cspHash(picture.RootStyle) + "'; " +
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// cspHash is a CSP source expression for inline content s.
func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// securityHeaders sets the headers every answer carries. Referrer-Policy
// same-origin keeps a scan URL, with its label signature, from reaching the
// sites a page links to, while the console's same-origin check still sees
// Origin.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", pagePolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	c.Next()
}

// filesOnly serves the files of a tree and none of its directories: a
// directory's path is not found rather than listed.
type filesOnly struct{ fs http.FileSystem }

func (f filesOnly) Open(name string) (http.File, error) {
	file, err := f.fs.Open(name)
	if err != nil {
		return nil, err
	}
	info, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, err
	}
	if info.IsDir() {
		file.Close()
		return nil, fs.ErrNotExist
	}
	return file, nil
}
