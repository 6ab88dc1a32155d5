package trace

import (
	"context"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Session lifetimes: a clerk at a weighing scale is idle between farmers for
// far less than two hours, and a working day fits in twelve.
const (
	SessionIdle     = 2 * time.Hour
	SessionLifetime = 12 * time.Hour
	// sessionTouch is how stale LastSeen may get before a request writes it
	// again, so that reading pages does not write on every click.
	sessionTouch = time.Minute
)

// Session is a signed-in browser. Only the SHA-256 of its token is kept, as
// for API keys: the token is 256-bit random, so a slow hash adds nothing, and
// a copy of the database signs nobody in. CSRF is the session's form token.
type Session struct {
	Hash      string    `json:"-"`
	User      string    `json:"user"`
	Org       string    `json:"org"`
	CSRF      string    `json:"csrf"`
	CreatedAt time.Time `json:"createdAt"`
	LastSeen  time.Time `json:"lastSeen"`
}

// SignedIn is who a session stands for.
type SignedIn struct {
	Session Session
	User    User
	Org     Org
}

// errSignIn is the one answer to a failed sign-in: an unknown login, a wrong
// password, a locked or disabled account look the same from outside, so the
// form cannot be used to find out which logins exist.
var errSignIn = Errorf(EUNAUTHORIZED, "wrong login or password")

// dummyHash is compared against when the login is unknown, so that an unknown
// login takes as long to refuse as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password of anyone"), PasswordCost)

// SignIn checks a login and password and opens a session, returning the token
// for the cookie. After MaxFailures wrong passwords in a row the user is
// locked out for LockOut, right password or not.
func (s *Service) SignIn(ctx context.Context, login, password string) (string, SignedIn, error) {
	u, err := s.Store.User(ctx, login)
	if ErrorCode(err) == ENOTFOUND {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return "", SignedIn{}, errSignIn
	} else if err != nil {
		return "", SignedIn{}, err
	}
	now := Now(s.Now())
	if now.Before(u.LockedUntil) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return "", SignedIn{}, errSignIn
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		u.FailedAttempts++
		if u.FailedAttempts >= MaxFailures {
			u.FailedAttempts, u.LockedUntil = 0, now.Add(LockOut)
		}
		if err := s.Store.UpdateUser(ctx, u); err != nil {
			return "", SignedIn{}, err
		}
		return "", SignedIn{}, errSignIn
	}
	o, err := s.Store.Org(ctx, u.Org)
	if err != nil {
		return "", SignedIn{}, err
	}
	if u.Disabled || o.Disabled {
		return "", SignedIn{}, errSignIn
	}
	if u.FailedAttempts != 0 || !u.LockedUntil.IsZero() {
		u.FailedAttempts, u.LockedUntil = 0, time.Time{}
		if err := s.Store.UpdateUser(ctx, u); err != nil {
			return "", SignedIn{}, err
		}
	}
	token := randomToken(32)
	ss := Session{Hash: HashAPIKey(token), User: u.Login, Org: u.Org, CSRF: randomToken(32), CreatedAt: now, LastSeen: now}
	if err := s.Store.CreateSession(ctx, ss); err != nil {
		return "", SignedIn{}, err
	}
	return token, SignedIn{Session: ss, User: u, Org: o}, nil
}

// SessionFor returns who the session with token stands for, or EUNAUTHORIZED
// when there is none, it expired (idle or absolute), or its user or
// organization was disabled since.
func (s *Service) SessionFor(ctx context.Context, token string) (SignedIn, error) {
	ss, err := s.Store.Session(ctx, HashAPIKey(token))
	if ErrorCode(err) == ENOTFOUND {
		return SignedIn{}, Errorf(EUNAUTHORIZED, "not signed in")
	} else if err != nil {
		return SignedIn{}, err
	}
	now := Now(s.Now())
	idle, lifetime := s.sessionLimits()
	if now.Sub(ss.LastSeen) > idle || now.Sub(ss.CreatedAt) > lifetime {
		if err := s.Store.DeleteSession(ctx, ss.Hash); err != nil {
			return SignedIn{}, err
		}
		return SignedIn{}, Errorf(EUNAUTHORIZED, "the session expired; sign in again")
	}
	u, err := s.Store.User(ctx, ss.User)
	if err != nil {
		return SignedIn{}, err
	}
	o, err := s.Store.Org(ctx, u.Org)
	if err != nil {
		return SignedIn{}, err
	}
	if u.Disabled || o.Disabled {
		return SignedIn{}, Errorf(EUNAUTHORIZED, "the account is disabled")
	}
	if now.Sub(ss.LastSeen) > sessionTouch {
		ss.LastSeen = now
		if err := s.Store.UpdateSession(ctx, ss); err != nil {
			return SignedIn{}, err
		}
	}
	return SignedIn{Session: ss, User: u, Org: o}, nil
}

// SignOut ends the session with token; signing out twice is harmless.
func (s *Service) SignOut(ctx context.Context, token string) error {
	return s.Store.DeleteSession(ctx, HashAPIKey(token))
}

func (s *Service) sessionLimits() (idle, lifetime time.Duration) {
	idle, lifetime = SessionIdle, SessionLifetime
	if s.SessionIdle > 0 {
		idle = s.SessionIdle
	}
	if s.SessionLifetime > 0 {
		lifetime = s.SessionLifetime
	}
	return idle, lifetime
}
