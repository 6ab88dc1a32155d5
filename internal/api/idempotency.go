package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// Idempotency-Key handling. A client that lost the answer to a POST sends it
// again with the same key; the first answer is replayed and nothing is
// recorded twice. Keys are scoped to the authenticated organization, and
// anonymous complaints share the scope "public": a replay there needs the
// same key and the same body, and returns only what that body produced.

const (
	idempotencyHeader = "Idempotency-Key"
	publicScope       = "public"
	retryCtxKey       = "retry"
	bodyCtxKey        = "body"
)

// idempotent makes a POST with an Idempotency-Key answer as its first try did.
// Writes that commit a trace.Change store their answer in the same commit
// (see answer); others store it right after answering.
func (s *Server) idempotent(limit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		keys, sent := c.Request.Header[http.CanonicalHeaderKey(idempotencyHeader)]
		if c.Request.Method != http.MethodPost || !sent {
			c.Next()
			return
		}
		if len(keys) != 1 || !validKey(keys[0]) {
			s.fail(c, trace.Errorf(trace.EINVALID, "%s must be one value of 1 to 128 visible ASCII characters", idempotencyHeader))
			return
		}
		scope := publicScope
		if org, ok := c.Get(orgKey); ok {
			scope = org.(trace.Org).ID
		} else if org, ok, err := s.bearer(c); err != nil {
			s.fail(c, err)
			return
		} else if ok {
			scope = org.ID
		}
		b, err := body(c, limit)
		if err != nil {
			s.fail(c, err)
			return
		}
		sum := sha256.Sum256(fmt.Appendf(nil, "%s %s\n%s", c.Request.Method, c.Request.URL.Path, b))
		r := &trace.Retry{Scope: scope, Key: keys[0], Request: hex.EncodeToString(sum[:])}
		if s.replay(c, r) {
			return
		}
		c.Set(retryCtxKey, r)
		c.Request = c.Request.WithContext(trace.WithRetry(c.Request.Context(), r))
		w := &capture{ResponseWriter: c.Writer}
		c.Writer = w
		c.Next()
		if r.Answer != nil || w.Status() < 200 || w.Status() > 299 {
			return // stored with the write, or nothing was recorded
		}
		// Not a Change: the answer is stored after the write, and a crash in
		// between loses it (see README, Retries).
		err = s.Store.SaveReplay(c.Request.Context(), trace.Replay{
			Scope: r.Scope, Key: r.Key, Request: r.Request, Status: w.Status(), Body: w.buf.Bytes(),
			CreatedAt: trace.Now(s.Service.Now()), ExpiresAt: trace.Now(s.Service.Now()).Add(trace.ReplayTTL),
		})
		if err != nil {
			s.Log.ErrorContext(c.Request.Context(), "idempotency answer not stored", "err", err, "path", c.Request.URL.Path, "key", r.Key)
		}
	}
}

// replay answers c from a stored, unexpired answer to r's key, if there is one.
func (s *Server) replay(c *gin.Context, r *trace.Retry) bool {
	old, err := s.Store.Replay(c.Request.Context(), r.Scope, r.Key)
	switch {
	case trace.ErrorCode(err) == trace.ENOTFOUND:
		return false
	case err != nil:
		s.fail(c, err)
		return true
	case !old.ExpiresAt.After(s.Service.Now()):
		return false
	case old.Request != r.Request:
		s.fail(c, trace.Errorf(trace.ECONFLICT, "%s %s was already used for a different request (method, path or body); use a new key for a new request", idempotencyHeader, r.Key))
		return true
	}
	c.Header("Idempotent-Replayed", "true")
	c.Data(old.Status, "application/json; charset=utf-8", old.Body)
	c.Abort()
	return true
}

// answer declares the reply a write's result gets, so that a Change commits
// it with the write; the handler then sends exactly those bytes.
func answer(c *gin.Context, status int, view func(result any) any) {
	v, ok := c.Get(retryCtxKey)
	if !ok {
		return
	}
	v.(*trace.Retry).Answer = func(result any) (int, []byte, error) {
		b, err := json.Marshal(view(result))
		return status, b, err
	}
}

// duplicate answers a write that lost the race to an identical one: with the
// winner's answer once it is visible, or asks for a retry while it is not.
func (s *Server) duplicate(c *gin.Context) {
	v, _ := c.Get(retryCtxKey)
	if r, ok := v.(*trace.Retry); ok && s.replay(c, r) {
		return
	}
	s.fail(c, trace.Errorf(trace.ECONFLICT, "a request with this %s is being recorded; retry it in a moment", idempotencyHeader))
}

func validKey(k string) bool {
	if len(k) < 1 || len(k) > 128 {
		return false
	}
	for i := range len(k) {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// body reads the request body once, up to limit bytes, for whoever needs it.
func body(c *gin.Context, limit int64) ([]byte, error) {
	if b, ok := c.Get(bodyCtxKey); ok {
		return b.([]byte), nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if mbe := new(http.MaxBytesError); errors.As(err, &mbe) {
		return nil, trace.Errorf(trace.EINVALID, "request body: larger than %d bytes", limit)
	}
	if err != nil {
		return nil, trace.Errorf(trace.EINVALID, "request body: %v", err)
	}
	c.Set(bodyCtxKey, b)
	c.Request.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

// capture keeps a copy of the answer it writes.
type capture struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (w *capture) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *capture) WriteString(s string) (int, error) {
	w.buf.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}
