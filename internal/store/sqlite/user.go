package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
)

// Secrets (the password hash, the session token hash) are columns of their
// own: the JSON documents leave them out, so no listing can leak them.

// CreateUser implements trace.Store.
func (s *Store) CreateUser(ctx context.Context, u trace.User) error {
	return s.insert(ctx, trace.Errorf(trace.ECONFLICT, "user %s already exists", u.Login), "user "+u.Login,
		`INSERT INTO users (login, org, password_hash, doc) VALUES (?, ?, ?, ?)`, u.Login, u.Org, u.PasswordHash, mustJSON(u))
}

// User implements trace.Store.
func (s *Store) User(ctx context.Context, login string) (trace.User, error) {
	us, err := s.users(ctx, `WHERE login = ?`, login)
	if err != nil {
		return trace.User{}, err
	}
	if len(us) == 0 {
		return trace.User{}, trace.Errorf(trace.ENOTFOUND, "user %s not found", login)
	}
	return us[0], nil
}

// Users implements trace.Store.
func (s *Store) Users(ctx context.Context, org string) ([]trace.User, error) {
	return s.users(ctx, `WHERE org = ? ORDER BY login`, org)
}

func (s *Store) users(ctx context.Context, where string, args ...any) ([]trace.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT password_hash, doc FROM users `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read users: %w", err)
	}
	defer rows.Close()
	out := []trace.User{}
	for rows.Next() {
		var hash, doc string
		var u trace.User
		if err := rows.Scan(&hash, &doc); err != nil {
			return nil, fmt.Errorf("sqlite: read users: %w", err)
		}
		if err := json.Unmarshal([]byte(doc), &u); err != nil {
			return nil, fmt.Errorf("sqlite: decode user: %w", err)
		}
		u.PasswordHash = hash
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read users: %w", err)
	}
	return out, nil
}

// UpdateUser implements trace.Store.
func (s *Store) UpdateUser(ctx context.Context, u trace.User) error {
	return s.replace(ctx, "user "+u.Login, `UPDATE users SET password_hash = ?, doc = ? WHERE login = ?`, u.PasswordHash, mustJSON(u), u.Login)
}

// CreateSession implements trace.Store.
func (s *Store) CreateSession(ctx context.Context, ss trace.Session) error {
	return s.insert(ctx, trace.Errorf(trace.ECONFLICT, "session already exists"), "session for "+ss.User,
		`INSERT INTO sessions (hash, user, doc) VALUES (?, ?, ?)`, ss.Hash, ss.User, mustJSON(ss))
}

// Session implements trace.Store.
func (s *Store) Session(ctx context.Context, hash string) (trace.Session, error) {
	var doc string
	err := s.read.QueryRowContext(ctx, qSession, hash).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return trace.Session{}, trace.Errorf(trace.ENOTFOUND, "session not found")
	}
	if err != nil {
		return trace.Session{}, fmt.Errorf("sqlite: read session: %w", err)
	}
	var ss trace.Session
	if err := json.Unmarshal([]byte(doc), &ss); err != nil {
		return trace.Session{}, fmt.Errorf("sqlite: decode session: %w", err)
	}
	ss.Hash = hash
	return ss, nil
}

// UpdateSession implements trace.Store.
func (s *Store) UpdateSession(ctx context.Context, ss trace.Session) error {
	return s.replace(ctx, "session of "+ss.User, wUpdateSess, mustJSON(ss), ss.Hash)
}

// DeleteSession implements trace.Store.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.write(ctx, `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

// DeleteSessions implements trace.Store.
func (s *Store) DeleteSessions(ctx context.Context, login string) error {
	if _, err := s.write(ctx, `DELETE FROM sessions WHERE user = ?`, login); err != nil {
		return fmt.Errorf("sqlite: delete sessions of %s: %w", login, err)
	}
	return nil
}
