package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Collections of people and their sessions. A user's _id is the login, a
// session's the hash of its token. The password hash is a field of its own,
// outside the JSON document, so no listing can leak it.
const (
	cUsers    = "users"
	cSessions = "sessions"
)

// secretDoc is a stored document with a secret beside its JSON.
type secretDoc struct {
	Secret string `bson:"secret"`
	Doc    string `bson:"doc"`
}

// CreateUser implements trace.Store.
func (s *Store) CreateUser(ctx context.Context, u trace.User) error {
	return s.insertOne(ctx, cUsers, bson.M{"_id": u.Login, "org": u.Org, "secret": u.PasswordHash, "doc": mustJSON(u)}, "user "+u.Login+" already exists")
}

// User implements trace.Store.
func (s *Store) User(ctx context.Context, login string) (trace.User, error) {
	us, err := s.users(ctx, bson.M{"_id": login})
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
	return s.users(ctx, bson.M{"org": org})
}

func (s *Store) users(ctx context.Context, filter bson.M) ([]trace.User, error) {
	cur, err := s.c(cUsers).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("mongo: find users: %w", err)
	}
	var docs []secretDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("mongo: read users: %w", err)
	}
	out := []trace.User{}
	for _, d := range docs {
		var u trace.User
		if err := json.Unmarshal([]byte(d.Doc), &u); err != nil {
			return nil, fmt.Errorf("mongo: decode user: %w", err)
		}
		u.PasswordHash = d.Secret
		out = append(out, u)
	}
	return out, nil
}

// UpdateUser implements trace.Store.
func (s *Store) UpdateUser(ctx context.Context, u trace.User) error {
	return s.replaceDoc(ctx, cUsers, u.Login, bson.M{"secret": u.PasswordHash, "doc": mustJSON(u)}, "user "+u.Login)
}

// CreateSession implements trace.Store.
func (s *Store) CreateSession(ctx context.Context, ss trace.Session) error {
	return s.insertOne(ctx, cSessions, bson.M{"_id": ss.Hash, "user": ss.User, "doc": mustJSON(ss)}, "session already exists")
}

// Session implements trace.Store.
func (s *Store) Session(ctx context.Context, hash string) (trace.Session, error) {
	var d secretDoc
	err := s.c(cSessions).FindOne(ctx, bson.M{"_id": hash}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return trace.Session{}, trace.Errorf(trace.ENOTFOUND, "session not found")
	}
	if err != nil {
		return trace.Session{}, fmt.Errorf("mongo: read session: %w", err)
	}
	var ss trace.Session
	if err := json.Unmarshal([]byte(d.Doc), &ss); err != nil {
		return trace.Session{}, fmt.Errorf("mongo: decode session: %w", err)
	}
	ss.Hash = hash
	return ss, nil
}

// UpdateSession implements trace.Store.
func (s *Store) UpdateSession(ctx context.Context, ss trace.Session) error {
	return s.replaceDoc(ctx, cSessions, ss.Hash, bson.M{"doc": mustJSON(ss)}, "session of "+ss.User)
}

// DeleteSession implements trace.Store.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.c(cSessions).DeleteOne(ctx, bson.M{"_id": hash}); err != nil {
		return fmt.Errorf("mongo: delete session: %w", err)
	}
	return nil
}

// DeleteSessions implements trace.Store.
func (s *Store) DeleteSessions(ctx context.Context, login string) error {
	if _, err := s.c(cSessions).DeleteMany(ctx, bson.M{"user": login}); err != nil {
		return fmt.Errorf("mongo: delete sessions of %s: %w", login, err)
	}
	return nil
}
