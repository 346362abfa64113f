package web

import (
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

// TestActionsPageOverHTTP: a zrzy clerk's 会议任务 lists their
// department's action item with a labelled note and 报告办结, which posts
// the note and the meeting's version to the meeting service; a refusal
// is shown on the action's card.
func TestActionsPageOverHTTP(t *testing.T) {
	due := time.Date(2026, 12, 20, 10, 0, 0, 0, time.UTC)
	meeting := map[string]any{"id": "m1", "title": "用地问题联席会议", "status": "decided", "version": 4,
		"minutes": map[string]any{"summary": "议定如下", "decisions": []any{
			map[string]any{"agenda_entry_id": "e1", "outcome": "action", "action": map[string]any{"id": "a1", "department": "zrzy",
				"description": "五个工作日内提出调剂方案", "due_at": due, "status": "open"}},
			map[string]any{"agenda_entry_id": "e2", "outcome": "action", "action": map[string]any{"id": "a2", "department": "sthj",
				"description": "核实生态红线", "due_at": due, "status": "open"}}}}}
	var sent []string
	refusal := ""
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/meetings", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"items": []any{meeting}})
	})
	mux.HandleFunc("POST /v1/meetings/{id}/actions/{n}/{change}", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		sent = append(sent, r.URL.Path+" "+string(b))
		if refusal != "" {
			w.WriteHeader(http.StatusConflict)
			_, _ = io.WriteString(w, refusal)
			return
		}
		_, _ = io.WriteString(w, `{"action":{},"version":5}`)
	})
	up := httptest.NewServer(mux)
	t.Cleanup(up.Close)
	h := portalOver(t, api.Endpoints{Meeting: up.URL}, nil)

	code, page := clerkPage(t, h, http.MethodGet, "/actions", nil)
	for _, want := range []string{`href="/actions" aria-current="page">会议任务`, `id="action-a1"`, "五个工作日内提出调剂方案",
		`<label for="note-a1">办结情况</label>`, `id="done-a1"`, `name="version" value="4"`} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("actions page %d lacks %s:\n%s", code, want, page)
		}
	}
	if strings.Contains(page, "核实生态红线") {
		t.Error("a zrzy clerk sees sthj's action item")
	}
	tok := (&csrf{secret: testSecret}).token("session", clerkCookie().Value)
	form := url.Values{"csrf": {tok}, "version": {"4"}, "note": {"方案已报县政府"}, "back": {"/actions"}}
	req := httptest.NewRequest(http.MethodPost, "/meetings/m1/actions/a1/done", strings.NewReader(form.Encode()))
	req.AddCookie(clerkCookie())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/actions?changed=done#action-a1" {
		t.Fatalf("report done: %d → %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if want := `/v1/meetings/m1/actions/a1/done {"note":"方案已报县政府","version":4}`; len(sent) != 1 || sent[0] != want {
		t.Fatalf("sent %q, want %q", sent, want)
	}
	refusal = `{"error":{"code":"version_mismatch","message":"meeting is at version 5, not 4"}}`
	code, page = clerkPage(t, h, http.MethodPost, "/meetings/m1/actions/a1/done", form)
	if code != http.StatusConflict || !strings.Contains(page, `role="alert" id="problem-a1">该会议刚被他人更新过`) ||
		!strings.Contains(page, "方案已报县政府</textarea>") {
		t.Fatalf("refused done: %d\n%s", code, page)
	}
	if code, _ := clerkPage(t, h, http.MethodPost, "/meetings/m1/actions/a1/delete", form); code != http.StatusNotFound {
		t.Fatalf("an unknown change: %d", code)
	}
}
