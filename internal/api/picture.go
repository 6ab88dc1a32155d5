package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/agritrace/agritrace/internal/picture"
	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/web"
	"github.com/gin-gonic/gin"
)

// alertWindow is how many of the latest alerts the by-region counts cover:
// the largest page the alert list itself serves.
const alertWindow = 5000

// traceSVG draws a lot's trace under the same read rule as /lots/{id}/trace:
// lots the reader may not see are not in the picture.
func (s *Server) traceSVG(c *gin.Context) {
	ctx := c.Request.Context()
	g, err := s.Service.TraceFor(ctx, actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	products := map[string]trace.Product{}
	for _, n := range g.Nodes {
		if _, ok := products[n.GTIN]; ok {
			continue
		}
		p, err := s.Store.Product(ctx, n.GTIN)
		if err != nil {
			s.fail(c, err)
			return
		}
		products[n.GTIN] = p
	}
	svg, err := picture.TraceSVG(g, products, pictureLang(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	sendSVG(c, svg)
}

// alertsByRegion counts the latest alerts by the prefecture of the scan, as
// JSON or, for the .svg path, as a bar chart.
func (s *Server) alertsByRegion(asSVG bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		alerts, err := s.Service.Scans(c.Request.Context(), actor(c), trace.ScanFilter{Verdicts: scan.AlertVerdicts, Limit: alertWindow})
		if err != nil {
			s.fail(c, err)
			return
		}
		lang := pictureLang(c)
		bars := picture.ByPrefecture(alerts, lang)
		if !asSVG {
			c.JSON(http.StatusOK, gin.H{"regions": bars, "counted": len(alerts), "window": alertWindow})
			return
		}
		svg, err := picture.AlertsSVG(bars, lang)
		if err != nil {
			s.fail(c, err)
			return
		}
		sendSVG(c, svg)
	}
}

func pictureLang(c *gin.Context) string {
	return web.Lang(c.Query("lang"), c.GetHeader("Accept-Language"))
}

// sendSVG answers with a picture that only its reader may see and that
// changes with every event: caches keep it privately and revalidate each
// time, cheaply through the ETag. The policy keeps an SVG opened on its own
// from running anything, should hostile text ever get past the escaping.
func sendSVG(c *gin.Context, svg []byte) {
	sum := sha256.Sum256(svg)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	c.Header("Cache-Control", "private, no-cache")
	c.Header("Vary", "Authorization, Cookie, Accept-Language")
	c.Header("ETag", etag)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, "image/svg+xml; charset=utf-8", svg)
}
