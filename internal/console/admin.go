package console

import (
	"net/http"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// The admin's and the org admins' pages. Who may do what is decided by
// trace (mayManageUsers, the admin role for organizations and keys); these
// handlers only ask, passing the signed-in person as well as the organization.

func signedIn(g *gin.Context) trace.SignedIn { return g.MustGet(whoKey).(trace.SignedIn) }

type usersData struct {
	Base  string
	Users []trace.User
}

func (c *Console) usersPage(g *gin.Context) {
	c.showUsers(g, c.newPage(g, "users.title"), http.StatusOK)
}

func (c *Console) showUsers(g *gin.Context, p *page, status int) {
	who, org := signedIn(g), g.Param("org")
	users, err := c.Service.Users(g.Request.Context(), who.Org, who.User, org)
	if err != nil {
		c.fail(g, err)
		return
	}
	p.Subtitle, p.Data = org, usersData{Base: "/console/orgs/" + org + "/users", Users: users}
	if p.Values["role"] == "" {
		p.Values["role"] = trace.UserStaff
	}
	c.render(g, status, "users", p)
}

func (c *Console) createUser(g *gin.Context) {
	who, org := signedIn(g), g.Param("org")
	p := c.newPage(g, "users.title")
	keep(g, p, "login", "name", "phone", "role")
	in := trace.UserInput{Org: org, Login: p.Values["login"], Name: p.Values["name"], Phone: p.Values["phone"], Role: p.Values["role"], Password: g.PostForm("password")}
	var password string
	dup, err := c.once(g, "/console/orgs/"+org+"/users", func(g *gin.Context) error {
		var err error
		_, password, err = c.Service.CreateUser(g.Request.Context(), who.Org, who.User, in)
		return err
	})
	switch {
	case dup:
		return
	case err != nil && showFieldError(p, err, nil):
		c.showUsers(g, p, http.StatusUnprocessableEntity)
		return
	case err != nil:
		c.fail(g, err)
		return
	}
	// The password is shown on this answer only: it is never stored, and a
	// resent form lands on the plain list.
	done := c.newPage(g, "users.title")
	if in.Password == "" {
		done.Secret, done.SecretKey = password, "users.password.once"
	}
	done.Notice = "users.created"
	c.showUsers(g, done, http.StatusOK)
}

func (c *Console) disableUser(g *gin.Context) {
	who, org, login := signedIn(g), g.Param("org"), g.Param("login")
	if !c.act(g, "/console/orgs/"+org+"/users", func(g *gin.Context) error {
		_, err := c.Service.SetUserDisabled(g.Request.Context(), who.Org, who.User, org, login, true)
		return err
	}) {
		return
	}
	p := c.newPage(g, "users.title")
	p.Notice = "users.disabled.done"
	c.showUsers(g, p, http.StatusOK)
}

func (c *Console) resetPassword(g *gin.Context) {
	who, org, login := signedIn(g), g.Param("org"), g.Param("login")
	var password string
	if !c.act(g, "/console/orgs/"+org+"/users", func(g *gin.Context) error {
		var err error
		_, password, err = c.Service.ResetPassword(g.Request.Context(), who.Org, who.User, org, login, "")
		return err
	}) {
		return
	}
	p := c.newPage(g, "users.title")
	p.Secret, p.SecretKey = password, "users.reset.done"
	c.showUsers(g, p, http.StatusOK)
}

func (c *Console) orgsPage(g *gin.Context) {
	c.showOrgs(g, c.newPage(g, "orgs.title"), http.StatusOK)
}

func (c *Console) showOrgs(g *gin.Context, p *page, status int) {
	if err := requireAdmin(signedIn(g)); err != nil {
		c.fail(g, err)
		return
	}
	orgs, err := c.Store.Orgs(g.Request.Context())
	if err != nil {
		c.fail(g, err)
		return
	}
	p.Data, p.Roles = orgs, trace.Roles
	c.render(g, status, "orgs", p)
}

// requireAdmin keeps the organization list to the service's admins, as the
// API's GET /orgs does.
func requireAdmin(who trace.SignedIn) error {
	if !who.Org.Has(trace.RoleAdmin) {
		return trace.Errorf(trace.EFORBIDDEN, "only admins may list organizations")
	}
	return nil
}

func (c *Console) createOrg(g *gin.Context) {
	who := signedIn(g)
	p := c.newPage(g, "orgs.title")
	keep(g, p, "id", "name", "region", "roles")
	o := trace.Org{ID: p.Values["id"], Name: p.Values["name"], Region: p.Values["region"], Roles: p.Multi["roles"]}
	dup, err := c.once(g, "/console/orgs", func(g *gin.Context) error {
		_, err := c.Service.CreateOrg(g.Request.Context(), who.Org, o)
		return err
	})
	switch {
	case dup:
		return
	case trace.ErrorCode(err) == trace.ECONFLICT:
		setError(p, "id", "err.id")
		c.showOrgs(g, p, http.StatusConflict)
	case err != nil && showFieldError(p, err, nil):
		c.showOrgs(g, p, http.StatusUnprocessableEntity)
	case err != nil:
		c.fail(g, err)
	default:
		redirect(g, "/console/orgs")
	}
}

type keysData struct {
	Base string
	Keys []trace.APIKey
}

func (c *Console) keysPage(g *gin.Context) {
	c.showKeys(g, c.newPage(g, "keys.title"))
}

func (c *Console) showKeys(g *gin.Context, p *page) {
	who, org := signedIn(g), g.Param("org")
	keys, err := c.Service.APIKeys(g.Request.Context(), who.Org, org)
	if err != nil {
		c.fail(g, err)
		return
	}
	p.Subtitle, p.Data = org, keysData{Base: "/console/orgs/" + org + "/keys", Keys: keys}
	c.render(g, http.StatusOK, "keys", p)
}

func (c *Console) createKey(g *gin.Context) {
	who, org := signedIn(g), g.Param("org")
	var secret string
	if !c.act(g, "/console/orgs/"+org+"/keys", func(g *gin.Context) error {
		var err error
		_, secret, err = c.Service.CreateAPIKey(g.Request.Context(), who.Org, org)
		return err
	}) {
		return
	}
	p := c.newPage(g, "keys.title")
	p.Secret, p.SecretKey = secret, "keys.secret.once"
	c.showKeys(g, p)
}

func (c *Console) revokeKey(g *gin.Context) {
	who, org := signedIn(g), g.Param("org")
	if !c.act(g, "/console/orgs/"+org+"/keys", func(g *gin.Context) error {
		_, err := c.Service.RevokeAPIKey(g.Request.Context(), who.Org, org, g.Param("key"))
		return err
	}) {
		return
	}
	redirect(g, "/console/orgs/"+org+"/keys")
}
