package console

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// sameOrigin refuses a POST whose Origin (or, without one, Referer) names
// another site: the browser's own word on where a form came from, checked
// before the CSRF token. A request with neither (not a browser) still needs
// the token.
func (c *Console) sameOrigin(g *gin.Context) {
	if g.Request.Method != http.MethodPost {
		return
	}
	scheme := "http"
	if c.secure(g) {
		scheme = "https"
	}
	self := scheme + "://" + g.Request.Host
	from := g.GetHeader("Origin")
	if from == "" {
		if ref, err := url.Parse(g.GetHeader("Referer")); err == nil && ref.Host != "" {
			from = ref.Scheme + "://" + ref.Host
		}
	}
	if from != "" && from != self {
		c.refuseCSRF(g)
	}
}

// csrf refuses a POST that does not carry the session's form token: only a
// page the console rendered for this session has it.
func (c *Console) csrf(g *gin.Context) {
	if g.Request.Method != http.MethodPost {
		return
	}
	who := g.MustGet(whoKey).(trace.SignedIn)
	if subtle.ConstantTimeCompare([]byte(g.PostForm("csrf")), []byte(who.Session.CSRF)) != 1 {
		c.refuseCSRF(g)
	}
}

func (c *Console) refuseCSRF(g *gin.Context) {
	p := c.newPage(g, "error.title")
	p.Status, p.Failure = http.StatusForbidden, "error.csrf"
	c.render(g, http.StatusForbidden, "error", p)
	g.Abort()
}

// session lets through requests of a signed-in user, with the person in the
// context so that whatever they record names them; others go to the sign-in
// page, and come back where they were afterwards.
func (c *Console) session(g *gin.Context) {
	token, err := g.Cookie(sessionCookie)
	if err != nil || token == "" {
		redirect(g, "/console/signin?next="+url.QueryEscape(g.Request.URL.RequestURI()))
		return
	}
	who, err := c.Service.SessionFor(g.Request.Context(), token)
	if trace.ErrorCode(err) == trace.EUNAUTHORIZED {
		c.clearSession(g)
		redirect(g, "/console/signin?expired=1&next="+url.QueryEscape(g.Request.URL.RequestURI()))
		return
	} else if err != nil {
		c.fail(g, err)
		return
	}
	g.Set(whoKey, who)
	g.Request = g.Request.WithContext(trace.WithPerson(g.Request.Context(), who.User.Login))
}

func (c *Console) setSession(g *gin.Context, token string) {
	http.SetCookie(g.Writer, &http.Cookie{
		Name: sessionCookie, Value: token, Path: cookiePath,
		HttpOnly: true, Secure: c.secure(g), SameSite: http.SameSiteLaxMode,
	})
}

func (c *Console) clearSession(g *gin.Context) {
	http.SetCookie(g.Writer, &http.Cookie{
		Name: sessionCookie, Value: "", Path: cookiePath, MaxAge: -1,
		HttpOnly: true, Secure: c.secure(g), SameSite: http.SameSiteLaxMode,
	})
}

func (c *Console) signInPage(g *gin.Context) {
	p := c.newPage(g, "signin.title")
	p.Values["next"] = local(g.Query("next"))
	if g.Query("expired") != "" {
		p.Failure = "signin.expired"
	}
	if g.Query("changed") != "" {
		p.Notice = "account.done"
	}
	c.render(g, http.StatusOK, "signin", p)
}

// signIn answers an unknown login, a wrong password and a locked account
// alike; too many tries from one address are slowed down before any check.
func (c *Console) signIn(g *gin.Context) {
	p := c.newPage(g, "signin.title")
	keep(g, p, "login")
	p.Values["next"] = local(g.PostForm("next"))
	if c.AllowSignIn != nil && !c.AllowSignIn(g.ClientIP()) {
		p.Failure = "signin.slow"
		c.render(g, http.StatusTooManyRequests, "signin", p)
		return
	}
	token, _, err := c.Service.SignIn(g.Request.Context(), g.PostForm("login"), g.PostForm("password"))
	if trace.ErrorCode(err) == trace.EUNAUTHORIZED {
		p.Failure = "signin.failed"
		c.render(g, http.StatusUnauthorized, "signin", p)
		return
	} else if err != nil {
		c.fail(g, err)
		return
	}
	c.setSession(g, token)
	redirect(g, p.Values["next"])
}

func (c *Console) signOut(g *gin.Context) {
	token, _ := g.Cookie(sessionCookie)
	if err := c.Service.SignOut(g.Request.Context(), token); err != nil {
		c.fail(g, err)
		return
	}
	c.clearSession(g)
	redirect(g, "/console/signin")
}

func (c *Console) home(g *gin.Context) {
	c.render(g, http.StatusOK, "home", c.newPage(g, "home.title"))
}

func (c *Console) accountPage(g *gin.Context) {
	c.render(g, http.StatusOK, "account", c.newPage(g, "account.title"))
}

// changePassword ends every session of the user, this one too: whoever
// else held one is out, and the user signs in again with the new password.
func (c *Console) changePassword(g *gin.Context) {
	who := g.MustGet(whoKey).(trace.SignedIn)
	err := c.Service.ChangePassword(g.Request.Context(), who.User, g.PostForm("current"), g.PostForm("password"))
	if err != nil {
		p := c.newPage(g, "account.title")
		if !showFieldError(p, err, nil) {
			c.fail(g, err)
			return
		}
		c.render(g, http.StatusUnprocessableEntity, "account", p)
		return
	}
	c.clearSession(g)
	redirect(g, "/console/signin?changed=1")
}

// secure tells whether the browser reached the console over HTTPS: directly,
// or through a proxy that terminates TLS for the public URL the service was
// given, whose hop to us is plain HTTP. Cookies are then Secure, and a form's
// Origin is https.
func (c *Console) secure(g *gin.Context) bool {
	return g.Request.TLS != nil || (c.BaseURL != nil && strings.HasPrefix(c.BaseURL(), "https://"))
}
