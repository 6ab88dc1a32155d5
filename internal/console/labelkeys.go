package console

import (
	"net/http"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// The label keys page: the keys that sign QR labels with their status and
// dates, and a rotation that the running service applies at once (see
// label.Keyring.RotateSaved; other instances sharing the ring through the
// store follow within their refresh interval). Retiring and revoking stay on
// the command line (agritrace admin label-key), where a second person can
// check the id.

// mayManageLabelKeys refuses all but the user admins of the system
// administrator's organization: a label key decides which bottles scan as
// genuine.
func mayManageLabelKeys(who trace.SignedIn) error {
	if !who.Org.Has(trace.RoleAdmin) || who.User.Role != trace.UserAdmin {
		return trace.Errorf(trace.EFORBIDDEN, "only the system administrator's user admins manage label keys")
	}
	return nil
}

func (c *Console) labelKeysPage(g *gin.Context) {
	p := c.newPage(g, "lk.title")
	if g.Query("done") == "rotate" {
		p.Notice = "lk.done"
	}
	c.showLabelKeys(g, p, http.StatusOK)
}

func (c *Console) showLabelKeys(g *gin.Context, p *page, status int) {
	if err := mayManageLabelKeys(signedIn(g)); err != nil {
		c.fail(g, err)
		return
	}
	p.Data = c.Keys.Public().Keys
	c.render(g, status, "labelkeys", p)
}

// rotateLabelKey makes a fresh key sign new labels from now on; the older
// keys stay, so printed labels still verify.
func (c *Console) rotateLabelKey(g *gin.Context) {
	who := signedIn(g)
	if err := mayManageLabelKeys(who); err != nil {
		c.fail(g, err)
		return
	}
	to := "/console/labelkeys?done=rotate"
	ok := c.act(g, to, func(*gin.Context) error {
		k, err := c.Keys.RotateSaved(g.Request.Context())
		if err == nil {
			c.Log.InfoContext(g.Request.Context(), "console: label key rotated", "key", k.ID, "person", who.User.Login, "org", who.Org.ID)
		}
		return err
	})
	if ok {
		redirect(g, to)
	}
}
