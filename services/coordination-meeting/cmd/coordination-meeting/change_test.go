package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// TestMoveAndCancel: a dispatch meeting is not minuted before it starts; it
// is moved (bad moves refused, changing and publishing nothing), which its
// invitation follows with the same UID and a higher SEQUENCE; then cancelled,
// which frees its agenda's candidate and turns its invitation into an iTIP
// CANCEL. A cancelled or decided meeting is moved, cancelled, minuted no more.
func TestMoveAndCancel(t *testing.T) {
	f := newFlow(t, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
	events := scheduledEvents(t, f.js)
	red := code + ".lixiang"
	f.publish(t, event.ForDepartment(event.TypeDeadlineOverdue, "fgw"), deadlineEvent(t, event.TypeDeadlineOverdue, "fgw", red, deadlinev1.Level_LEVEL_RED))
	eventually(t, "the red item a candidate", func() bool { return len(f.candidates(t, "open")) == 1 })

	var m meeting.Meeting
	body := `{"kind":"dispatch","title":"用地专班周调度会","starts_at":"2026-03-06T09:00:00+08:00","location":"自然资源和规划局 2 楼会议室","work_group":"yongdi"}`
	if s := do(t, testenv.AsSecretary, http.MethodPost, f.base+"/v1/meetings", "application/json", body, &m); s != http.StatusCreated || len(m.Agenda) != 1 {
		t.Fatalf("POST: %d %+v", s, m)
	}
	if ev := events.next(t); ev.GetStatus() != meeting.StatusScheduled || ev.GetSequence() != 1 {
		t.Fatalf("scheduled event %v", ev)
	}
	uid := m.ID + "@tuijin"
	if inv := invitation(t, f.base, m.ID); inv.method != "REQUEST" || inv.uid != uid || inv.sequence != "1" {
		t.Fatalf("invitation %+v", inv)
	}
	minutes := `{"decisions":[{"agenda_entry_id":"` + m.Agenda[0].ID + `","outcome":"resolved","text":"当场协调解决"}]}`
	expect(t, "minutes before the start", http.MethodPost, f.base+"/v1/meetings/"+m.ID+"/minutes", minutes, 409, "meeting_not_started", "")

	moveURL, cancelURL := f.base+"/v1/meetings/"+m.ID+"/move", f.base+"/v1/meetings/"+m.ID+"/cancel"
	for _, tt := range []struct {
		name, url, body string
		status          int
		code, field     string
	}{
		{"no starts_at", moveURL, `{"reason":"冲突","version":1}`, 422, "required", "starts_at"},
		{"unparseable starts_at", moveURL, `{"starts_at":"下周一上午","reason":"冲突","version":1}`, 422, "invalid_time", "starts_at"},
		{"starts_at past", moveURL, `{"starts_at":"2026-03-01T09:00:00+08:00","reason":"冲突","version":1}`, 422, "starts_in_past", "starts_at"},
		{"unchanged", moveURL, `{"starts_at":"2026-03-06T09:00:00+08:00","reason":"冲突","version":1}`, 422, "unchanged", "starts_at"},
		{"no reason", moveURL, `{"starts_at":"2026-03-09T15:00:00+08:00","reason":" ","version":1}`, 422, "required", "reason"},
		{"no version", moveURL, `{"starts_at":"2026-03-09T15:00:00+08:00","reason":"冲突"}`, 422, "required", "version"},
		{"stale version", moveURL, `{"starts_at":"2026-03-09T15:00:00+08:00","reason":"冲突","version":7}`, 409, "version_mismatch", ""},
		{"unknown field", moveURL, `{"starts_at":"2026-03-09T15:00:00+08:00","reason":"冲突","version":1,"status":"x"}`, 400, "unknown_field", "status"},
		{"unknown meeting", f.base + "/v1/meetings/nope/move", `{"starts_at":"2026-03-09T15:00:00+08:00","reason":"冲突","version":1}`, 404, "meeting_not_found", ""},
		{"cancel without reason", cancelURL, `{"version":1}`, 422, "required", "reason"},
		{"cancel stale version", cancelURL, `{"reason":"已解决","version":2}`, 409, "version_mismatch", ""},
	} {
		expect(t, tt.name, http.MethodPost, tt.url, tt.body, tt.status, tt.code, tt.field)
	}
	var clerkErr errorBody
	if s := do(t, testenv.Clerk("zrzy"), http.MethodPost, moveURL, "application/json", `{"starts_at":"2026-03-09T15:00:00+08:00","reason":"冲突","version":1}`, &clerkErr); s != 403 {
		t.Errorf("a clerk moving the meeting: %d %+v", s, clerkErr)
	}
	if got := get(t, f.base, m.ID); got.Version != 1 || !got.StartsAt.Equal(m.StartsAt) || got.Location != m.Location || len(got.History) != 0 || got.Status != meeting.StatusScheduled {
		t.Fatalf("refused changes changed the meeting: %+v", got)
	}

	// Moved: new time and place, the same meeting, its timeline and event.
	var moved meeting.Meeting
	if s := do(t, testenv.AsSecretary, http.MethodPost, moveURL, "application/json",
		`{"starts_at":"2026-03-09T15:00:00+08:00","location":"县政府 3 楼会议室","reason":"与县政府常务会冲突","version":1}`, &moved); s != http.StatusOK {
		t.Fatalf("move: %d", s)
	}
	newStart := time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)
	if h := moved.History; moved.Version != 2 || !moved.StartsAt.Equal(newStart) || moved.Location != "县政府 3 楼会议室" || len(h) != 1 ||
		h[0].Change != meeting.ChangeMoved || h[0].Actor != testenv.AsSecretary.Actor() || !h[0].FromStartsAt.Equal(m.StartsAt) ||
		h[0].Reason != "与县政府常务会冲突" || moved.Status != meeting.StatusScheduled {
		t.Fatalf("moved %+v", moved)
	}
	if got := get(t, f.base, m.ID); got.Version != 2 || !got.StartsAt.Equal(newStart) || len(got.History) != 1 {
		t.Fatalf("stored %+v", got)
	}
	// The ordered consumer sees the stream in order: a refused change that
	// had published would come first.
	if ev := events.next(t); ev.GetMeetingId() != m.ID || ev.GetStatus() != meeting.ChangeMoved || ev.GetSequence() != 2 ||
		!ev.GetStartsAt().AsTime().Equal(newStart) || ev.GetLocation() != moved.Location || ev.GetReason() != "与县政府常务会冲突" {
		t.Fatalf("move event %v", ev)
	}
	if inv := invitation(t, f.base, m.ID); inv.method != "REQUEST" || inv.uid != uid || inv.sequence != "2" ||
		inv.start != "20260309T070000Z" || inv.location != moved.Location || inv.status != "CONFIRMED" {
		t.Fatalf("moved invitation %+v", inv)
	}
	f.clk.Set(m.StartsAt.Add(time.Hour)) // the old time has passed, the new not yet
	expect(t, "minutes before the new start", http.MethodPost, f.base+"/v1/meetings/"+m.ID+"/minutes", minutes, 409, "meeting_not_started", "")

	// Cancelled: an iTIP CANCEL of the same event, its candidate free again.
	var cancelled meeting.Meeting
	if s := do(t, testenv.AsSupervisor, http.MethodPost, cancelURL, "application/json", `{"reason":"议题已协调解决","version":2}`, &cancelled); s != http.StatusOK {
		t.Fatalf("cancel: %d", s)
	}
	if h := cancelled.History; cancelled.Status != meeting.StatusCancelled || cancelled.Version != 3 || len(h) != 2 ||
		h[1].Change != meeting.ChangeCancelled || h[1].Actor != testenv.AsSupervisor.Actor() || h[1].Reason != "议题已协调解决" {
		t.Fatalf("cancelled %+v", cancelled)
	}
	if ev := events.next(t); ev.GetMeetingId() != m.ID || ev.GetStatus() != meeting.StatusCancelled || ev.GetSequence() != 3 || ev.GetReason() != "议题已协调解决" {
		t.Fatalf("cancel event %v", ev)
	}
	if inv := invitation(t, f.base, m.ID); inv.method != "CANCEL" || inv.contentType != "text/calendar; charset=utf-8; method=CANCEL" ||
		inv.uid != uid || inv.sequence != "3" || inv.status != "CANCELLED" || inv.attendees == 0 {
		t.Fatalf("cancellation %+v", inv)
	}
	if open := f.candidates(t, "open"); len(open) != 1 || open[0].ID != "red:"+red {
		t.Fatalf("the cancelled meeting's candidate should be open again: %+v", open)
	}
	f.clk.Set(newStart.Add(time.Hour))
	for _, tt := range []struct{ name, method, url, body string }{
		{"move", http.MethodPost, moveURL, `{"starts_at":"2026-03-20T09:00:00+08:00","reason":"再议","version":3}`},
		{"cancel", http.MethodPost, cancelURL, `{"reason":"再议","version":3}`},
		{"minutes", http.MethodPost, f.base + "/v1/meetings/" + m.ID + "/minutes", minutes},
		{"agenda", http.MethodPut, f.base + "/v1/meetings/" + m.ID + "/agenda", `{"entries":[]}`},
	} {
		expect(t, tt.name+" of a cancelled meeting", tt.method, tt.url, tt.body, 409, "meeting_cancelled", "")
	}
	if got := get(t, f.base, m.ID); got.Version != 3 || got.Minutes != nil || len(got.History) != 2 {
		t.Fatalf("refused changes of a cancelled meeting changed it: %+v", got)
	}

	// Decided: held, minuted once started, and then fixed.
	var held meeting.Meeting
	body = `{"kind":"joint","title":"专题协调会","starts_at":"2026-03-10T09:00:00+08:00","location":"301","attendees":["fgw"]}`
	if s := do(t, testenv.AsSecretary, http.MethodPost, f.base+"/v1/meetings", "application/json", body, &held); s != http.StatusCreated {
		t.Fatalf("POST: %d", s)
	}
	f.clk.Set(held.StartsAt.Add(time.Minute))
	if s := do(t, testenv.AsSecretary, http.MethodPost, f.base+"/v1/meetings/"+held.ID+"/minutes", "application/json", `{"summary":"无议题","decisions":[]}`, &held); s != http.StatusOK {
		t.Fatalf("minutes once started: %d", s)
	}
	expect(t, "move of a decided meeting", http.MethodPost, f.base+"/v1/meetings/"+held.ID+"/move",
		fmt.Sprintf(`{"starts_at":"2026-03-20T09:00:00+08:00","reason":"再议","version":%d}`, held.Version), 409, "meeting_decided", "")
	expect(t, "cancel of a decided meeting", http.MethodPost, f.base+"/v1/meetings/"+held.ID+"/cancel",
		fmt.Sprintf(`{"reason":"再议","version":%d}`, held.Version), 409, "meeting_decided", "")
}

