// Package httpx holds the HTTP plumbing every Tuijin service shares: the
// contract's error shape, strict JSON decoding, and the operational server.
package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// ErrorBody is the contract's error shape:
// {"error": {"code": "...", "message": "...", "field": "..."}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inner object of ErrorBody.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// StatusOf maps an error to its HTTP status. It is the single place where
// business error kinds become statuses.
func StatusOf(err error) int {
	switch apperr.KindOf(err) {
	case apperr.KindMalformed:
		return http.StatusBadRequest
	case apperr.KindInvalid:
		return http.StatusUnprocessableEntity
	case apperr.KindNotFound:
		return http.StatusNotFound
	case apperr.KindConflict:
		return http.StatusConflict
	case apperr.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.KindUnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	case apperr.KindUnauthenticated:
		return http.StatusUnauthorized
	case apperr.KindForbidden:
		return http.StatusForbidden
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusServiceUnavailable
	}
	// A request's context is cancelled when its client hangs up (the
	// server's shutdown lets requests finish): nobody is left to answer.
	if errors.Is(err, context.Canceled) {
		return StatusClientClosedRequest
	}
	return http.StatusInternalServerError
}

// StatusClientClosedRequest is recorded for a request whose client went
// away before the answer (nginx's 499): not the service's failure.
const StatusClientClosedRequest = 499

// ErrorEncoder writes err in the contract's shape. Internal errors are logged
// and their text is not leaked to the caller.
func ErrorEncoder(log *slog.Logger) func(ctx context.Context, err error, w http.ResponseWriter) {
	return func(ctx context.Context, err error, w http.ResponseWriter) {
		status := StatusOf(err)
		body := ErrorBody{Error: ErrorDetail{Code: "internal", Message: "internal error"}}
		e, isApp := apperr.As(err)
		switch {
		case isApp && status < 500:
			body.Error = ErrorDetail{Code: e.Code, Message: e.Message, Field: e.Field}
		case status == StatusClientClosedRequest:
			log.DebugContext(ctx, "client went away before the answer", "err", err)
			body.Error = ErrorDetail{Code: "client_closed_request", Message: "the client closed the request"}
		case status == http.StatusServiceUnavailable:
			log.WarnContext(ctx, "request ran out of time", "err", err)
			body.Error = ErrorDetail{Code: "timeout", Message: "the request took too long; retry later"}
		default:
			log.ErrorContext(ctx, "request failed", "err", err)
		}
		if status == http.StatusUnauthorized {
			// RFC 6750 §3: tell the client which scheme to use.
			w.Header().Set("WWW-Authenticate", `Bearer realm="tuijin"`)
		}
		WriteJSON(w, status, body)
	}
}

// EncodeJSON is the response encoder of every JSON endpoint answering 200
// (a go-kit EncodeResponseFunc).
func EncodeJSON(_ context.Context, w http.ResponseWriter, resp any) error {
	WriteJSON(w, http.StatusOK, resp)
	return nil
}

// EncodeJSONStatus is EncodeJSON answering status, e.g. 201 on creation.
func EncodeJSONStatus(status int) func(context.Context, http.ResponseWriter, any) error {
	return func(_ context.Context, w http.ResponseWriter, resp any) error {
		WriteJSON(w, status, resp)
		return nil
	}
}

// WriteJSON writes v as the contract's JSON content type.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
