package transport

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/services/intake/internal/open311"
)

// The spec's statuses: 404 for what does not exist, 403 for the api_key
// (and a project not the key owner's), 400 for any other refusal.
func TestOpen311Status(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"bad key", open311.ErrBadKey, http.StatusForbidden},
		{"another owner's project", auth.Forbidden("not yours"), http.StatusForbidden},
		{"unauthenticated", auth.ErrUnauthenticated, http.StatusForbidden},
		{"unknown service", apperr.NotFound("service_not_found", "x"), http.StatusNotFound},
		{"invalid field", apperr.Invalid("phone", "invalid_phone", "x"), http.StatusBadRequest},
		{"malformed", apperr.Malformed("malformed_form", "x"), http.StatusBadRequest},
		{"conflict", apperr.Conflict("c", "x"), http.StatusBadRequest},
		{"too large", &apperr.Error{Kind: apperr.KindTooLarge, Code: "too_large"}, http.StatusBadRequest},
		{"a failure of the service", errors.New("mongo down"), http.StatusInternalServerError},
		{"out of time", context.DeadlineExceeded, http.StatusServiceUnavailable},
	} {
		if got := Open311Status(tt.err); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestResourceFile(t *testing.T) {
	for _, tt := range []struct{ file, name string }{
		{"101.json", "101"}, {"101.xml", "101"}, {"a.b.xml", "a.b"},
		{"101", ""}, {"101.yaml", ""}, {".json", ""}, {"", ""},
	} {
		name, err := resourceFile(tt.file)
		if name != tt.name || (err == nil) != (tt.name != "") {
			t.Errorf("resourceFile(%q) = %q, %v; want %q", tt.file, name, err, tt.name)
		}
	}
}
