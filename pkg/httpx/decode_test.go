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

type decision struct {
	Text       string `json:"text"`
	Department string `json:"department"`
	Days       int    `json:"days"`
}

type minutes struct {
	Summary   string            `json:"summary"`
	Version   *int64            `json:"version"`
	Decisions []decision        `json:"decisions"`
	Labels    map[string]string `json:"labels"`
}

// A null or a wrong type anywhere in the body is refused naming the very
// field, array index included: 422 for null, 400 for a wrong type.
func TestDecodeJSONNamesTheField(t *testing.T) {
	for _, tt := range []struct {
		in, code, field string
		kind            apperr.Kind
	}{
		{`{"summary":null}`, "null_value", "summary", apperr.KindInvalid},
		{`{"version":null}`, "null_value", "version", apperr.KindInvalid},
		{`{"decisions":null}`, "null_value", "decisions", apperr.KindInvalid},
		{`{"decisions":[{"text":"a","department":"zrzy"},{"text":"b","department":null}]}`, "null_value", "decisions[1].department", apperr.KindInvalid},
		{`{"decisions":[null]}`, "null_value", "decisions[0]", apperr.KindInvalid},
		{`{"labels":{"a":"x","b":null}}`, "null_value", "labels.b", apperr.KindInvalid},
		{`{"decisions":[{"days":1},{"days":"two"}]}`, "wrong_type", "decisions[1].days", apperr.KindMalformed},
		{`{"decisions":[{"days":1},{"days":{}}]}`, "wrong_type", "decisions[1].days", apperr.KindMalformed},
		{`{"decisions":[{"days":1},{"days":1e400}]}`, "wrong_type", "decisions[1].days", apperr.KindMalformed},
		{`{"summary":"s","decisions":[{"text":["x"]}]}`, "wrong_type", "decisions[0].text", apperr.KindMalformed},
		{`{"decisions":{"text":"x"}}`, "wrong_type", "decisions", apperr.KindMalformed},
		{`{"summary":"x","version":"7"}`, "wrong_type", "version", apperr.KindMalformed},
		{`{"labels":{"a":1}}`, "wrong_type", "labels.a", apperr.KindMalformed},
		{` { "decisions" : [ { "days" : 1 } , { "days" : true } ] } `, "wrong_type", "decisions[1].days", apperr.KindMalformed},
	} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.in))
		r.Header.Set("Content-Type", "application/json")
		var m minutes
		err := httpx.DecodeJSON(r, &m, httpx.DefaultMaxBody)
		e, ok := apperr.As(err)
		if !ok || e.Code != tt.code || e.Field != tt.field || e.Kind != tt.kind {
			t.Errorf("%s: %v, want %s on %q", tt.in, err, tt.code, tt.field)
		}
	}
	// What is not null decodes as before.
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"summary":"null","version":0,"decisions":[],"labels":{}}`))
	r.Header.Set("Content-Type", "application/json")
	var m minutes
	if err := httpx.DecodeJSON(r, &m, httpx.DefaultMaxBody); err != nil || m.Summary != "null" || m.Version == nil {
		t.Errorf("valid body: %v %+v", err, m)
	}
}
