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
	c.JSON(http.StatusCreated, gin.H{"id": key.ID, "org": key.OrgID, "key": secret, "createdAt": key.CreatedAt})
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
