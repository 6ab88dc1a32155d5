// Package trace is AgriTrace's domain: organizations, products, lots, their
// hash-chained custody events and unit labels, the rules that govern them, and
// the interfaces of the store and ledger they live in. It imports no driver.
package trace

import (
	"errors"
	"fmt"
)

// Error codes. The API maps each to one HTTP status; clients match on them.
const (
	EINVALID       = "invalid"       // malformed input
	EUNPROCESSABLE = "unprocessable" // well formed but breaks a rule
	ENOTFOUND      = "not_found"
	ECONFLICT      = "conflict"
	EUNAUTHORIZED  = "unauthorized"
	EFORBIDDEN     = "forbidden"
	EINTERNAL      = "internal"
	EFULL          = "storage_full" // the store's disk is full: nothing was written
	// EUNSUPPORTED is a body of a media type the endpoint does not take.
	EUNSUPPORTED = "unsupported_media_type"
	// EUNAVAILABLE is a write that could not run now and wrote nothing (the
	// database locked by another process); the same request may be retried.
	EUNAVAILABLE = "unavailable"
)

// Error is a domain error with a stable code, a message for people, and the
// input field at fault where there is one.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an *Error that names the input field at fault.
func FieldErrorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain and a
// generic message for any other error, so internal details never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the field named by the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
