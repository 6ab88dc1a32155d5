package api

import (
	"errors"
	"net/http"

	"github.com/agritrace/agritrace/internal/epcis"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// statuses is the one place error codes become HTTP statuses.
var statuses = map[string]int{
	trace.EINVALID:       http.StatusBadRequest,
	trace.EUNPROCESSABLE: http.StatusUnprocessableEntity,
	trace.ENOTFOUND:      http.StatusNotFound,
	trace.ECONFLICT:      http.StatusConflict,
	trace.EUNAUTHORIZED:  http.StatusUnauthorized,
	trace.EFORBIDDEN:     http.StatusForbidden,
	trace.EINTERNAL:      http.StatusInternalServerError,
	trace.EFULL:          http.StatusInsufficientStorage,
	trace.EUNSUPPORTED:   http.StatusUnsupportedMediaType,
	trace.EUNAVAILABLE:   http.StatusServiceUnavailable,
}

// retryAfter is the Retry-After, in seconds, of a write that could not run
// now: a lock another process holds is short.
const retryAfter = "1"

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// fail writes err as JSON with its status, logging internal errors (whose
// details never reach the client).
func (s *Server) fail(c *gin.Context, err error) {
	if errors.Is(err, trace.ErrReplayExists) {
		s.duplicate(c)
		return
	}
	code := trace.ErrorCode(err)
	if code == trace.EINTERNAL {
		s.Log.ErrorContext(c.Request.Context(), "internal error", "err", err, "method", c.Request.Method, "path", c.Request.URL.Path)
	}
	if code == trace.EUNAVAILABLE {
		c.Header("Retry-After", retryAfter)
	}
	c.AbortWithStatusJSON(statuses[code], errorBody{Error: errorDetail{Code: code, Message: trace.ErrorMessage(err), Field: trace.ErrorField(err)}})
}

// problem is an error of the EPCIS interface, an RFC 7807 problem with the
// exception types of the EPCIS 2.0 REST binding.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
}

// EPCIS exception types, by what went wrong.
const (
	exValidation = "epcisException:ValidationException"
	exQuery      = "epcisException:QueryParameterException"
)

var exceptions = map[string]string{
	trace.ENOTFOUND:     "epcisException:NoSuchResourceException",
	trace.EUNAUTHORIZED: "epcisException:SecurityException",
	trace.EFORBIDDEN:    "epcisException:SecurityException",
	trace.EINTERNAL:     "epcisException:ImplementationException",
	trace.EFULL:         "epcisException:ImplementationException",
	trace.EUNAVAILABLE:  "epcisException:ImplementationException",
}

// problemOf is err as an EPCIS problem; invalid is the exception type of an
// invalid request (a query's or a capture's).
func problemOf(err error, invalid string) problem {
	code := trace.ErrorCode(err)
	typ, ok := exceptions[code]
	if !ok {
		typ = invalid
	}
	msg := trace.ErrorMessage(err)
	if code == trace.EINTERNAL {
		msg = "internal error"
	}
	return problem{Type: typ, Title: msg, Status: statuses[code], Detail: trace.ErrorField(err)}
}

// epcisFail writes err as the EPCIS interface answers errors.
func (s *Server) epcisFail(c *gin.Context, err error) {
	if errors.Is(err, epcis.ErrCaptureLimit) {
		c.Header("Content-Type", "application/problem+json")
		c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, problem{Type: "epcisException:CaptureLimitExceededException", Title: err.Error(), Status: http.StatusRequestEntityTooLarge})
		return
	}
	if trace.ErrorCode(err) == trace.EINTERNAL {
		s.Log.Error("internal error", "err", err, "method", c.Request.Method, "path", c.Request.URL.Path)
	}
	invalid := exQuery
	if c.Request.Method == http.MethodPost {
		invalid = exValidation
	}
	p := problemOf(err, invalid)
	if trace.ErrorCode(err) == trace.EUNAVAILABLE {
		c.Header("Retry-After", retryAfter)
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}

// bind decodes a JSON body strictly: unknown fields and trailing data are
// errors, so a misspelt field is reported rather than silently ignored.
func bind(c *gin.Context, v any) error { return decode(c, v, maxBody) }

// decode is bind for a body of up to limit bytes.
func decode(c *gin.Context, v any, limit int64) error {
	b, err := jsonBody(c, limit, "application/json")
	if err != nil {
		return err
	}
	return decodeStrict(b, v)
}

// maxBody bounds a request body; the largest legitimate one, a sale of a few
// thousand serials, is far smaller.
const maxBody = 1 << 20
