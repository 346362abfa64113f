package web

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

func TestExplain(t *testing.T) {
	for _, tt := range []struct {
		name   string
		err    error
		action string
		want   string
		field  string
		status int
	}{
		{"illegal transition", &api.Error{Status: 409, Code: "illegal_transition",
			Message: "cannot resume item 2026-370481-04-01-000001.lixiang: it is assigned; resume is allowed from suspended"},
			"resume", "该事项当前为「待受理」，「恢复办理」只能在事项为「已中止」时进行。", "", 409},
		{"several from states", &api.Error{Status: 409, Code: "illegal_transition",
			Message: "cannot reject item x.y: it is approved; reject is allowed from assigned or accepted or supplement"},
			"reject", "该事项当前为「已办结」，「不予许可」只能在事项为「待受理」或「已受理」或「待补正」时进行。", "", 409},
		{"容缺 owed", &api.Error{Status: 409, Code: "illegal_transition",
			Message: "cannot approve item x.y: 容缺 materials are still owed: 不动产权籍调查报告"},
			"approve", "容缺材料尚未补齐（不动产权籍调查报告），暂不能办结。", "", 409},
		{"unknown reason", &api.Error{Status: 409, Code: "illegal_transition", Message: "cannot approve item x.y: something new"},
			"approve", "当前状态下不能进行此操作。", "", 409},
		{"stale", &api.Error{Status: 409, Code: "stale_version", Message: "the ledger changed since version 3 (now 4)"},
			"accept", "该事项刚被他人更新过", "", 409},
		{"note required", &api.Error{Status: 422, Code: "note_required", Field: "note", Message: "reject needs a note saying why"},
			"reject", "「不予许可」需要填写说明", "note", 422},
		{"not found", &api.Error{Status: 404, Code: "project_not_found"}, "", "没有找到", "", 404},
		{"unknown code by status", &api.Error{Status: 422, Code: "whatever"}, "", "填写的内容不符合要求", "", 422},
		{"down", &api.Unavailable{Service: api.ServiceLedger, Err: errors.New("connection refused")}, "",
			"台账服务暂时无法访问", "", http.StatusBadGateway},
		{"internal", errors.New("decode: unexpected EOF"), "", "系统出现故障", "", 500},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := explain(tt.err, tt.action)
			if !strings.Contains(p.Message, tt.want) || p.Field != tt.field || p.Status != tt.status {
				t.Errorf("explain = %+v, want message with %q, field %q, status %d", p, tt.want, tt.field, tt.status)
			}
			for _, leak := range []string{"EOF", "connection refused", "cannot ", "item x.y"} {
				if strings.Contains(p.Message, leak) {
					t.Errorf("message %q shows the system's words %q", p.Message, leak)
				}
			}
		})
	}
}

func TestAllowedActions(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct {
		name string
		item api.Item
		want string
	}{
		{"assigned", api.Item{Status: "assigned"}, "accept request_supplement reject suspend"},
		{"assigned 即办件", api.Item{Status: "assigned", Immediate: true}, "accept request_supplement approve reject suspend"},
		{"accepted", api.Item{Status: "accepted"}, "request_supplement approve reject suspend"},
		{"accepted 容缺 owed", api.Item{Status: "accepted", Supplement: &api.Supplement{Materials: []string{"a"}}},
			"request_supplement supplement_received approve reject suspend"},
		{"accepted 容缺 delivered", api.Item{Status: "accepted", Supplement: &api.Supplement{ReceivedAt: &now}},
			"request_supplement approve reject suspend"},
		{"supplement", api.Item{Status: "supplement"}, "supplement_received reject suspend"},
		{"suspended", api.Item{Status: "suspended"}, "resume"},
		{"approved", api.Item{Status: "approved"}, ""},
		{"waiting", api.Item{Status: "waiting"}, ""},
	} {
		if got := strings.Join(allowedActions(tt.item), " "); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/queue?page=2":        "/queue?page=2",
		"":                     "/",
		"//evil.example/x":     "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"queue":                "/",
		"/a\r\nSet-Cookie: x":  "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkOf(t *testing.T) {
	now := time.Date(2026, 12, 2, 4, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(48*time.Hour)
	for _, tt := range []struct {
		name, level string
		item        api.Item
		class       string
		words       string
	}{
		{"clock says yellow", "yellow", api.Item{Status: "accepted", Due: &future}, "yellow", "黄灯·临近时限"},
		{"clock says supervise", "supervise", api.Item{Status: "assigned", Due: &past}, "red", "红灯·督办"},
		{"past due, clock silent", "", api.Item{Status: "assigned", Due: &past}, "red", "红灯·已超期"},
		{"in time", "", api.Item{Status: "assigned", Due: &future}, "", ""},
		{"green", "green", api.Item{Status: "assigned", Due: &future}, "", ""},
		{"decided late is no longer marked", "red", api.Item{Status: "approved", Due: &past}, "", ""},
		{"waiting has no due", "", api.Item{Status: "waiting"}, "", ""},
	} {
		class, words := markOf(tt.level, tt.item, now)
		if class != tt.class || words != tt.words {
			t.Errorf("%s: %q %q, want %q %q", tt.name, class, words, tt.class, tt.words)
		}
	}
}
