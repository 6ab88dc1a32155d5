package trace

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// User roles within an organization. Two are enough: what a person may do to
// lots and complaints follows from the organization's roles (access.go); the
// only thing a person's role decides is whether they manage the
// organization's own users.
const (
	UserAdmin = "admin" // manages the organization's users
	UserStaff = "staff" // records and reads what the organization may
)

// UserRoles lists the roles a user can have.
var UserRoles = []string{UserAdmin, UserStaff}

// Password rules and the lock-out.
const (
	MinPassword = 10
	// MaxPassword is bcrypt's limit: it ignores every byte after the 72nd.
	MaxPassword = 72
	// PasswordCost is bcrypt's work factor: about 0.25 s per check on a
	// 2020 server core, slow enough to make a stolen table expensive to guess
	// through, fast enough for a sign-in.
	PasswordCost = 12
	MaxFailures  = 5
	LockOut      = 15 * time.Minute
)

// User is a person who signs in to the console on behalf of an organization.
// Login is unique across the service, so the sign-in form asks for nothing
// else; it is what records name as their person.
type User struct {
	Login        string `json:"login"`
	Org          string `json:"org"`
	Name         string `json:"name"`
	Phone        string `json:"phone,omitempty"`
	Role         string `json:"role"`
	PasswordHash string `json:"-"`
	Disabled     bool   `json:"disabled,omitempty"`
	// FailedAttempts counts wrong passwords since the last sign-in or
	// lock-out; at MaxFailures the user is locked until LockedUntil.
	FailedAttempts int       `json:"failedAttempts,omitempty"`
	LockedUntil    time.Time `json:"lockedUntil,omitzero"`
	CreatedBy      string    `json:"createdBy"`
	CreatedAt      time.Time `json:"createdAt"`
}

