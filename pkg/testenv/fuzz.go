package testenv

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// Decoder is a route's request decoder (a go-kit DecodeRequestFunc) as a
// decoder fuzz target drives it.
type Decoder struct {
	Name        string
	Method      string
	ContentType string
	Decode      func(context.Context, *http.Request) (any, error)
}

// FuzzDecoders runs the decoder picked by which on a request with query,
// every path value set to pathValue and body, and fails on what a hostile
// caller must never get: a panic, or an error that is not a business
// error (the encoder would answer 500 and log it).
func FuzzDecoders(t *testing.T, decoders []Decoder, which uint8, query, pathValue string, body []byte) {
	t.Helper()
	d := decoders[int(which)%len(decoders)]
	r, err := http.NewRequest(d.Method, "http://127.0.0.1/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.URL.RawQuery = query
	for _, name := range []string{"id", "code", "n", "recipient", "year"} {
		r.SetPathValue(name, pathValue)
	}
	if d.ContentType != "" {
		r.Header.Set("Content-Type", d.ContentType)
	}
	if _, err := d.Decode(context.Background(), r); err != nil {
		if _, ok := apperr.As(err); !ok {
			t.Fatalf("%s: %v is not a business error", d.Name, err)
		}
	}
}
