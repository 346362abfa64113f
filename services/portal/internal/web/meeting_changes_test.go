package web

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// roleCookie is a session cookie of a user with roles (and department);
// the portal reads the token's claims unverified, the services verify.
func roleCookie(sub, name, dept string, roles ...string) *http.Cookie {
	payload, _ := json.Marshal(map[string]any{"sub": sub, "name": name, "roles": roles, "department": dept,
		"exp": time.Now().Add(time.Hour).Unix()})
	return &http.Cookie{Name: sessionCookie, Value: "eyJhbGciOiJFZERTQSJ9." + base64.RawURLEncoding.EncodeToString(payload) + ".c2ln"}
}

// meetingUpstream answers as the meeting service does: the meeting, and
// its move, cancel and agenda edit with refusal (when set) or the meeting
// changed; it keeps what it was sent.
type meetingUpstream struct {
	mu      sync.Mutex
	meeting map[string]any
	refusal string
	sent    []string
}

func (m *meetingUpstream) portal(t *testing.T) http.Handler {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/meetings/{id}", func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		_ = json.NewEncoder(w).Encode(m.meeting)
	})
	change := func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		m.mu.Lock()
		defer m.mu.Unlock()
		m.sent = append(m.sent, r.Method+" "+r.URL.Path+" "+string(b))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if m.refusal != "" {
			status := http.StatusConflict
			if strings.Contains(m.refusal, `"field"`) {
				status = http.StatusUnprocessableEntity
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, m.refusal)
			return
		}
		_ = json.NewEncoder(w).Encode(m.meeting)
	}
	mux.HandleFunc("POST /v1/meetings/{id}/move", change)
	mux.HandleFunc("POST /v1/meetings/{id}/cancel", change)
	mux.HandleFunc("PUT /v1/meetings/{id}/agenda", change)
	up := httptest.NewServer(mux)
	t.Cleanup(up.Close)
	h := portalOver(t, api.Endpoints{Meeting: up.URL}, func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) })
	return h
}

func pageAs(t *testing.T, h http.Handler, c *http.Cookie, method, path string, form url.Values) (int, string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		form.Set("csrf", (&csrf{secret: testSecret}).token("session", c.Value))
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	req.AddCookie(c)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String(), rec.Header().Get("Location")
}

func scheduledMeeting() map[string]any {
	return map[string]any{"id": "m1", "kind": "joint", "title": "用地问题联席会议", "status": "scheduled", "version": 3,
		"starts_at": "2026-12-10T01:00:00Z", "location": "政务服务中心三楼", "attendees": []string{"zrzy"},
		"agenda": []any{map[string]any{"id": "e1", "source": "manual", "department": "zrzy", "title": "用地指标不足", "text": "请说明"},
			map[string]any{"id": "e2", "source": "red", "department": "sthj", "title": "环评超期"}}}
}

