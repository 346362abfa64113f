package web

import (
	"net/http"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/services/portal/internal/api"
)

func TestActionsForEachRole(t *testing.T) {
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, beijing)
	s := &Server{org: o, now: func() time.Time { return now }}
	act := func(id, dept, status string, due time.Time) api.Decision {
		return api.Decision{Outcome: "action", Action: &api.MeetingAction{ID: id, Department: dept, Status: status, DueAt: due}}
	}
	ms := []api.Meeting{
		{ID: "m1", Title: "周调度会", Version: 4, Minutes: &api.Minutes{Decisions: []api.Decision{
			act("a1", "zrzy", "", now.Add(-time.Hour)), // recorded before statuses: open, overdue
			act("a2", "sthj", "done", now.Add(time.Hour)),
			{Outcome: "resolved"},
		}}},
		{ID: "m2", Title: "联席会议", Version: 2}, // no minutes yet
		{ID: "m3", Title: "现场会", Version: 9, Minutes: &api.Minutes{Decisions: []api.Decision{
			act("a3", "zrzy", "confirmed", now.Add(-48*time.Hour)),
			act("a4", "zrzy", "open", now.Add(48*time.Hour)),
		}}},
	}
	type row struct {
		id                   string
		done, confirm, reopn bool
	}
	for name, tc := range map[string]struct {
		user  api.User
		every bool
		want  []row
	}{
		"zrzy clerk: their department's, open first, reports done": {api.User{Roles: []string{"clerk"}, Department: "zrzy"}, false,
			[]row{{"a1", true, false, false}, {"a4", true, false, false}, {"a3", false, false, false}}},
		"sthj leader": {api.User{Roles: []string{"leader"}, Department: "sthj"}, false, []row{{"a2", false, false, false}}},
		"secretary: all, confirms and reopens": {api.User{Roles: []string{"secretary"}}, false,
			[]row{{"a1", false, false, false}, {"a4", false, false, false}, {"a2", false, true, true}, {"a3", false, false, true}}},
		"supervisor": {api.User{Roles: []string{"supervisor"}}, false,
			[]row{{"a1", false, false, false}, {"a4", false, false, false}, {"a2", false, true, true}, {"a3", false, false, true}}},
		"a clerk on a meeting's page sees all its actions, acts on their own": {api.User{Roles: []string{"clerk"}, Department: "sthj"}, true,
			[]row{{"a1", false, false, false}, {"a4", false, false, false}, {"a2", false, false, false}, {"a3", false, false, false}}},
		"an officer reads none on the list": {api.User{Roles: []string{"officer"}}, false, nil},
	} {
		got := s.actionsFor(ms, tc.user, tc.every)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d rows, want %d", name, len(got), len(tc.want))
			continue
		}
		for i, w := range tc.want {
			g := got[i]
			if g.ID != w.id || g.CanDone != w.done || g.CanConfirm != w.confirm || g.CanReopen != w.reopn {
				t.Errorf("%s: row %d %s done=%v confirm=%v reopen=%v, want %+v", name, i, g.ID, g.CanDone, g.CanConfirm, g.CanReopen, w)
			}
		}
	}
	rows := s.actionsFor(ms, api.User{Roles: []string{"secretary"}}, false)
	if r := rows[0]; !r.Overdue || r.MeetingID != "m1" || r.MeetingVersion != 4 || r.DepartmentName != "自然资源和规划局" {
		t.Errorf("first row %+v", r)
	}
	if rows[1].Overdue || rows[3].Overdue {
		t.Error("an action not due, or confirmed, is marked overdue")
	}
}

func TestMeetingServiceRefusalsInWords(t *testing.T) {
	for _, tc := range []struct {
		err         *api.Error
		change      string
		field, want string
	}{
		{&api.Error{Status: 422, Code: "note_required", Field: "note", Message: "reopen needs a note"}, "reopen",
			"note", "「退回重办」须写明原因（还缺什么、哪里不符合要求）。"},
		{&api.Error{Status: 409, Code: "version_mismatch", Message: "meeting is at version 5, not 4"}, "done",
			"", "该会议刚被他人更新过，页面已显示最新状态，请核对后重新操作。"},
		{&api.Error{Status: 409, Code: "illegal_transition", Message: "cannot done: it is done"}, "done",
			"", "该任务的状态已经改变，不能「报告办结」。页面已显示最新状态。"},
		{&api.Error{Status: http.StatusForbidden, Code: "forbidden", Message: "only zrzy"}, "done",
			"", "只有任务责任部门的经办人、负责人可以报告办结；确认和退回由会议秘书或督导进行。"},
	} {
		p := explainChange(tc.err, tc.change)
		if p.Field != tc.field || p.Message != tc.want || p.Status != tc.err.Status {
			t.Errorf("%s: %+v, want %q on %q", tc.err.Code, p, tc.want, tc.field)
		}
	}
}