// UserInput is a user as an admin creates one. An empty Password asks for a
// generated one, returned once.
type UserInput struct {
	Org      string `json:"org"`
	Login    string `json:"login"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

var (
	loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)
	phonePattern = regexp.MustCompile(`^\+?[0-9 -]{5,20}$`)
)

// checkPassword enforces the password rules for login.
func checkPassword(login, password string) error {
	switch {
	case utf8.RuneCountInString(password) < MinPassword:
		return FieldErrorf(EINVALID, "password", "a password has at least %d characters", MinPassword)
	case len(password) > MaxPassword:
		return FieldErrorf(EINVALID, "password", "a password has at most %d bytes", MaxPassword)
	case strings.EqualFold(password, login):
		return FieldErrorf(EINVALID, "password", "the password must not be the login name")
	}
	return nil
}

func hashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), PasswordCost)
	if err != nil {
		return "", Errorf(EINTERNAL, "hash password: %v", err)
	}
	return string(h), nil
}

// GeneratePassword returns a random password that meets the rules: 16 hex
// digits, 64 bits, far beyond what the lock-out lets anyone guess.
func GeneratePassword() string { return randomToken(8) }

// mayManageUsers is the one rule for user accounts: the service's admins (an
// admin organization's API key, the command line, or a user-admin of an admin
// organization) manage anyone's users, an organization's own user-admins
// manage its users, and nobody else any.
func mayManageUsers(actor Org, person User, org string) error {
	byPerson := person.Login != ""
	if byPerson && person.Role != UserAdmin {
		return Errorf(EFORBIDDEN, "only a user admin may manage user accounts; %s is %s", person.Login, person.Role)
	}
	if actor.Has(RoleAdmin) || (byPerson && actor.ID == org && person.Org == org) {
		return nil
	}
	return Errorf(EFORBIDDEN, "only a user admin of %s or a service admin may manage its user accounts", org)
}

// CreateUser adds a user to an organization and returns it with its password,
// which is the one given or a generated one shown to the admin once.
func (s *Service) CreateUser(ctx context.Context, actor Org, person User, in UserInput) (User, string, error) {
	if err := mayManageUsers(actor, person, in.Org); err != nil {
		return User{}, "", err
	}
	o, err := s.Store.Org(ctx, in.Org)
	if ErrorCode(err) == ENOTFOUND {
		return User{}, "", FieldErrorf(ENOTFOUND, "org", "organization %s not found", in.Org)
	} else if err != nil {
		return User{}, "", err
	}
	if in.Role == "" {
		in.Role = UserStaff
	}
	switch {
	case !loginPattern.MatchString(in.Login):
		return User{}, "", FieldErrorf(EINVALID, "login", "a login is 2-64 lowercase letters, digits, dots, dashes or underscores")
	case strings.TrimSpace(in.Name) == "":
		return User{}, "", FieldErrorf(EINVALID, "name", "the person's name is required")
	case in.Phone != "" && !phonePattern.MatchString(in.Phone):
		return User{}, "", FieldErrorf(EINVALID, "phone", "a phone number is digits, spaces, dashes and an optional leading +")
	case !slices.Contains(UserRoles, in.Role):
		return User{}, "", FieldErrorf(EINVALID, "role", "role must be one of %s", strings.Join(UserRoles, ", "))
	}
	if in.Password == "" {
		in.Password = GeneratePassword()
	}
	if err := checkPassword(in.Login, in.Password); err != nil {
		return User{}, "", err
	}
	h, err := hashPassword(in.Password)
	if err != nil {
		return User{}, "", err
	}
	u := User{
		Login: in.Login, Org: o.ID, Name: strings.TrimSpace(in.Name), Phone: in.Phone, Role: in.Role,
		PasswordHash: h, CreatedBy: by(actor, person), CreatedAt: Now(s.Now()),
	}
	if err := s.Store.CreateUser(ctx, u); ErrorCode(err) == ECONFLICT {
		return User{}, "", FieldErrorf(ECONFLICT, "login", "login %s is taken", in.Login)
	} else if err != nil {
		return User{}, "", err
	}
	return u, in.Password, nil
}

// by names who acted: the person when there is one, else the organization.
func by(actor Org, person User) string {
	if person.Login != "" {
		return person.Login
	}
	return actor.ID
}

// Users lists an organization's users, for those who may manage them.
func (s *Service) Users(ctx context.Context, actor Org, person User, org string) ([]User, error) {
	if err := mayManageUsers(actor, person, org); err != nil {
		return nil, err
	}
	if _, err := s.Store.Org(ctx, org); err != nil {
		return nil, err
	}
	return s.Store.Users(ctx, org)
}

// managed reads a user of org that actor may manage.
func (s *Service) managed(ctx context.Context, actor Org, person User, org, login string) (User, error) {
	if err := mayManageUsers(actor, person, org); err != nil {
		return User{}, err
	}
	u, err := s.Store.User(ctx, login)
	if err == nil && u.Org != org {
		err = Errorf(ENOTFOUND, "%s has no user %s", org, login)
	}
	return u, err
}

// SetUserDisabled disables a user, or enables one again, and ends their
// sessions. Nobody disables themselves, so an organization keeps an admin.
func (s *Service) SetUserDisabled(ctx context.Context, actor Org, person User, org, login string, disabled bool) (User, error) {
	u, err := s.managed(ctx, actor, person, org, login)
	if err != nil {
		return User{}, err
	}
	if login == person.Login {
		return User{}, Errorf(EUNPROCESSABLE, "%s cannot disable or enable itself", login)
	}
	u.Disabled = disabled
	if err := s.Store.UpdateUser(ctx, u); err != nil {
		return User{}, err
	}
	return u, s.Store.DeleteSessions(ctx, login)
}

// ResetPassword sets a user's password (generated when empty, and returned
// once), lifts a lock-out and ends the user's sessions.
func (s *Service) ResetPassword(ctx context.Context, actor Org, person User, org, login, password string) (User, string, error) {
	u, err := s.managed(ctx, actor, person, org, login)
	if err != nil {
		return User{}, "", err
	}
	if password == "" {
		password = GeneratePassword()
	}
	return s.setPassword(ctx, u, password)
}

// ChangePassword is a signed-in user changing their own password: the
// current one is asked again, so a session left open cannot be taken over.
func (s *Service) ChangePassword(ctx context.Context, u User, current, password string) error {
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		return FieldErrorf(EUNPROCESSABLE, "current", "the current password is wrong")
	}
	_, _, err := s.setPassword(ctx, u, password)
	return err
}

func (s *Service) setPassword(ctx context.Context, u User, password string) (User, string, error) {
	if err := checkPassword(u.Login, password); err != nil {
		return User{}, "", err
	}
	h, err := hashPassword(password)
	if err != nil {
		return User{}, "", err
	}
	u.PasswordHash, u.FailedAttempts, u.LockedUntil = h, 0, time.Time{}
	if err := s.Store.UpdateUser(ctx, u); err != nil {
		return User{}, "", err
	}
	return u, password, s.Store.DeleteSessions(ctx, u.Login)
}
