package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"
)

// RequestIDHeader carries a request's ID in and out: a caller (or a proxy
// in front) may name the request, and every answer says which ID it was
// logged under.
const RequestIDHeader = "X-Request-ID"

// maxRequestID bounds an incoming ID: longer or oddly spelt ones are
// replaced, so that a client cannot bloat or forge log lines.
const maxRequestID = 128

type requestIDKey struct{}

// RequestID returns the ID of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// validRequestID accepts 1 to maxRequestID characters from the set UUIDs,
// trace IDs and base64 use; nothing that could break a log line.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '=':
		default:
			return false
		}
	}
	return true
}

// requestID names the request (its own X-Request-ID if well formed, else a
// new random one), puts the name in the request's context for the logger,
// and sends it back before any handler can answer, errors and panics too.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader(RequestIDHeader)
	if !validRequestID(id) {
		b := make([]byte, 16)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Header(RequestIDHeader, id)
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey{}, id))
	c.Next()
}

// observe reports each answered request to the metrics by route template.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.Metrics.ObserveRequest(c.Request.Method, c.FullPath(), c.Writer.Status(), time.Since(start))
}

// requestIDs is a slog handler that adds request_id to every record logged
// with a request's context.
type requestIDs struct{ slog.Handler }

// WithRequestIDs returns log, adding to each line logged with a request's
// context (the *Context methods) the request's ID.
func WithRequestIDs(log *slog.Logger) *slog.Logger {
	if _, ok := log.Handler().(requestIDs); ok {
		return log
	}
	return slog.New(requestIDs{log.Handler()})
}

func (h requestIDs) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDs{h.Handler.WithAttrs(attrs)}
}

func (h requestIDs) WithGroup(name string) slog.Handler {
	return requestIDs{h.Handler.WithGroup(name)}
}
