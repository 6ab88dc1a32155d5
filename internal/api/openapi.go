package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/goccy/go-yaml"
)

// openapiYAML is the API's description, written by hand in YAML because
// people edit it; clients get it as JSON.
//
//go:embed openapi.yaml
var openapiYAML []byte

// apiDoc is the OpenAPI document as served: JSON, a gzipped copy (it is
// large and read by tools over slow links), and its ETag.
type apiDoc struct {
	json, gz []byte
	etag     string
}

// openapiDoc converts the embedded YAML on first use and keeps the result.
var openapiDoc = sync.OnceValues(newAPIDoc)

func newAPIDoc() (*apiDoc, error) {
	j, err := yaml.YAMLToJSON(openapiYAML)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := w.Write(j); err != nil {
		return nil, fmt.Errorf("openapi.yaml: gzip: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("openapi.yaml: gzip: %w", err)
	}
	sum := sha256.Sum256(j)
	return &apiDoc{json: j, gz: gz.Bytes(), etag: `"` + hex.EncodeToString(sum[:16]) + `"`}, nil
}

// openapi answers GET /openapi.json. The document changes only with the
// binary, so anyone may cache it for an hour and revalidate by ETag.
func (s *Server) openapi(c *gin.Context) {
	d, err := openapiDoc()
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Header("Vary", "Accept-Encoding")
	c.Header("ETag", d.etag)
	if c.GetHeader("If-None-Match") == d.etag {
		c.Status(http.StatusNotModified)
		return
	}
	if strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") {
		c.Header("Content-Encoding", "gzip")
		c.Data(http.StatusOK, "application/json", d.gz)
		return
	}
	c.Data(http.StatusOK, "application/json", d.json)
}
