package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// TestFollowUpClocksAcrossServices: on Monday 2026-11-23 zrzy accepts 用地预审
// on 容缺 (materials owed in 3 working days, by Thursday) and fgw approves
// 立项 on 告知承诺 (checked in 2 working days). The deadline service runs on
// Tuesday 12-01, when both dates have passed: the owner's lateness is
// reported — supplement.missed, a supplement_missed entry in the ledger,
// 容缺补正逾期 in the inboxes of zrzy and of the project's officer — while
// zrzy's own item keeps its due date, stays green and is on no red list or
// overdue gauge; the check falls due — check.due, 告知承诺核查到期 to fgw
// and the officer — and a verify recorded afterwards stops its clock.
func TestFollowUpClocksAcrossServices(t *testing.T) {
	s := newSystem(t)
	for _, name := range []string{"intake", "ledger"} {
		s.envFor[name] = []string{"TUIJIN_CLOCK_OFFSET=" + offsetTo("2026-11-23").String()}
	}
	s.envFor["deadline"] = []string{"TUIJIN_CLOCK_OFFSET=" + offsetTo("2026-12-01").String()}
	s.start("intake", "ledger", "deadline", "notification")
	code := projectCode(9300)
	yongdi, lixiang := code+".yongdi-yushen", code+".lixiang"
	s.registerProject(code)
	eventually(t, 60*time.Second, "the ledger's assignments", func() bool {
		return s.ledgerItem(code, yongdi).Status == "assigned" && s.ledgerItem(code, lixiang).Status == "assigned"
	})
	act := func(id string, body map[string]any) ledgerItemView {
		t.Helper()
		body["actor"], body["version"] = "审批科", s.ledgerVersion(code)
		var res struct {
			Item ledgerItemView `json:"item"`
		}
		if resp := s.postJSON(clerkOf(t, id), s.url("ledger")+"/v1/items/"+id+"/actions", body, nil, &res); resp.StatusCode != http.StatusOK {
			t.Fatalf("%v on %s: status %d", body["action"], id, resp.StatusCode)
		}
		return res.Item
	}
	accepted := act(yongdi, map[string]any{"action": "accept", "missing_materials": []string{"不动产权籍调查报告"}, "supplement_days": 3})
	act(lixiang, map[string]any{"action": "accept"})
	act(lixiang, map[string]any{"action": "approve", "commitment": "承诺三个月内补交节能报告", "check_days": 2})

	subjects := map[string]string{
		"supplement.warning": event.ForDepartment(event.TypeSupplementWarning, "zrzy"),
		"supplement.missed":  event.ForDepartment(event.TypeSupplementMissed, "zrzy"),
		"check.warning":      event.ForDepartment(event.TypeCheckWarning, "fgw"),
		"check.due":          event.ForDepartment(event.TypeCheckDue, "fgw"),
	}
	for what, subject := range subjects {
		eventually(t, 60*time.Second, what, func() bool { return s.streamCount(bus.EventsStream, subject) >= 1 })
	}

	// The ledger records the owner's lateness and charges zrzy nothing.
	eventually(t, 60*time.Second, "supplement_missed in the ledger", func() bool {
		return s.timelineEntries(code, yongdi, "supplement_missed") == 1
	})
	item := s.ledgerItem(code, yongdi)
	if item.Status != "accepted" || item.Due == nil || accepted.Due == nil || !item.Due.Equal(*accepted.Due) {
		t.Errorf("ledger after the miss: status %s due %v, want accepted due %v", item.Status, item.Due, accepted.Due)
	}
	var clock deadlineView
	if st := s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/"+url.PathEscape("item:"+yongdi), &clock); st != http.StatusOK ||
		clock.Level != "green" || accepted.Due == nil || !clock.DueAt.Equal(*accepted.Due) {
		t.Errorf("zrzy's own clock: %d level %s due %s, want green due %v", st, clock.Level, clock.DueAt, accepted.Due)
	}
	var red struct {
		Count int `json:"count"`
	}
	if st := s.getJSON(testenv.Clerk("zrzy"), s.url("deadline")+"/v1/deadlines?level=red", &red); st != http.StatusOK || red.Count != 0 {
		t.Errorf("zrzy's red list: %d count %d, want empty", st, red.Count)
	}
	if n := s.metric("deadline", "tuijin_deadline_overdue_items", map[string]string{"department": "zrzy", "level": "red"}); n != 0 {
		t.Errorf("tuijin_deadline_overdue_items{zrzy,red} = %v, want 0", n)
	}

	// The department and the project's officer are told, with names.
	inbox := func(as auth.Principal, recipient, title string) string {
		t.Helper()
		var body string
		eventually(t, 60*time.Second, title+" for "+recipient, func() bool {
			var in struct {
				Items []struct {
					Title string `json:"title"`
					Body  string `json:"body"`
				} `json:"items"`
			}
			s.getJSON(as, s.url("notification")+"/v1/inbox?recipient="+recipient, &in)
			for _, e := range in.Items {
				if strings.HasPrefix(e.Title, title) {
					body = e.Body
					return true
				}
			}
			return false
		})
		return body
	}
	for _, tc := range []struct {
		as               auth.Principal
		recipient, title string
		want             []string
	}{
		{testenv.Clerk("zrzy"), "dept:zrzy", "【容缺补正逾期】", []string{"自然资源和规划局：", "用地预审与选址意见书", code, "2026年11月26日（周四）下班前", "不计入"}},
		{officer, "officer:wangfang", "【容缺补正逾期】", []string{"推进专员：", "用地预审与选址意见书"}},
		{testenv.Clerk("fgw"), "dept:fgw", "【告知承诺核查到期】", []string{"发展和改革局：", "项目立项", "2026年11月25日（周三）下班前"}},
		{officer, "officer:wangfang", "【告知承诺核查到期】", []string{"推进专员："}},
	} {
		body := inbox(tc.as, tc.recipient, tc.title)
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s %s reads %q, want %q in it", tc.recipient, tc.title, body, w)
			}
		}
	}

	// The check recorded after its date stops the clock.
	act(lixiang, map[string]any{"action": "verify", "check_result": "passed", "note": "现场核查，承诺已履行"})
	eventually(t, 60*time.Second, "the check clock stopped", func() bool {
		var d deadlineView
		s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/"+url.PathEscape("check:"+lixiang), &d)
		return d.State == "stopped"
	})
	for what, subject := range subjects {
		if n := s.streamCount(bus.EventsStream, subject); n != 1 {
			t.Errorf("%s: %d events, want 1", what, n)
		}
	}
}
