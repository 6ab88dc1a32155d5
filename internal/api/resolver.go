package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/agritrace/agritrace/internal/digitallink"
	"github.com/agritrace/agritrace/internal/resolver"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// The GS1-Conformant resolver: a label's Digital Link answers with a 307
// redirect to one of the item's links (its provenance page by default), or
// with the item's linkset. It records nothing: the page it leads to records
// the scan, so a scan counts once whichever way the phone got there.

func (s *Server) resolver() resolver.Resolver {
	return resolver.Resolver{Store: s.Store, Base: strings.TrimRight(s.BaseURL, "/"), Products: s.products}
}

// resolve answers GET, HEAD and OPTIONS on /01/... .
func (s *Server) resolve(c *gin.Context) {
	path := c.Request.URL.EscapedPath()
	u, err := digitallink.Parse(path)
	if err == nil {
		s.linkHeader(c, u, "")
	}
	switch {
	case s.preflight(c):
	case err != nil:
		s.fail(c, trace.Errorf(trace.EINVALID, "%s is not a valid GS1 Digital Link: %v", path, err))
	default:
		s.answer(c, u, nil)
	}
}

// resolveCompressed answers a compressed Digital Link, which arrives as a
// path no route matched; it reports false for a path that is not one.
func (s *Server) resolveCompressed(c *gin.Context) bool {
	seg := strings.TrimSuffix(strings.TrimPrefix(c.Request.URL.Path, "/"), "/")
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		return false
	}
	if seg == "" || strings.Trim(seg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return false
	}
	if _, _, err := digitallink.Decompress(seg); err != nil {
		return false
	}
	u, extra, err := digitallink.Expand(seg)
	if err == nil {
		same := s.resolver().Base + u.Path()
		if len(extra) > 0 {
			same += "?" + extra.Encode()
		}
		s.linkHeader(c, u, same)
	}
	switch {
	case s.preflight(c):
	case err != nil:
		s.fail(c, trace.Errorf(trace.EINVALID, "/%s decompresses to no valid GS1 Digital Link: %v", seg, err))
	default:
		s.answer(c, u, extra)
	}
	return true
}

// preflight sets the CORS headers every resolver response carries and
// answers OPTIONS.
func (s *Server) preflight(c *gin.Context) bool {
	h := c.Writer.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Accept, Accept-Language")
	h.Set("Access-Control-Expose-Headers", "Link, Location, Content-Type")
	if c.Request.Method != http.MethodOptions {
		return false
	}
	h.Set("Allow", "GET, HEAD, OPTIONS")
	c.Status(http.StatusNoContent)
	return true
}

// linkHeader links every answer about u, redirects and OPTIONS included, to
// its linkset and the linkset's JSON-LD context; sameAs is the uncompressed
// URI of a compressed request.
func (s *Server) linkHeader(c *gin.Context, u digitallink.URI, sameAs string) {
	links := []string{
		fmt.Sprintf(`<%s%s?linkType=linkset>; rel="linkset"; type="%s"`, s.resolver().Base, u.Path(), resolver.LinksetType),
		fmt.Sprintf(`<%s>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`, resolver.ContextURL),
	}
	if sameAs != "" {
		links = append(links, fmt.Sprintf(`<%s>; rel="owl:sameAs"`, sameAs))
	}
	c.Header("Link", strings.Join(links, ", "))
	c.Header("Vary", "Accept")
}

// answer resolves u: the linkset when asked for, else a redirect to the
// default link or to the linkType asked for. extra is what a compressed
// URI's compressed query held.
func (s *Server) answer(c *gin.Context, u digitallink.URI, extra url.Values) {
	rs := s.resolver()
	lt := c.Query("linkType")
	if lt == "" && !strings.Contains(c.GetHeader("Accept"), resolver.LinksetType) {
		href, err := rs.Default(c.Request.Context(), u)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.Redirect(http.StatusTemporaryRedirect, withQuery(href, c.Request.URL.RawQuery, extra))
		return
	}
	it, err := rs.Resolve(c.Request.Context(), u)
	if err != nil {
		s.fail(c, err)
		return
	}
	if lt == "" || lt == "linkset" || lt == "all" {
		body, err := json.Marshal(it.Linkset)
		if err != nil {
			s.fail(c, fmt.Errorf("linkset of %s: %w", u.Path(), err))
			return
		}
		c.Data(http.StatusOK, resolver.LinksetType, body)
		return
	}
	l, ok := it.Find(resolver.ExpandLinkType(lt))
	if !ok {
		s.fail(c, trace.Errorf(trace.ENOTFOUND, "%s has no link of type %s", u.Path(), lt))
		return
	}
	c.Redirect(http.StatusTemporaryRedirect, withQuery(l.Href, c.Request.URL.RawQuery, extra))
}

// withQuery passes the request's query string on to href as it came (it
// carries the label's signature), less the resolver's own linkType, plus
// what a compressed URI held.
func withQuery(href, raw string, extra url.Values) string {
	var keep []string
	for _, kv := range strings.Split(raw, "&") {
		if kv != "" && !strings.HasPrefix(kv, "linkType=") {
			keep = append(keep, kv)
		}
	}
	if len(extra) > 0 {
		keep = append(keep, extra.Encode())
	}
	if len(keep) == 0 {
		return href
	}
	sep := "?"
	if strings.Contains(href, "?") {
		sep = "&"
	}
	return href + sep + strings.Join(keep, "&")
}

// resolverDescription serves /.well-known/gs1resolver.
func (s *Server) resolverDescription(c *gin.Context) {
	s.preflight(c)
	c.JSON(http.StatusOK, s.resolver().Description())
}

// recallStatus is the public recall status of a lot, the target of its
// gs1:recallStatus link.
func (s *Server) recallStatus(c *gin.Context) {
	s.preflight(c)
	rs, err := s.resolver().RecallStatus(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rs)
}
