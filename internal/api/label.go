package api

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"

	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// unitView is a unit with the URL its QR code carries.
type unitView struct {
	trace.Unit
	URL string `json:"url"`
}

func (s *Server) view(u trace.Unit) unitView {
	return unitView{Unit: u, URL: label.DigitalLink(s.BaseURL, u)}
}

func (s *Server) getUnit(c *gin.Context) {
	u, err := s.Service.LabelledUnit(c.Request.Context(), actor(c), c.Param("serial"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.view(u))
}

func (s *Server) lotUnits(c *gin.Context) {
	units, err := s.Service.LabelledUnits(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]unitView, len(units))
	for i, u := range units {
		out[i] = s.view(u)
	}
	c.JSON(http.StatusOK, gin.H{"units": out})
}

// labelPNG renders a unit's QR code for printing. Only those who may have the
// signed label get it: a serial seen in a sale or a complaint must not turn
// into a printable genuine label. The rule is checked on every request; only
// the picture, a function of the signed URL and the size, is cached.
func (s *Server) labelPNG(c *gin.Context) {
	u, err := s.Service.LabelledUnit(c.Request.Context(), actor(c), c.Param("serial"))
	if err != nil {
		s.fail(c, err)
		return
	}
	size, err := strconv.Atoi(c.DefaultQuery("size", "256"))
	if err != nil || size < 64 || size > 2048 {
		s.fail(c, trace.FieldErrorf(trace.EINVALID, "size", "size must be 64 to 2048 pixels"))
		return
	}
	png, err := s.labels.PNG(label.DigitalLink(s.BaseURL, u), size)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Data(http.StatusOK, "image/png", png)
}

func (s *Server) labelSVG(c *gin.Context) {
	u, err := s.Service.LabelledUnit(c.Request.Context(), actor(c), c.Param("serial"))
	if err != nil {
		s.fail(c, err)
		return
	}
	svg, err := s.labels.SVG(label.DigitalLink(s.BaseURL, u))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Data(http.StatusOK, "image/svg+xml", svg)
}

// labelKeys publishes the label public keys so anyone can check labels offline.
func (s *Server) labelKeys(c *gin.Context) {
	c.JSON(http.StatusOK, s.Keys.Public())
}

func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
