package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/httpx"
)

type body struct {
	Name  string   `json:"name"`
	Days  int      `json:"days"`
	Items []string `json:"items"`
}

func decode(ct, s string, max int64) (body, error) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(s))
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	var b body
	err := httpx.DecodeJSON(r, &b, max)
	return b, err
}

func TestDecodeJSON(t *testing.T) {
	const js = "application/json"
	for _, tt := range []struct {
		name, ct, in string
		code         string // "" for success
	}{
		{"object", js, `{"name":"立项","days":5}`, ""},
		{"with charset", "application/json; charset=utf-8", `{"name":"x"}`, ""},
		{"empty object", js, `{}`, ""},
		{"null", js, `null`, "malformed_json"},
		{"null with spaces", js, " null \n", "malformed_json"},
		{"array", js, `[1,2]`, "wrong_type"},
		{"string", js, `"x"`, "wrong_type"},
		{"two objects", js, `{"name":"a"}{"name":"b"}`, "malformed_json"},
		{"unknown field", js, `{"nmae":"a"}`, "unknown_field"},
		{"wrong type", js, `{"days":"five"}`, "wrong_type"},
		{"broken", js, `{"name":`, "malformed_json"},
		{"empty", js, ``, "malformed_json"},
		{"too large", js, `{"name":"` + strings.Repeat("x", 100) + `"}`, "body_too_large"},
		{"text", "text/plain", `{"name":"a"}`, "unsupported_media_type"},
		{"no type", "", `{"name":"a"}`, "unsupported_media_type"},
	} {
		_, err := decode(tt.ct, tt.in, 64)
		if tt.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if e, ok := apperr.As(err); !ok || e.Code != tt.code {
			t.Errorf("%s: %v, want code %s", tt.name, err, tt.code)
		}
	}
}

// FuzzDecodeJSON: whatever the body, DecodeJSON answers a business error
// or a value, never a panic or an error the encoder cannot map.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"立项","days":5,"items":["a"]}`, `null`, `[]`, `{"days":1e400}`, `{"name":"\ud800"}`, `{} {}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := decode("application/json", s, httpx.DefaultMaxBody)
		if err == nil {
			return
		}
		if _, ok := apperr.As(err); !ok {
			t.Fatalf("%q: error %v is not a business error", s, err)
		}
	})
}
