package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// DefaultMaxBody is the body limit of JSON endpoints (64 KiB): a registration
// or request is a few hundred bytes; anything near the limit is a mistake.
const DefaultMaxBody = 64 << 10

// DecodeJSON decodes the request body into dst strictly: the content type must
// be JSON, the body at most maxBytes, unknown fields and trailing data are
// refused. Every failure is an *apperr.Error the error encoder understands.
func DecodeJSON(r *http.Request, dst any, maxBytes int64) error {
	if err := RequireMediaType(r, "application/json"); err != nil {
		return err
	}
	body := http.MaxBytesReader(nil, r.Body, maxBytes)
	dec := json.NewDecoder(body)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return decodeError(err)
	}
	// null decodes into anything without a word and would leave dst empty:
	// an agenda wiped, minutes without decisions.
	if string(raw) == "null" {
		return apperr.Malformed("malformed_json", "the body must be a JSON object, not null")
	}
	strict := json.NewDecoder(bytes.NewReader(raw))
	strict.DisallowUnknownFields()
	if err := strict.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err)
		}
		return apperr.Malformed("malformed_json", "the body must hold exactly one JSON object")
	}
	return nil
}

// RequireMediaType refuses a request whose Content-Type is not want.
func RequireMediaType(r *http.Request, want ...string) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		for _, w := range want {
			if strings.EqualFold(mt, w) {
				return nil
			}
		}
	}
	return &apperr.Error{
		Kind:    apperr.KindUnsupportedMediaType,
		Code:    "unsupported_media_type",
		Message: fmt.Sprintf("Content-Type must be %s, got %q", strings.Join(want, " or "), ct),
	}
}

func decodeError(err error) error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return &apperr.Error{Kind: apperr.KindTooLarge, Code: "body_too_large",
			Message: fmt.Sprintf("the body exceeds %d bytes", mbe.Limit)}
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apperr.Malformed("malformed_json", "the body is not valid JSON")
	case errors.As(err, &ute):
		return &apperr.Error{Kind: apperr.KindMalformed, Code: "wrong_type",
			Message: fmt.Sprintf("field %q must be a %s", ute.Field, ute.Type), Field: ute.Field}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apperr.Error{Kind: apperr.KindMalformed, Code: "unknown_field",
			Message: fmt.Sprintf("unknown field %q", field), Field: field}
	}
	return apperr.Malformed("malformed_json", "the body is not valid JSON")
}
