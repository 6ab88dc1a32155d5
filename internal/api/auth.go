package api

import (
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

const orgKey = "org"

// authenticate resolves "Authorization: Bearer <key>" to an organization.
func (s *Server) authenticate(c *gin.Context) {
	org, ok, err := s.bearer(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="agritrace"`)
		s.fail(c, trace.Errorf(trace.EUNAUTHORIZED, "send an API key as Authorization: Bearer <key>"))
		return
	}
	c.Set(orgKey, org)
	c.Next()
}

// bearer returns the organization of the request's API key, if it sent one.
func (s *Server) bearer(c *gin.Context) (trace.Org, bool, error) {
	h := c.GetHeader("Authorization")
	if h == "" {
		return trace.Org{}, false, nil
	}
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || secret == "" {
		return trace.Org{}, false, trace.Errorf(trace.EUNAUTHORIZED, "Authorization must be Bearer <key>")
	}
	org, err := s.Service.Authenticate(c.Request.Context(), strings.TrimSpace(secret))
	if err != nil {
		return trace.Org{}, false, err
	}
	return org, true, nil
}

func actor(c *gin.Context) trace.Org { return c.MustGet(orgKey).(trace.Org) }
