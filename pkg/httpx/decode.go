package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// DefaultMaxBody is the body limit of JSON endpoints (64 KiB): a registration
// or request is a few hundred bytes; anything near the limit is a mistake.
const DefaultMaxBody = 64 << 10

// DecodeJSON decodes the request body into dst strictly: the content type must
// be JSON, the body at most maxBytes, unknown fields and trailing data are
// refused, and so is a null anywhere in the body. Every failure is an
// *apperr.Error the error encoder understands, naming the field by its path
// in the body (decisions[0].department) where there is one.
func DecodeJSON(r *http.Request, dst any, maxBytes int64) error {
	if err := RequireMediaType(r, "application/json"); err != nil {
		return err
	}
	body := http.MaxBytesReader(nil, r.Body, maxBytes)
	dec := json.NewDecoder(body)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return decodeError(err, nil)
	}
	// null decodes into anything without a word and would leave dst empty:
	// an agenda wiped, minutes without decisions.
	if string(raw) == "null" {
		return apperr.Malformed("malformed_json", "the body must be a JSON object, not null")
	}
	strict := json.NewDecoder(bytes.NewReader(raw))
	strict.DisallowUnknownFields()
	if err := strict.Decode(dst); err != nil {
		return decodeError(err, raw)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err, nil)
		}
		return apperr.Malformed("malformed_json", "the body must hold exactly one JSON object")
	}
	// Below the top level, null decodes just as silently: into a string as
	// "", into a pointer as absent. A caller who sends it means something
	// the field cannot hold, so it is refused wherever it is.
	if field, ok := firstNull(raw); ok {
		return apperr.Invalid(field, "null_value",
			fmt.Sprintf("%s must not be null: give a value or leave the field out", field))
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

// decodeError translates a decoding failure of raw (nil when the body was
// not read whole) into a business error.
func decodeError(err error, raw []byte) error {
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
		// The decoder's Field names struct levels without array indices;
		// the offset finds the very value.
		field := ute.Field
		if p := pathAt(raw, ute.Offset); raw != nil && p != "" {
			field = p
		}
		if field == "" {
			return &apperr.Error{Kind: apperr.KindMalformed, Code: "wrong_type",
				Message: fmt.Sprintf("the body must be a JSON object, not %s", ute.Value)}
		}
		return &apperr.Error{Kind: apperr.KindMalformed, Code: "wrong_type",
			Message: fmt.Sprintf("field %q must be %s, not %s", field, typeName(ute.Type.Kind()), ute.Value), Field: field}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apperr.Error{Kind: apperr.KindMalformed, Code: "unknown_field",
			Message: fmt.Sprintf("unknown field %q", field), Field: field}
	}
	return apperr.Malformed("malformed_json", "the body is not valid JSON")
}

// typeName says in JSON's words what a Go kind decodes from.
func typeName(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number in range"
	case reflect.Float32, reflect.Float64:
		return "a number in range"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another type"
}