// TestMoveCancelAndAgendaOverHTTP: the secretary's meeting page offers
// the move, cancel and agenda forms, labelled, with the version read; a
// move posts the new start in Beijing time, the place and the reason; the
// service's refusals land next to their fields in Chinese with what was
// typed kept; the agenda edits send the whole agenda as read.
func TestMoveCancelAndAgendaOverHTTP(t *testing.T) {
	up := &meetingUpstream{meeting: scheduledMeeting()}
	h := up.portal(t)
	sec := roleCookie("mishu", "会议秘书", "", "secretary")
	code, page, _ := pageAs(t, h, sec, http.MethodGet, "/meetings/m1", nil)
	for _, want := range []string{`id="move"`, `<label for="f-starts-at">新的开始时间`, `value="2026-12-10T09:00"`,
		`<label for="f-location">会议地点`, `<label for="f-reason">改期原因`, `id="cancel"`, `<label for="f-cancel-reason">取消原因`,
		`id="agenda-add"`, `<label for="f-agenda-title">议题`, `<label for="f-agenda-department">责任部门`,
		`form="remove-e1"`, `action="/meetings/m1/agenda/e2/remove"`, `name="version" value="3"`, `id="meeting-status">待召开`} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("meeting page %d lacks %s:\n%s", code, want, page)
		}
	}
	clerk := roleCookie("zrzy-clerk", "经办人", "zrzy", "clerk")
	if _, page, _ := pageAs(t, h, clerk, http.MethodGet, "/meetings/m1", nil); strings.Contains(page, `id="move"`) ||
		strings.Contains(page, `id="cancel"`) || strings.Contains(page, `id="agenda-add"`) {
		t.Error("a clerk is offered the secretary's forms")
	}

	code, _, loc := pageAs(t, h, sec, http.MethodPost, "/meetings/m1/move", url.Values{"version": {"3"},
		"starts_at": {"2026-12-11T15:00"}, "location": {"县政府三楼"}, "reason": {"与常务会冲突"}})
	if code != http.StatusSeeOther || loc != "/meetings/m1?updated=moved" {
		t.Fatalf("move: %d → %q", code, loc)
	}
	if want := `POST /v1/meetings/m1/move {"starts_at":"2026-12-11T15:00:00+08:00","location":"县政府三楼","reason":"与常务会冲突","version":3}`; up.sent[0] != want {
		t.Fatalf("sent %s, want %s", up.sent[0], want)
	}
	// No date: refused by the portal, nothing sent.
	code, page, _ = pageAs(t, h, sec, http.MethodPost, "/meetings/m1/move", url.Values{"version": {"3"}, "reason": {"冲突"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, `id="f-starts-at-error" role="alert">请填写新的开始时间`) || len(up.sent) != 1 {
		t.Fatalf("move without a start: %d, %d sent\n%s", code, len(up.sent), page)
	}
	for _, c := range []struct{ refusal, path, field, words string }{
		{`{"error":{"code":"required","field":"reason","message":"reason is required"}}`, "/meetings/m1/move", "f-reason", "请填写改期原因。"},
		{`{"error":{"code":"starts_in_past","field":"starts_at","message":"starts_at must lie ahead"}}`, "/meetings/m1/move", "f-starts-at", "新的开始时间须晚于现在。"},
		{`{"error":{"code":"version_mismatch","message":"meeting is at version 4, not 3"}}`, "/meetings/m1/move", "f-reason", "该会议刚被他人更新过"},
		{`{"error":{"code":"meeting_decided","message":"meeting m1 was held"}}`, "/meetings/m1/cancel", "f-cancel-reason", "会议已召开并登记了纪要"},
		{`{"error":{"code":"meeting_cancelled","message":"meeting m1 is cancelled"}}`, "/meetings/m1/cancel", "f-cancel-reason", "会议已取消"},
		{`{"error":{"code":"required","field":"entries[2].title","message":"title is required"}}`, "/meetings/m1/agenda", "f-agenda-title", "请填写议题。"},
		{`{"error":{"code":"unknown_department","field":"entries[2].department","message":"no department"}}`, "/meetings/m1/agenda", "f-agenda-department", "请选择议题的责任部门。"},
		{`{"error":{"code":"meeting_started","message":"the agenda can be edited only before the meeting"}}`, "/meetings/m1/agenda", "f-agenda-title", "会议已经开始"},
	} {
		up.refusal = c.refusal
		code, page, _ = pageAs(t, h, sec, http.MethodPost, c.path, url.Values{"version": {"3"}, "starts_at": {"2026-12-11T15:00"},
			"reason": {"原因甲"}, "cancel_reason": {"原因乙"}, "agenda_title": {"新议题"}, "agenda_department": {"zrzy"}})
		if code/100 != 4 || !strings.Contains(page, `id="`+c.field+`-error" role="alert">`+c.words) {
			t.Errorf("%s refused with %s: %d, want %s next to %s\n%s", c.path, c.refusal, code, c.words, c.field, page)
		}
		if strings.Contains(page, "version 4") || strings.Contains(page, "meeting m1") {
			t.Errorf("the service's own words reach the page:\n%s", page)
		}
	}
	if !strings.Contains(page, `value="新议题"`) {
		t.Error("a refused agenda entry lost its title")
	}

	up.refusal, up.sent = "", nil
	if code, _, loc := pageAs(t, h, sec, http.MethodPost, "/meetings/m1/agenda", url.Values{"version": {"3"},
		"agenda_title": {"选址涉及生态红线"}, "agenda_department": {"sthj"}, "agenda_project_code": {"2026-370481-04-01-123456"}}); code != http.StatusSeeOther ||
		loc != "/meetings/m1?updated=agenda_added" {
		t.Fatalf("add an entry: %d → %q", code, loc)
	}
	if code, _, loc := pageAs(t, h, sec, http.MethodPost, "/meetings/m1/agenda/e1/remove", url.Values{"version": {"3"}}); code != http.StatusSeeOther ||
		loc != "/meetings/m1?updated=agenda_removed" {
		t.Fatalf("remove an entry: %d → %q", code, loc)
	}
	for i, want := range []string{
		`PUT /v1/meetings/m1/agenda {"version":3,"entries":[{"id":"e1","title":"用地指标不足","text":"请说明"},{"id":"e2","title":"环评超期"},` +
			`{"project_code":"2026-370481-04-01-123456","department":"sthj","title":"选址涉及生态红线"}]}`,
		`PUT /v1/meetings/m1/agenda {"version":3,"entries":[{"id":"e2","title":"环评超期"}]}`,
	} {
		if i >= len(up.sent) || up.sent[i] != want {
			t.Fatalf("agenda edit %d: sent %q, want %s", i, up.sent, want)
		}
	}
	if code, page, _ := pageAs(t, h, sec, http.MethodPost, "/meetings/m1/agenda/gone/remove", url.Values{"version": {"3"}}); code != http.StatusConflict ||
		!strings.Contains(page, "该议题已不在议程中") || len(up.sent) != 2 {
		t.Fatalf("remove an entry not on the agenda: %d, %d sent\n%s", code, len(up.sent), page)
	}
}

// TestMovedAndCancelledMeetingPages: a moved meeting says 已改期 with its
// new time and the history; a cancelled one 已取消, its invitation the
// cancellation, and no form changes it any more.
func TestMovedAndCancelledMeetingPages(t *testing.T) {
	m := scheduledMeeting()
	m["starts_at"], m["location"] = "2026-12-11T07:00:00Z", "县政府三楼"
	m["history"] = []any{map[string]any{"at": "2026-12-01T02:00:00Z", "change": "moved", "actor": "mishu (会议秘书)", "reason": "与常务会冲突",
		"from_starts_at": "2026-12-10T01:00:00Z", "from_location": "政务服务中心三楼", "starts_at": "2026-12-11T07:00:00Z", "location": "县政府三楼"}}
	up := &meetingUpstream{meeting: m}
	h := up.portal(t)
	sec := roleCookie("mishu", "会议秘书", "", "secretary")
	_, page, _ := pageAs(t, h, sec, http.MethodGet, "/meetings/m1?updated=moved", nil)
	for _, want := range []string{`id="meeting-status">已改期 · 待召开`, "2026-12-11 15:00", `id="meeting-history"`, "与常务会冲突",
		"由 2026-12-10 09:00（政务服务中心三楼）改至", `id="updated"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("moved meeting page lacks %s:\n%s", want, page)
		}
	}
	up.meeting["status"] = "cancelled"
	up.meeting["history"] = append(m["history"].([]any), map[string]any{"at": "2026-12-02T02:00:00Z", "change": "cancelled",
		"actor": "mishu (会议秘书)", "reason": "议题已协调解决"})
	_, page, _ = pageAs(t, h, sec, http.MethodGet, "/meetings/m1", nil)
	for _, want := range []string{`id="meeting-status">已取消`, "取消会议</strong>", "议题已协调解决", "下载取消通知"} {
		if !strings.Contains(page, want) {
			t.Fatalf("cancelled meeting page lacks %s:\n%s", want, page)
		}
	}
	for _, not := range []string{`id="move"`, `id="cancel"`, `id="agenda-add"`, `form="remove-`} {
		if strings.Contains(page, not) {
			t.Errorf("a cancelled meeting offers %s", not)
		}
	}
}
