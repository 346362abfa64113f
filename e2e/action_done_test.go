package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/auth"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"

	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// TestActionDoneStopsItsClock: a joint meeting's minutes create two action
// items for 发展和改革局, both soon red on the deadline service's clock (30
// days ahead). The department reports one done: its clock stops. The
// deadline service is then restarted 130 days ahead, far past the next
// steps of both ladders; the other action climbs to 约谈, the done one emits
// nothing more. Bad requests change nothing.
func TestActionDoneStopsItsClock(t *testing.T) {
	s := newSystem(t)
	policy := []string{"TUIJIN_URGE_DAYS=60", "TUIJIN_SUPERVISE_DAYS=1", "TUIJIN_INTERVIEW_DAYS=1", "TUIJIN_ESCALATE_DAYS=200"}
	s.envFor["deadline"] = append([]string{"TUIJIN_CLOCK_OFFSET=720h"}, policy...)
	s.start("deadline", "coordination-meeting", "notification")
	meetings := s.url("coordination-meeting") + "/v1/meetings"

	var m struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
		Agenda  []struct {
			ID string `json:"id"`
		} `json:"agenda"`
	}
	if resp := s.postJSON(secretary, meetings, map[string]any{"kind": "joint", "title": "立项推进联席会议",
		"starts_at": time.Now().Add(time.Hour).Format(time.RFC3339), "location": "政务服务中心 301",
		"attendees": []string{"fgw"}}, nil, &m); resp.StatusCode != http.StatusCreated {
		t.Fatalf("schedule: status %d", resp.StatusCode)
	}
	entries := []map[string]any{
		{"title": "立项审批超期", "department": "fgw", "project_code": projectCode(821)},
		{"title": "节能审查超期", "department": "fgw", "project_code": projectCode(822)},
	}
	agenda, err := json.Marshal(map[string]any{"entries": entries})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.do(secretary, http.MethodPut, meetings+"/"+m.ID+"/agenda", "application/json", agenda, nil, &m).StatusCode; st != http.StatusOK || len(m.Agenda) != 2 {
		t.Fatalf("agenda: status %d, %d entries", st, len(m.Agenda))
	}
	due := time.Now().Add(48 * time.Hour).Format(time.RFC3339)
	var decisions []map[string]any
	for i, e := range m.Agenda {
		decisions = append(decisions, map[string]any{"agenda_entry_id": e.ID, "outcome": "action", "text": "限期办结",
			"action": map[string]any{"department": "fgw", "description": []string{"完成立项审批", "完成节能审查"}[i], "due_at": due}})
	}
	s.meetingStarts(m.ID)
	if resp := s.postJSON(secretary, meetings+"/"+m.ID+"/minutes", map[string]any{"summary": "会议议定如下。", "decisions": decisions},
		nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("minutes: status %d", resp.StatusCode)
	}
	createdSubject := event.ForDepartment(event.TypeActionCreated, "fgw")
	testenv.WaitFor(t, 20*time.Second, "two action.created.fgw", func() bool {
		return s.streamCount("TUIJIN_EVENTS", createdSubject) == 2
	})
	created := s.envelopes("TUIJIN_EVENTS", createdSubject)
	var done, other meetingv1.ActionCreated
	if err := event.Payload(created[0], &done); err != nil {
		t.Fatal(err)
	}
	if err := event.Payload(created[1], &other); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 30*time.Second, "both actions red", func() bool {
		return countOf(s.deadlineLevels(done.GetActionId()), deadlinev1.Level_LEVEL_RED) == 1 &&
			countOf(s.deadlineLevels(other.GetActionId()), deadlinev1.Level_LEVEL_RED) == 1
	})

	actions := meetings + "/" + m.ID + "/actions/"
	for _, bad := range []struct {
		as   auth.Principal
		path string
		body map[string]any
		want int
	}{
		{secretary, "1/confirm", map[string]any{"actor": "会议秘书"}, http.StatusConflict},                       // not done yet
		{testenv.Clerk("fgw"), "9/done", map[string]any{"actor": "发改局"}, http.StatusNotFound},                // no such action
		{testenv.Clerk("fgw"), "1/done", map[string]any{"actor": "发改局", "colour": 1}, http.StatusBadRequest}, // unknown field
		{testenv.Clerk("zrzy"), "1/done", map[string]any{"actor": "自然资源局"}, http.StatusForbidden},            // another department's
	} {
		var e apiError
		if resp := s.postJSON(bad.as, actions+bad.path, bad.body, nil, &e); resp.StatusCode != bad.want || e.Error.Code == "" {
			t.Errorf("POST %s %v: status %d %+v, want %d with an error body", bad.path, bad.body, resp.StatusCode, e, bad.want)
		}
	}
	changed := event.ForDepartment(event.TypeActionChanged, "fgw")
	if n := s.streamCount("TUIJIN_EVENTS", changed); n != 0 {
		t.Fatalf("refused requests published %d action.changed", n)
	}

	var res struct {
		Action struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"action"`
	}
	// Reported done right after its red event, as a clerk would: the
	// step's record may still be waiting behind the fires' batch, and the
	// change waits for it (deadline.Registered) rather than stopping the
	// clock at the step before.
	if resp := s.postJSON(testenv.Clerk("fgw"), actions+"1/done", map[string]any{"actor": "发改局 张科长", "note": "已批复"}, nil, &res); resp.StatusCode != http.StatusOK ||
		res.Action.Status != "done" || res.Action.ID != done.GetActionId() {
		t.Fatalf("done: status %d %+v", resp.StatusCode, res)
	}
	testenv.WaitFor(t, 20*time.Second, "action.changed.fgw", func() bool { return s.streamCount("TUIJIN_EVENTS", changed) == 1 })
	var ch meetingv1.ActionChanged
	if err := event.Payload(s.envelopes("TUIJIN_EVENTS", changed)[0], &ch); err != nil {
		t.Fatal(err)
	}
	if ch.GetActionId() != done.GetActionId() || ch.GetChange() != "done" || ch.GetStatus() != "done" || ch.GetFromStatus() != "open" {
		t.Fatalf("action.changed %v", &ch)
	}
	var clock deadlineView
	testenv.WaitFor(t, 20*time.Second, "the done action's clock stopped", func() bool {
		s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/action:"+done.GetActionId(), &clock)
		return clock.State == "stopped"
	})
	steps := s.deadlineLevels(done.GetActionId())

	// Far past every next step: the open action climbs, the done one stays.
	s.stop("deadline")
	s.envFor["deadline"] = append([]string{"TUIJIN_CLOCK_OFFSET=3120h"}, policy...)
	s.start("deadline")
	testenv.WaitFor(t, 60*time.Second, "约谈 of the open action", func() bool {
		return countOf(s.deadlineLevels(other.GetActionId()), deadlinev1.Level_LEVEL_INTERVIEW) == 1
	})
	if got := s.deadlineLevels(done.GetActionId()); !slices.Equal(got, steps) {
		t.Errorf("the done action emitted %v, want only its steps from before it was done, %v", got, steps)
	}
	s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/action:"+done.GetActionId(), &clock)
	if clock.State != "stopped" || clock.Level != "red" {
		t.Errorf("done action's clock %+v, want stopped at red", clock)
	}

	// The secretary confirms it; the department hears of that.
	if resp := s.postJSON(secretary, actions+done.GetActionId()+"/confirm", map[string]any{"actor": "督导服务专班 会议秘书"}, nil, &res); resp.StatusCode != http.StatusOK ||
		res.Action.Status != "confirmed" {
		t.Fatalf("confirm: status %d %+v", resp.StatusCode, res)
	}
	testenv.WaitFor(t, 20*time.Second, "the confirmation's action.changed", func() bool { return s.streamCount("TUIJIN_EVENTS", changed) == 2 })
	confirmed := s.envelopes("TUIJIN_EVENTS", changed)[1]
	testenv.WaitFor(t, 30*time.Second, "the department told of the confirmation", func() bool {
		var list struct {
			Items []delivery `json:"items"`
		}
		s.getJSON(operations, s.url("notification")+"/v1/deliveries?recipient=dept:fgw&event="+confirmed.GetId(), &list)
		return slices.ContainsFunc(list.Items, func(d delivery) bool { return d.Status == "sent" })
	})
}
