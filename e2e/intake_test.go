package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/event"
)

func serviceRequest(code string) map[string]any {
	return map[string]any{
		"project_code": code, "kind": "consultation", "title": "用地预审需要哪些材料",
		"description": "项目拟占用集体土地，咨询用地预审材料清单", "contact": "王经理", "phone": "0535-1234567",
	}
}

// TestServiceRequestIdempotency: a retried request with the same
// Idempotency-Key returns the first result and stores and publishes nothing
// new; the same key with another body is refused.
func TestServiceRequestIdempotency(t *testing.T) {
	s := newSystem(t)
	s.start("intake")
	code := projectCode(7)
	s.registerProject(code)
	key := map[string]string{"Idempotency-Key": "retry-7f3a"}

	var first, again struct {
		ID         string `json:"id"`
		Status     string `json:"status"`
		ReceivedAt string `json:"received_at"`
	}
	resp := s.postJSON(owner, s.url("intake")+"/v1/requests", serviceRequest(code), key, &first)
	if resp.StatusCode != http.StatusCreated || first.ID == "" {
		t.Fatalf("first submit: status %d, id %q", resp.StatusCode, first.ID)
	}
	resp = s.postJSON(owner, s.url("intake")+"/v1/requests", serviceRequest(code), key, &again)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Idempotent-Replayed") != "true" || again != first {
		t.Fatalf("retry: status %d, replayed %q, %+v; want 200, true, %+v",
			resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), again, first)
	}

	other := serviceRequest(code)
	other["title"] = "另一个问题"
	var e apiError
	resp = s.postJSON(owner, s.url("intake")+"/v1/requests", other, key, &e)
	if resp.StatusCode != http.StatusUnprocessableEntity || e.Error.Code == "" {
		t.Fatalf("same key, other body: status %d, error %+v; want 422", resp.StatusCode, e)
	}

	var got struct {
		ID          string `json:"id"`
		ProjectCode string `json:"project_code"`
		Title       string `json:"title"`
	}
	if st := s.getJSON(supervisor, s.url("intake")+"/v1/requests/"+first.ID, &got); st != http.StatusOK || got.ProjectCode != code || got.Title != "用地预审需要哪些材料" {
		t.Fatalf("get request: status %d, %+v", st, got)
	}
	if st := s.getJSON(supervisor, s.url("intake")+"/v1/requests/nope", &e); st != http.StatusNotFound || e.Error.Code == "" {
		t.Fatalf("unknown request: status %d, %+v", st, e)
	}
	if n := s.count("tuijin_intake", "requests"); n != 1 {
		t.Fatalf("%d requests stored, want 1", n)
	}
	if n := s.streamCount("TUIJIN_EVENTS", event.TypeRequestReceived); n != 1 {
		t.Fatalf("%d request.received events, want 1", n)
	}
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// TestBadInputChangesNothing sends every kind of bad input to both POST
// endpoints and checks the contract's error shape and status, then that no
// document was stored and no event published.
func TestBadInputChangesNothing(t *testing.T) {
	s := newSystem(t)
	s.start("intake")

	valid := func(mod func(map[string]any)) []byte {
		p := project(projectCode(42))
		mod(p)
		b, _ := json.Marshal(p)
		return b
	}
	validReq := func(mod func(map[string]any)) []byte {
		r := serviceRequest(projectCode(42)) // never registered
		mod(r)
		b, _ := json.Marshal(r)
		return b
	}
	same := func(map[string]any) {}
	huge := strings.Repeat("很", 30_000) // 90 kB of UTF-8
	cases := []struct {
		name        string
		path        string
		contentType string
		body        []byte
		status      int
		field       string
	}{
		{"project: malformed JSON", "/v1/projects", "application/json", []byte(`{"code": "2026-`), 400, ""},
		{"project: not an object", "/v1/projects", "application/json", []byte(`[1,2]`), 400, ""},
		{"project: two objects", "/v1/projects", "application/json", append(valid(same), valid(same)...), 400, ""},
		{"project: empty body", "/v1/projects", "application/json", nil, 400, ""},
		{"project: wrong content type", "/v1/projects", "text/plain", valid(same), 415, ""},
		{"project: no content type", "/v1/projects", "", valid(same), 415, ""},
		{"project: unknown field", "/v1/projects", "application/json", valid(func(p map[string]any) { p["budget"] = 1 }), 400, "budget"},
		{"project: wrong type", "/v1/projects", "application/json", valid(func(p map[string]any) { p["investment_wan"] = "很多" }), 400, "investment_wan"},
		{"project: missing code", "/v1/projects", "application/json", valid(func(p map[string]any) { delete(p, "code") }), 422, "code"},
		{"project: invalid code", "/v1/projects", "application/json", valid(func(p map[string]any) { p["code"] = "2026-37" }), 422, "code"},
		{"project: missing name", "/v1/projects", "application/json", valid(func(p map[string]any) { p["name"] = "  " }), 422, "name"},
		{"project: unknown category", "/v1/projects", "application/json", valid(func(p map[string]any) { p["category"] = "其他" }), 422, "category"},
		{"project: unknown stage", "/v1/projects", "application/json", valid(func(p map[string]any) { p["stage"] = "dreaming" }), 422, "stage"},
		{"project: negative investment", "/v1/projects", "application/json", valid(func(p map[string]any) { p["investment_wan"] = -5 }), 422, "investment_wan"},
		{"project: oversize body", "/v1/projects", "application/json", valid(func(p map[string]any) { p["location"] = huge }), 413, ""},

		{"request: malformed JSON", "/v1/requests", "application/json", []byte(`{"project_code":`), 400, ""},
		{"request: wrong content type", "/v1/requests", "application/x-www-form-urlencoded", validReq(same), 415, ""},
		{"request: missing title", "/v1/requests", "application/json", validReq(func(r map[string]any) { delete(r, "title") }), 422, "title"},
		{"request: unknown kind", "/v1/requests", "application/json", validReq(func(r map[string]any) { r["kind"] = "complaint" }), 422, "kind"},
		{"request: unknown project", "/v1/requests", "application/json", validReq(same), 422, "project_code"},
		{"request: oversize body", "/v1/requests", "application/json", validReq(func(r map[string]any) { r["description"] = huge }), 413, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e apiError
			resp := s.do(owner, http.MethodPost, s.url("intake")+c.path, c.contentType, c.body,
				map[string]string{"Idempotency-Key": "k-" + c.name}, &e)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d (%+v)", resp.StatusCode, c.status, e)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q", ct)
			}
			if e.Error.Code == "" || e.Error.Message == "" {
				t.Errorf("error shape %+v lacks code or message", e)
			}
			if e.Error.Field != c.field {
				t.Errorf("field %q, want %q", e.Error.Field, c.field)
			}
		})
	}

	for _, coll := range []string{"projects", "requests"} {
		if n := s.count("tuijin_intake", coll); n != 0 {
			t.Errorf("%d documents in %s after bad input, want 0", n, coll)
		}
	}
	if n := s.streamCount("TUIJIN_EVENTS", "tuijin.>"); n != 0 {
		t.Errorf("%d events on the stream after bad input, want 0", n)
	}
}
