package console

import (
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// routes lists every console page. Everything but the sign-in page and the
// assets needs a session; every POST passes the origin check, and every POST
// with a session the CSRF check.
func (c *Console) routes(r *gin.RouterGroup) {
	r.GET("/static/:name", c.static)
	r.Use(c.sameOrigin)
	r.GET("/signin", c.signInPage)
	r.POST("/signin", c.signIn)

	in := r.Group("", c.session, c.csrf)
	in.GET("/", c.home)
	in.POST("/signout", c.signOut)
	in.GET("/account", c.accountPage)
	in.POST("/account", c.changePassword)

	in.GET("/orgs", c.orgsPage)
	in.POST("/orgs", c.createOrg)
	in.GET("/orgs/:org/users", c.usersPage)
	in.POST("/orgs/:org/users", c.createUser)
	in.POST("/orgs/:org/users/:login/disable", c.disableUser)
	in.POST("/orgs/:org/users/:login/reset", c.resetPassword)
	in.GET("/orgs/:org/keys", c.keysPage)
	in.POST("/orgs/:org/keys", c.createKey)
	in.POST("/orgs/:org/keys/:key/revoke", c.revokeKey)

	in.GET("/lots", c.findLot)
	in.GET("/lots/:id", c.lotPage)
	in.POST("/lots/:id/inspect", c.inspect)
	in.POST("/lots/:id/certificates", c.certify)
	in.GET("/lots/:id/certificates.pdf", c.certificatePDF)
	in.POST("/lots/:id/ship", c.ship)
	in.POST("/lots/:id/receive", c.receive)
	in.POST("/lots/:id/sell", c.sell)
	in.POST("/lots/:id/split", c.split)
	in.POST("/lots/:id/pack", c.pack)
	in.POST("/lots/:id/print", c.startPrint)
	in.GET("/prints/:token", c.printPage)
	in.GET("/prints/:token/pdf", c.printPDF)
	in.GET("/deliveries", c.deliveryPage)
	in.POST("/deliveries", c.recordDelivery)
	in.GET("/merge", c.mergePage)
	in.POST("/merge", c.merge)
	in.GET("/transform", c.transformPage)
	in.POST("/transform", c.transform)
	in.POST("/transform/preview", c.previewTransform)
	c.regulatorRoutes(in)
}

// navItem is one entry of the navigation: Key is its text, About the
// sentence on the home page saying what it is for.
type navItem struct {
	Href, Key, About string
	Current          bool
}

// nav is what the signed-in user may do, decided from the organization's
// roles and the user's role there. Pages for each role add their rows here.
func nav(who trace.SignedIn, path string) []navItem {
	items := []navItem{{Href: "/console/", Key: "nav.home"}}
	items = append(items, regulatorNav(who)...)
	if len(who.Org.Roles) > 1 || !who.Org.Has(trace.RoleAdmin) {
		items = append(items, navItem{Href: "/console/lots", Key: "nav.lots", About: "home.lots"})
	}
	if who.Org.Has(trace.RoleCollector) {
		items = append(items, navItem{Href: "/console/deliveries", Key: "nav.deliveries", About: "home.deliveries"})
	}
	if who.Org.Has(trace.RoleProcessor) {
		items = append(items, navItem{Href: "/console/transform", Key: "nav.transform", About: "home.transform"})
	}
	if who.Org.Has(trace.RoleCollector, trace.RoleProcessor, trace.RoleLogistics, trace.RoleRetailer) {
		items = append(items, navItem{Href: "/console/merge", Key: "nav.merge", About: "home.merge"})
	}
	if who.User.Role == trace.UserAdmin {
		items = append(items, navItem{Href: "/console/orgs/" + who.Org.ID + "/users", Key: "nav.users", About: "home.users"})
	}
	if who.Org.Has(trace.RoleAdmin) {
		items = append(items, navItem{Href: "/console/orgs", Key: "nav.orgs", About: "home.orgs"})
	}
	items = append(items, navItem{Href: "/console/account", Key: "nav.account", About: "home.account"})
	for i := range items {
		h := items[i].Href
		items[i].Current = path == h || (h != "/console/" && strings.HasPrefix(path, h+"/"))
	}
	return items
}