// expect sends body as the secretary and checks the refusal.
func expect(t *testing.T, name, method, url, body string, status int, code, field string) {
	t.Helper()
	var e errorBody
	if s := do(t, testenv.AsSecretary, method, url, "application/json", body, &e); s != status || e.Error.Code != code || e.Error.Field != field {
		t.Errorf("%s: %d %+v; want %d %s %q", name, s, e.Error, status, code, field)
	}
}

func get(t *testing.T, base, id string) meeting.Meeting {
	t.Helper()
	var m meeting.Meeting
	if s := do(t, testenv.AsSupervisor, http.MethodGet, base+"/v1/meetings/"+id, "", "", &m); s != http.StatusOK {
		t.Fatalf("GET %s: %d", id, s)
	}
	return m
}

// invite is what a calendar client reads of an invitation.
type invite struct {
	contentType, method, uid, sequence, start, location, status string
	attendees                                                   int
}

// invitation reads a meeting's invite.ics back with the iCal library.
func invitation(t *testing.T, base, id string) invite {
	t.Helper()
	resp, err := getAs(t, testenv.Clerk("fgw"), base+"/v1/meetings/"+id+"/invite.ics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	cal, err := ics.ParseCalendar(resp.Body)
	if err != nil || len(cal.Events()) != 1 {
		t.Fatalf("invitation: %d events, %v", len(cal.Events()), err)
	}
	inv := invite{contentType: resp.Header.Get("Content-Type")}
	if i := slices.IndexFunc(cal.CalendarProperties, func(p ics.CalendarProperty) bool { return p.IANAToken == string(ics.PropertyMethod) }); i >= 0 {
		inv.method = cal.CalendarProperties[i].Value
	}
	ev := cal.Events()[0]
	value := func(p ics.ComponentProperty) string {
		if prop := ev.GetProperty(p); prop != nil {
			return strings.TrimSpace(prop.Value)
		}
		return ""
	}
	inv.uid, inv.sequence, inv.start = value(ics.ComponentPropertyUniqueId), value(ics.ComponentPropertySequence), value(ics.ComponentPropertyDtStart)
	inv.location, inv.status, inv.attendees = value(ics.ComponentPropertyLocation), value(ics.ComponentPropertyStatus), len(ev.Attendees())
	return inv
}
