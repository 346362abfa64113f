package web

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

func TestRatingOfTheForm(t *testing.T) {
	if r, p := ratingOf(url.Values{"score": {" 4 "}, "comment": {" 专员很负责 "}}); p != nil || r != (api.Rating{Score: 4, Comment: "专员很负责"}) {
		t.Errorf("rating %+v, refusal %+v", r, p)
	}
	// Out of range goes to intake, which says the range; none at all is
	// refused here.
	if r, p := ratingOf(url.Values{"score": {"9"}}); p != nil || r.Score != 9 {
		t.Errorf("rating %+v, refusal %+v", r, p)
	}
	for _, v := range []url.Values{{}, {"score": {""}}, {"score": {"好"}}} {
		if _, p := ratingOf(v); p == nil || p.Field != "score" {
			t.Errorf("%v: refusal %+v", v, p)
		}
	}
	owner, officer := api.User{Roles: []string{"owner"}}, api.User{Roles: []string{"officer"}}
	rated := &api.Rating{Score: 5}
	for _, tc := range []struct {
		u    api.User
		req  api.ServiceRequest
		want bool
	}{
		{owner, api.ServiceRequest{Status: "closed"}, true},
		{owner, api.ServiceRequest{Status: "visited"}, true},
		{owner, api.ServiceRequest{Status: "handling"}, false},
		{owner, api.ServiceRequest{Status: "visited", Rating: rated}, false},
		{officer, api.ServiceRequest{Status: "closed"}, false},
	} {
		if got := canRate(tc.u, tc.req); got != tc.want {
			t.Errorf("%v on %s (rated %v): %v", tc.u.Roles, tc.req.Status, tc.req.Rating != nil, got)
		}
	}
}

// TestRatingOverHTTP: the owner's closed request offers the rating form;
// intake's refusal is shown next to the score with the comment kept, and
// a rating posts score and comment.
func TestRatingOverHTTP(t *testing.T) {
	var sent []string
	refusal := `{"error":{"code":"invalid_score","field":"score","message":"score must be a whole number from 1 (很不满意) to 5 (非常满意)"}}`
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/requests/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"id": r.PathValue("id"), "project_code": "2026-370481-04-01-000001",
			"kind": "agency", "title": "请协助办理用地预审", "status": "visited", "satisfaction": 5})
	})
	var listed string
	mux.HandleFunc("GET /v1/requests", func(w http.ResponseWriter, r *http.Request) {
		listed = r.URL.RawQuery
		_ = json.NewEncoder(w).Encode(map[string]any{"total": 2, "items": []any{
			map[string]any{"id": "r2", "project_code": "2026-370481-04-01-000001", "kind": "agency", "title": "咨询环评", "status": "handling"},
			map[string]any{"id": "r1", "project_code": "2026-370481-04-01-000001", "kind": "agency", "title": "请协助办理用地预审", "status": "visited"}}})
	})
	mux.HandleFunc("POST /v1/requests/{id}/rating", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		sent = append(sent, string(b))
		if refusal != "" {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, refusal)
			return
		}
		_, _ = io.WriteString(w, `{}`)
	})
	up := httptest.NewServer(mux)
	t.Cleanup(up.Close)
	h := portalOver(t, api.Endpoints{Intake: up.URL, Ledger: up.URL}, nil)
	payload, _ := json.Marshal(map[string]any{"sub": "zhineng", "name": "王经理", "roles": []string{"owner"},
		"owner": "示范智能装备有限公司", "exp": time.Now().Add(time.Hour).Unix()})
	cookie := &http.Cookie{Name: sessionCookie, Value: "eyJhbGciOiJFZERTQSJ9." + base64.RawURLEncoding.EncodeToString(payload) + ".c2ln"}
	do := func(method, path string, form url.Values) (int, string, string) {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req := httptest.NewRequest(method, path, body)
		req.AddCookie(cookie)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String(), rec.Header().Get("Location")
	}
	code, page, _ := do(http.MethodGet, "/requests?status=bogus", nil)
	for _, want := range []string{`href="/requests" aria-current="page">我的诉求`, `id="request-r2"`, `id="to-rate">本页有 1 件`,
		`<a href="/requests/r1#rate-title">去评价</a>`} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("requests page %d lacks %s:\n%s", code, want, page)
		}
	}
	if listed != "limit=20&offset=0" {
		t.Errorf("listed with %q: an unknown status is no filter", listed)
	}
	code, page, _ = do(http.MethodGet, "/requests/r1", nil)
	for _, want := range []string{`id="rate"`, `<label for="f-score">满意度`, `<label for="f-comment">意见和建议`, `value="5">5 分 · 非常满意`} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("request page %d lacks %s:\n%s", code, want, page)
		}
	}
	tok := (&csrf{secret: testSecret}).token("session", cookie.Value)
	code, page, _ = do(http.MethodPost, "/requests/r1/rating", url.Values{"csrf": {tok}, "score": {"7"}, "comment": {"很好"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, `id="f-score-error" role="alert">请选择满意度（1 至 5 分）。`) ||
		!strings.Contains(page, ">很好</textarea>") {
		t.Fatalf("refused rating: %d\n%s", code, page)
	}
	refusal = ""
	code, _, loc := do(http.MethodPost, "/requests/r1/rating", url.Values{"csrf": {tok}, "score": {"4"}, "comment": {"很好"}})
	if code != http.StatusSeeOther || loc != "/requests/r1?rated=1" {
		t.Fatalf("rating: %d → %q", code, loc)
	}
	if want := []string{`{"score":7,"comment":"很好"}`, `{"score":4,"comment":"很好"}`}; strings.Join(sent, " ") != strings.Join(want, " ") {
		t.Fatalf("sent %q, want %q", sent, want)
	}
}
