package api

import (
	"net/http"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

func (s *Server) grantLicence(c *gin.Context) {
	var in struct {
		Licensee string `json:"licensee"`
	}
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	answer(c, http.StatusCreated, func(v any) any { return v })
	e, err := s.Service.GrantLicence(c.Request.Context(), actor(c), c.Param("gtin"), in.Licensee)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.committed()
	c.JSON(http.StatusCreated, e)
}

func (s *Server) revokeLicence(c *gin.Context) {
	answer(c, http.StatusOK, func(v any) any { return v })
	e, err := s.Service.RevokeLicence(c.Request.Context(), actor(c), c.Param("gtin"), c.Param("org"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.committed()
	c.JSON(http.StatusOK, e)
}

// listLicences shows the licences in force, the chain of grants and
// revocations they come from, and that chain's verdict against the ledger.
func (s *Server) listLicences(c *gin.Context) {
	ctx := c.Request.Context()
	gtin := c.Param("gtin")
	owner, active, entries, err := s.Service.Licences(ctx, gtin)
	if err != nil {
		s.fail(c, err)
		return
	}
	report, err := s.Verifier.Licence(ctx, gtin)
	if err != nil {
		s.fail(c, err)
		return
	}
	if active == nil {
		active = []trace.Licence{}
	}
	if entries == nil {
		entries = []trace.LicenceEntry{}
	}
	c.JSON(http.StatusOK, gin.H{"gtin": gtin, "owner": owner, "licences": active, "entries": entries, "verification": report})
}
