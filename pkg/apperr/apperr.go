// Package apperr carries business errors from domain code to the transports
// without the domain knowing about HTTP. A transport maps the Kind to a status
// in one place (see httpx.ErrorEncoder).
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	// KindInternal is a fault of ours; the caller may retry later.
	KindInternal Kind = iota
	// KindMalformed means the request could not be parsed.
	KindMalformed
	// KindInvalid means a value broke a rule (a field is usually named).
	KindInvalid
	// KindNotFound means the addressed entity does not exist.
	KindNotFound
	// KindConflict means the request clashes with the current state.
	KindConflict
	// KindTooLarge means the request body exceeds the limit.
	KindTooLarge
	// KindUnsupportedMediaType means the body is not in an accepted format.
	KindUnsupportedMediaType
	// KindUnauthenticated means the caller did not prove who they are.
	KindUnauthenticated
	// KindForbidden means the caller is known but may not do this.
	KindForbidden
)

// Error is a business error with a stable machine-readable code.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Field   string
	Err     error
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid reports a value that breaks a rule.
func Invalid(field, code, message string) *Error {
	return &Error{Kind: KindInvalid, Code: code, Message: message, Field: field}
}

// NotFound reports a missing entity.
func NotFound(code, message string) *Error {
	return &Error{Kind: KindNotFound, Code: code, Message: message}
}

// Conflict reports a clash with the current state.
func Conflict(code, message string) *Error {
	return &Error{Kind: KindConflict, Code: code, Message: message}
}

// Malformed reports an unparseable request.
func Malformed(code, message string) *Error {
	return &Error{Kind: KindMalformed, Code: code, Message: message}
}

// Unauthenticated reports a request without a valid identity.
func Unauthenticated(code, message string) *Error {
	return &Error{Kind: KindUnauthenticated, Code: code, Message: message}
}

// Forbidden reports a request its caller may not make.
func Forbidden(code, message string) *Error {
	return &Error{Kind: KindForbidden, Code: code, Message: message}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// KindOf returns the Kind of err, KindInternal when it carries none.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return KindInternal
}
