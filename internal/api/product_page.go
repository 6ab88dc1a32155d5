package api

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/web"
	"github.com/gin-gonic/gin"
)

// productInfo is what anyone may read of a product: the default link of a
// GTIN-level Digital Link, which names a product rather than a lot.
type productInfo struct {
	GTIN      string `json:"gtin"`
	NameZH    string `json:"nameZh"`
	NameEN    string `json:"nameEn,omitempty"`
	Unit      string `json:"unit"`
	Category  string `json:"category,omitempty"`
	Owner     string `json:"owner,omitempty"`
	OwnerName string `json:"ownerName,omitempty"`
}

// productPage is the public page of a GTIN.
func (s *Server) productPage(c *gin.Context) {
	ctx := c.Request.Context()
	p, err := s.Store.Product(ctx, c.Param("gtin"))
	if err != nil {
		s.fail(c, err)
		return
	}
	info := productInfo{GTIN: p.GTIN, NameZH: p.NameZH, NameEN: p.NameEN, Unit: p.Unit, Category: p.Category, Owner: p.Owner}
	if org, err := s.Store.Org(ctx, p.Owner); err == nil {
		info.OwnerName = org.Name
	} else if trace.ErrorCode(err) != trace.ENOTFOUND {
		s.fail(c, err)
		return
	}
	if wantsJSON(c) {
		c.JSON(http.StatusOK, info)
		return
	}
	lang := web.Lang(c.Query("lang"), c.GetHeader("Accept-Language"))
	q := c.Request.URL.Query()
	q.Set("lang", map[string]string{"zh": "en", "en": "zh"}[lang])
	c.HTML(http.StatusOK, "product.html", struct {
		Product      productInfo
		OwnerName    string
		Lang         string
		OtherLangURL template.URL
	}{info, info.OwnerName, lang, template.URL((&url.URL{Path: c.Request.URL.Path, RawQuery: q.Encode()}).String())})
}
