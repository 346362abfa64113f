package testenv

import (
	"testing"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// Invalid fails the test unless err is a business error of kind invalid
// (422) naming field.
func Invalid(t testing.TB, err error, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("error %v is not an apperr.Error", err)
	}
	if e.Kind != apperr.KindInvalid || e.Field != field {
		t.Fatalf("got kind %v field %q, want invalid %q (%v)", e.Kind, e.Field, field, err)
	}
}
