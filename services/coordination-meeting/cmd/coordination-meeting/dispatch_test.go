package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// TestDispatchMeetingAgendaAndRecurrence: a work group's dispatch meeting
// takes the group's open candidates and its standing members; recording
// its minutes schedules next week's.
func TestDispatchMeetingAgendaAndRecurrence(t *testing.T) {
	f := newFlow(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
	f.publish(t, event.ForDepartment(event.TypeDeadlineOverdue, "fgw"), deadlineEvent(t, event.TypeDeadlineOverdue, "fgw", code+".lixiang", deadlinev1.Level_LEVEL_RED))
	f.publish(t, event.ForDepartment(event.TypeProblemRaised, "sthj"), newEvent(t, event.TypeProblemRaised, &ledgerv1.ProblemRaised{
		ProblemId: "p-1", ProjectCode: code, Department: "sthj", Title: "环评公示期", RaisedAt: timestamppb.Now()}))
	f.publish(t, event.ForDepartment(event.TypeProblemRaised, "zrzy"), newEvent(t, event.TypeProblemRaised, &ledgerv1.ProblemRaised{
		ProblemId: "p-2", ProjectCode: code, Department: "zrzy", Title: "已协调", RaisedAt: timestamppb.Now()}))
	f.publish(t, event.ForDepartment(event.TypeProblemChanged, "zrzy"), newEvent(t, event.TypeProblemChanged, &ledgerv1.ProblemChanged{
		ProblemId: "p-2", ProjectCode: code, Department: "zrzy", Status: "resolved", Measure: "已协调解决"}))
	eventually(t, "candidates", func() bool {
		return f.handled(t, "coordination-meeting-problems") == 3 && len(f.candidates(t, "open")) == 2
	})

	var m meeting.Meeting
	body := `{"kind":"dispatch","title":"用地专班周调度会","starts_at":"2026-03-06T09:00:00+08:00","location":"自然资源和规划局 2 楼会议室","work_group":"yongdi"}`
	if status := do(t, testenv.AsSecretary, http.MethodPost, f.base+"/v1/meetings", "application/json", body, &m); status != http.StatusCreated {
		t.Fatalf("POST: %d", status)
	}
	if m.Recurrence != meeting.RecurWeekly || strings.Join(m.Attendees, ",") != "zrzy,fgw" || len(m.Agenda) != 1 ||
		m.Agenda[0].CandidateID != "red:"+code+".lixiang" {
		t.Fatalf("dispatch meeting %+v", m)
	}
	if open := f.candidates(t, "open"); len(open) != 1 || open[0].ProblemID != "p-1" {
		t.Fatalf("the other group's problem should stay open: %+v", open)
	}
	minutes := `{"decisions":[{"agenda_entry_id":"` + m.Agenda[0].ID + `","outcome":"resolved","text":"当场协调解决"}]}`
	f.clk.Set(m.StartsAt.Add(time.Hour)) // the meeting is held
	var decided meeting.Meeting
	if status := do(t, testenv.AsSecretary, http.MethodPost, f.base+"/v1/meetings/"+m.ID+"/minutes", "application/json", minutes, &decided); status != http.StatusOK {
		t.Fatalf("minutes: %d", status)
	}
	ms := f.meetings(t, "work_group=yongdi")
	if len(ms) != 2 || ms[1].ID != m.ID {
		t.Fatalf("meetings of the group %+v", ms)
	}
	next := ms[0]
	if !next.StartsAt.Equal(m.StartsAt.AddDate(0, 0, 7)) || next.Status != meeting.StatusScheduled || next.Kind != meeting.KindDispatch ||
		next.Title != m.Title || strings.Join(next.Attendees, ",") != "zrzy,fgw" || len(next.Agenda) != 0 {
		t.Fatalf("next occurrence %+v", next)
	}
	readEvents(t, f.js, 2, event.TypeMeetingScheduled)
	readEvents(t, f.js, 1, event.TypeMeetingDecided)

	// What is escalated from now on is on next week's agenda: a red item
	// joins it; its 约谈 takes over the entry instead of convening a joint
	// meeting.
	ref := code + ".jianshe-yongdi"
	f.publish(t, event.ForDepartment(event.TypeDeadlineOverdue, "zrzy"), deadlineEvent(t, event.TypeDeadlineOverdue, "zrzy", ref, deadlinev1.Level_LEVEL_RED))
	eventually(t, "the red item on next week's agenda", func() bool {
		var got meeting.Meeting
		do(t, testenv.Clerk("zrzy"), http.MethodGet, f.base+"/v1/meetings/"+next.ID, "", "", &got)
		return len(got.Agenda) == 1 && got.Agenda[0].CandidateID == "red:"+ref
	})
	f.publish(t, event.ForDepartment(event.TypeDeadlineEscalated, "zrzy"), deadlineEvent(t, event.TypeDeadlineEscalated, "zrzy", ref, deadlinev1.Level_LEVEL_INTERVIEW))
	eventually(t, "the interview taking over the entry", func() bool {
		var got meeting.Meeting
		do(t, testenv.Clerk("zrzy"), http.MethodGet, f.base+"/v1/meetings/"+next.ID, "", "", &got)
		return len(got.Agenda) == 1 && got.Agenda[0].CandidateID == "interview:"+ref && got.Agenda[0].Source == meeting.SourceInterview
	})
	if ms := f.meetings(t, ""); len(ms) != 2 {
		t.Fatalf("%d meetings: a joint meeting was convened for an item on next week's agenda", len(ms))
	}
	// The candidates follow the meeting's update.
	eventually(t, "the interview scheduled in the red light's place", func() bool {
		c := f.candidates(t, "scheduled")
		return len(c) == 1 && c[0].ID == "interview:"+ref && c[0].MeetingID == next.ID
	})

	// A department added by hand is invited by a re-issued meeting.scheduled.
	var cur meeting.Meeting
	do(t, testenv.Clerk("zrzy"), http.MethodGet, f.base+"/v1/meetings/"+next.ID, "", "", &cur)
	edit := `{"entries":[{"id":"` + cur.Agenda[0].ID + `","title":"` + cur.Agenda[0].Title + `"},{"title":"文物勘探进度","department":"wlj"}]}`
	var edited meeting.Meeting
	if status := do(t, testenv.AsSupervisor, http.MethodPut, f.base+"/v1/meetings/"+next.ID+"/agenda", "application/json", edit, &edited); status != http.StatusOK ||
		strings.Join(edited.Attendees, ",") != "zrzy,fgw,wlj" {
		t.Fatalf("edit: %d %+v", status, edited)
	}
	evs := readEvents(t, f.js, 3, event.TypeMeetingScheduled)
	var re meetingv1.MeetingScheduled
	if err := event.Payload(evs[2], &re); err != nil || re.GetMeetingId() != next.ID || strings.Join(re.GetAttendees(), ",") != "zrzy,fgw,wlj" ||
		len(re.GetAgenda()) != 2 {
		t.Fatalf("re-issued invitation %v, %v", &re, err)
	}

	var errBody errorBody
	for _, tt := range []struct{ path, code, field string }{
		{"/v1/agenda-candidates?status=lost", "invalid_status", "status"},
		{"/v1/agenda-candidates?limit=0", "invalid_limit", "limit"},
	} {
		if status := do(t, testenv.Clerk("zrzy"), http.MethodGet, f.base+tt.path, "", "", &errBody); status != 422 || errBody.Error.Code != tt.code || errBody.Error.Field != tt.field {
			t.Errorf("%s: %d %+v", tt.path, status, errBody)
		}
	}
	for _, p := range []string{"/v1/meetings/nope/invite.ics", "/v1/meetings/nope/minutes.md"} {
		if status := do(t, testenv.Clerk("zrzy"), http.MethodGet, f.base+p, "", "", &errBody); status != 404 || errBody.Error.Code != "meeting_not_found" {
			t.Errorf("%s: %d %+v", p, status, errBody)
		}
	}
	if status := do(t, testenv.AsSecretary, http.MethodPost, f.base+"/v1/meetings/nope/minutes", "application/json", minutes, &errBody); status != 404 {
		t.Errorf("minutes of unknown meeting: %d", status)
	}
}
