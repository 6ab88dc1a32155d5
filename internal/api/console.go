package api

import (
	"cmp"
	"time"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/console"
	"github.com/gin-gonic/gin"
)

// mountConsole serves the people's console under /console/ on the same
// services. Sign-in attempts are limited per client address on top of the
// per-user lock-out, so one address cannot cycle through many logins.
func (s *Server) mountConsole(r *gin.Engine) {
	every, burst := cmp.Or(s.SignInEvery, 6*time.Second), cmp.Or(s.SignInBurst, 20)
	signIns := newLimiter(config.Rate{N: burst, Per: every * time.Duration(burst)})
	(&console.Console{
		Service: s.Service, Store: s.Store, Log: s.Log, AllowSignIn: signIns.allow, Committed: s.committed,
		Divisions: s.Divisions, Printer: s.Printer, BaseURL: func() string { return s.BaseURL },
		Verifier: s.Verifier, PDFFont: s.PDFFont, Keys: s.Keys,
	}).Mount(r)
}
