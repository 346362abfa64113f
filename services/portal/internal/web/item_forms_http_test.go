package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// ledgerOf answers GET /v1/projects/{code} with a project of items, in
// the ledger's wire shape, and POST /v1/items/{id}/actions with refusal
// (or 200 when empty), keeping the bodies it was sent.
type ledgerOf struct {
	items    []map[string]any
	forecast map[string]any
	refusal  string
	mu       sync.Mutex
	sent     []map[string]any
}

func (l *ledgerOf) serve(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/projects/{code}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(map[string]any{"code": r.PathValue("code"), "name": "智能装备产业园", "version": 7, "items": l.items,
			"forecast": l.forecast})
	})
	mux.HandleFunc("GET /v1/projects/{code}/status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(map[string]any{"code": r.PathValue("code"), "name": "智能装备产业园", "version": 7})
	})
	mux.HandleFunc("POST /v1/items/{id}/actions", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("action body: %v", err)
		}
		l.mu.Lock()
		l.sent = append(l.sent, body)
		l.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if l.refusal != "" {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, l.refusal)
			return
		}
		_, _ = io.WriteString(w, `{"item":{},"version":8,"assigned":[]}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func itemPortal(t *testing.T, l *ledgerOf) http.Handler {
	t.Helper()
	up := l.serve(t)
	mux := portalOver(t, api.Endpoints{Ledger: up.URL}, nil)
	return mux
}

func clerkPage(t *testing.T, h http.Handler, method, path string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	req.AddCookie(clerkCookie())
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

const formItem = "2026-370481-04-01-000001.yongdi-yushen"

// TestRongqueFormOverHTTP: an assigned item whose catalog allows 容缺 has
// the form with a label on each field; the ledger's refusal of the days
// lands next to them with the materials kept, and the request carried the
// materials a line each.
func TestRongqueFormOverHTTP(t *testing.T) {
	l := &ledgerOf{items: []map[string]any{{"id": formItem, "name": "用地预审与选址意见书", "department": "zrzy",
		"status": "assigned", "modes": []string{"green_channel", "rongque"}, "timeline": []any{}}},
		refusal: `{"error":{"code":"invalid_days","field":"supplement_days","message":"supplement_days (the owner's deadline) must be 1-60 working days"}}`}
	h := itemPortal(t, l)
	code, page := clerkPage(t, h, http.MethodGet, "/items/"+formItem, nil)
	for _, want := range []string{`id="rongque"`, `<label for="f-missing-materials">`, `<label for="f-supplement-days">`,
		`name="mode" value="rongque"`, `id="do-accept"`} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("item page %d lacks %s:\n%s", code, want, page)
		}
	}
	if strings.Contains(page, `id="gaozhi"`) || strings.Contains(page, `id="verify"`) {
		t.Error("an assigned item offers 告知承诺 or 承诺核查")
	}
	tok := (&csrf{secret: testSecret}).token("session", clerkCookie().Value)
	code, page = clerkPage(t, h, http.MethodPost, "/items/"+formItem+"/actions", url.Values{"csrf": {tok}, "version": {"7"},
		"mode": {"rongque"}, "action": {"accept"}, "missing_materials": {"不动产权籍调查报告\n地质灾害评估报告"}, "supplement_days": {"0"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, `id="f-supplement-days-error" role="alert">补齐期限须为 1 至 60 个工作日。`) {
		t.Fatalf("refused 容缺: %d\n%s", code, page)
	}
	if !strings.Contains(page, "不动产权籍调查报告\n地质灾害评估报告</textarea>") {
		t.Errorf("the refused form lost the materials:\n%s", page)
	}
	if len(l.sent) != 1 {
		t.Fatalf("the ledger got %d requests", len(l.sent))
	}
	got, _ := json.Marshal(l.sent[0])
	if want := `{"action":"accept","actor":"自然资源和规划局经办人","missing_materials":["不动产权籍调查报告","地质灾害评估报告"],"version":7}`; string(got) != want {
		t.Errorf("request %s, want %s", got, want)
	}
	l.refusal = ""
	code, _ = clerkPage(t, h, http.MethodPost, "/items/"+formItem+"/actions", url.Values{"csrf": {tok}, "version": {"7"},
		"mode": {"rongque"}, "action": {"accept"}, "missing_materials": {"不动产权籍调查报告"}, "supplement_days": {"5"}})
	if code != http.StatusSeeOther {
		t.Fatalf("容缺受理: %d", code)
	}
	if _, page := clerkPage(t, h, http.MethodGet, "/items/"+formItem+"?done=rongque", nil); !strings.Contains(page, "已完成「容缺受理」") {
		t.Errorf("the done message does not name 容缺受理:\n%s", page)
	}
	// Without materials the portal refuses itself: a plain acceptance is
	// not what the clerk asked for.
	code, page = clerkPage(t, h, http.MethodPost, "/items/"+formItem+"/actions", url.Values{"csrf": {tok}, "version": {"7"},
		"mode": {"rongque"}, "action": {"accept"}, "supplement_days": {"5"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, `id="f-missing-materials-error"`) || len(l.sent) != 2 {
		t.Fatalf("容缺 without materials: %d, %d requests\n%s", code, len(l.sent), page)
	}
}

// TestCommitmentFactsAndVerifyForm: an item approved on commitment shows
// the commitment and its check date, and offers the check alone.
func TestCommitmentFactsAndVerifyForm(t *testing.T) {
	l := &ledgerOf{items: []map[string]any{{"id": formItem, "name": "环境影响评价审批（环评）", "department": "zrzy",
		"status": "approved", "modes": []string{"gaozhi"}, "timeline": []any{},
		"commitment": map[string]any{"text": "按批复落实污染防治措施", "check_due": "2026-12-30T16:00:00Z"}}}}
	code, page := clerkPage(t, itemPortal(t, l), http.MethodGet, "/items/"+formItem, nil)
	for _, want := range []string{`id="commitment-text">按批复落实污染防治措施`, `id="commitment-check">2026-12-30 前核查`,
		`id="verify"`, `<label for="f-check-result">`, `<label for="f-note">`, `value="passed"`} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("item page %d lacks %s:\n%s", code, want, page)
		}
	}
	if strings.Contains(page, `id="act"`) || strings.Contains(page, "没有可办理的操作") {
		t.Errorf("an approved item offers more than its check:\n%s", page)
	}
}
