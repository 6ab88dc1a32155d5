package api

import (
	"net/http"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

func (s *Server) createOrg(c *gin.Context) {
	var o trace.Org
	if err := bind(c, &o); err != nil {
		s.fail(c, err)
		return
	}
	created, err := s.Service.CreateOrg(c.Request.Context(), actor(c), o)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, created)
}

func (s *Server) listOrgs(c *gin.Context) {
	orgs, err := s.Store.Orgs(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"orgs": orgs})
}

func (s *Server) createKey(c *gin.Context) {
	key, secret, err := s.Service.CreateAPIKey(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": key.ID, "org": key.OrgID, "key": secret, "createdBy": key.CreatedBy, "createdAt": key.CreatedAt})
}

func (s *Server) listKeys(c *gin.Context) {
	keys, err := s.Service.APIKeys(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"keys": keys})
}

func (s *Server) revokeKey(c *gin.Context) {
	key, err := s.Service.RevokeAPIKey(c.Request.Context(), actor(c), c.Param("id"), c.Param("keyId"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, key)
}

// setDisabled answers POST /orgs/{id}/disable and /enable.
func (s *Server) setDisabled(disabled bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		o, err := s.Service.SetDisabled(c.Request.Context(), actor(c), c.Param("id"), disabled)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, o)
	}
}

func (s *Server) declarePrefix(c *gin.Context) {
	var in struct {
		Prefix string `json:"prefix"`
	}
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.Service.DeclarePrefix(c.Request.Context(), actor(c), c.Param("id"), in.Prefix)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, p)
}

func (s *Server) approvePrefix(c *gin.Context) {
	p, err := s.Service.ApprovePrefix(c.Request.Context(), actor(c), c.Param("id"), c.Param("prefix"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) listPrefixes(c *gin.Context) {
	ps, err := s.Service.Prefixes(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"prefixes": ps})
}

func (s *Server) createProduct(c *gin.Context) {
	var p trace.Product
	if err := bind(c, &p); err != nil {
		s.fail(c, err)
		return
	}
	created, err := s.Service.CreateProduct(c.Request.Context(), actor(c), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, created)
}

func (s *Server) listProducts(c *gin.Context) {
	ps, err := s.Store.Products(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"products": ps})
}

func (s *Server) getProduct(c *gin.Context) {
	p, err := s.Store.Product(c.Request.Context(), c.Param("gtin"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}
