package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/xuri/excelize/v2"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/transport"
)

const code = "2024-370481-04-01-123456"

type flowEnv struct {
	js   jetstream.JetStream
	pub  *bus.Publisher
	base string
	clk  *clock.Manual
}

func newFlow(t *testing.T, now time.Time) *flowEnv {
	t.Helper()
	natsURL, js := testenv.JetStream(t)
	f := &flowEnv{js: js, clk: newClock()}
	f.clk.Set(now)
	f.pub = bus.NewPublisher(js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	f.base = start(t, f.clk, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t))
	return f
}

func (f *flowEnv) publish(t *testing.T, subject string, env *eventv1.Envelope) {
	t.Helper()
	if err := f.pub.PublishEvent(context.Background(), subject, env); err != nil {
		t.Fatal(err)
	}
}

// republish sends env again under a fresh Nats-Msg-Id: a redelivery the
// stream's duplicate window does not catch.
func (f *flowEnv) republish(t *testing.T, subject string, env *eventv1.Envelope) {
	t.Helper()
	data, err := event.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	h := nats.Header{}
	h.Set(jetstream.MsgIDHeader, env.GetId()+"-again")
	if _, err := f.js.PublishMsg(context.Background(), &nats.Msg{Subject: subject, Header: h, Data: data}); err != nil {
		t.Fatal(err)
	}
}

func newEvent(t *testing.T, typ string, payload proto.Message) *eventv1.Envelope {
	t.Helper()
	env, err := event.New(typ, "test", event.Ref("test", "x"), time.Now(), payload)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func deadlineEvent(t *testing.T, typ, dept, ref string, level deadlinev1.Level) *eventv1.Envelope {
	return newEvent(t, typ, &deadlinev1.DeadlineEvent{TimerId: "t-" + ref, Kind: "item", RefId: ref, ProjectCode: code,
		Department: dept, Level: level, DueAt: timestamppb.New(time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)),
		FiredAt: timestamppb.New(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))})
}

func (f *flowEnv) meetings(t *testing.T, query string) []meeting.Meeting {
	t.Helper()
	var l listBody
	if status := do(t, testenv.AsSupervisor, http.MethodGet, f.base+"/v1/meetings?"+query, "", "", &l); status != http.StatusOK {
		t.Fatalf("list: %d", status)
	}
	return l.Items
}

func (f *flowEnv) candidates(t *testing.T, status string) []meeting.Candidate {
	t.Helper()
	var l struct{ Items []meeting.Candidate }
	if s := do(t, testenv.AsSupervisor, http.MethodGet, f.base+"/v1/agenda-candidates?status="+status, "", "", &l); s != http.StatusOK {
		t.Fatalf("candidates: %d", s)
	}
	return l.Items
}

func (f *flowEnv) handled(t *testing.T, consumer string) float64 {
	t.Helper()
	resp, err := http.Get(f.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	prefix := `tuijin_bus_messages_handled_total{consumer="` + consumer + `",outcome="ack"} `
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.WaitFor(t, 30*time.Second, what, cond)
}

// readEvents reads every event on subjects from the stream, in order.
func readEvents(t *testing.T, js jetstream.JetStream, want int, subjects ...string) []*eventv1.Envelope {
	t.Helper()
	c, err := js.OrderedConsumer(context.Background(), bus.EventsStream, jetstream.OrderedConsumerConfig{FilterSubjects: subjects})
	if err != nil {
		t.Fatal(err)
	}
	var out []*eventv1.Envelope
	for len(out) < want {
		msg, err := c.Next(jetstream.FetchMaxWait(20 * time.Second))
		if err != nil {
			t.Fatalf("after %d of %d events on %v: %v", len(out), want, subjects, err)
		}
		env, err := event.Decode(msg.Data())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, env)
	}
	if msg, err := c.Next(jetstream.FetchMaxWait(300 * time.Millisecond)); err == nil {
		t.Fatalf("more events than %d on %v: %s", want, subjects, msg.Subject())
	}
	return out
}

// TestEscalationToDecision: an item reaching 约谈 convenes a joint meeting
// with the right attendees once, however often the escalation arrives; the
// agenda is edited before it; the minutes record an action item and a 提级,
// published as events for the deadline service, the ledger and
// notification; invitations and minutes export.
func TestEscalationToDecision(t *testing.T) {
	monday := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC) // Monday 10:00 Beijing time
	f := newFlow(t, monday)
	ref := code + ".yongdi-yushen"
	subject := event.ForDepartment(event.TypeDeadlineEscalated, "zrzy")

	f.publish(t, event.ForDepartment(event.TypeDeadlineOverdue, "zrzy"), deadlineEvent(t, event.TypeDeadlineOverdue, "zrzy", ref, deadlinev1.Level_LEVEL_RED))
	f.publish(t, subject, deadlineEvent(t, event.TypeDeadlineEscalated, "zrzy", ref, deadlinev1.Level_LEVEL_URGE))
	eventually(t, "the red candidate", func() bool { return len(f.candidates(t, "open")) == 1 })
	if ms := f.meetings(t, ""); len(ms) != 0 {
		t.Fatalf("an urge convened a meeting: %+v", ms)
	}

	interview := deadlineEvent(t, event.TypeDeadlineEscalated, "zrzy", ref, deadlinev1.Level_LEVEL_INTERVIEW)
	f.publish(t, subject, interview)
	f.republish(t, subject, interview)
	f.publish(t, subject, deadlineEvent(t, event.TypeDeadlineEscalated, "zrzy", ref, deadlinev1.Level_LEVEL_INTERVIEW))
	eventually(t, "escalations handled", func() bool { return f.handled(t, "coordination-meeting-deadline") == 5 })

	ms := f.meetings(t, "")
	if len(ms) != 1 {
		t.Fatalf("%d meetings convened, want 1: %+v", len(ms), ms)
	}
	m := ms[0]
	wednesday9 := time.Date(2026, 3, 4, 1, 0, 0, 0, time.UTC)
	if m.Kind != meeting.KindJoint || !m.AutoConvened || !m.StartsAt.Equal(wednesday9) || m.WorkGroup != "yongdi" ||
		strings.Join(m.Attendees, ",") != "zrzy,fgw" || m.ProjectCode != code || len(m.Agenda) != 1 ||
		m.Agenda[0].CandidateID != "interview:"+ref || m.Status != meeting.StatusScheduled {
		t.Fatalf("convened %+v", m)
	}
	if open := f.candidates(t, "open"); len(open) != 0 {
		t.Fatalf("open candidates left: %+v (the red light is superseded, the interview scheduled)", open)
	}
	scheduled := readEvents(t, f.js, 1, event.TypeMeetingScheduled)
	var sch meetingv1.MeetingScheduled
	if err := event.Payload(scheduled[0], &sch); err != nil || sch.GetMeetingId() != m.ID || strings.Join(sch.GetAttendees(), ",") != "zrzy,fgw" ||
		!sch.GetAutoConvened() || sch.GetProjectCode() != code || len(sch.GetAgenda()) != 1 || sch.GetAgenda()[0] != m.Agenda[0].Title {
		t.Fatalf("scheduled event %v, %v", &sch, err)
	}

	t.Run("invitation", func(t *testing.T) {
		resp, err := getAs(t, testenv.Clerk("fgw"), f.base+"/v1/meetings/"+m.ID+"/invite.ics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar; charset=utf-8") {
			t.Fatalf("status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		s := string(b)
		for _, want := range []string{"BEGIN:VCALENDAR\r\n", "METHOD:REQUEST\r\n", "UID:" + m.ID + "@tuijin\r\n", "DTSTART:20260304T010000Z\r\n", "ATTENDEE;CN=发展和改革局;", "ORGANIZER:mailto:" + organizer + "\r\n"} {
			if !strings.Contains(s, want) {
				t.Errorf("invitation lacks %q:\n%s", want, s)
			}
		}
	})

	// A problem raised meanwhile is added to the agenda by hand, the
	// escalated item's entry reworded.
	f.publish(t, event.ForDepartment(event.TypeProblemRaised, "sthj"), newEvent(t, event.TypeProblemRaised, &ledgerv1.ProblemRaised{
		ProblemId: "p-7", ProjectCode: code, Department: "sthj", Title: "选址涉及生态红线", RaisedAt: timestamppb.Now()}))
	eventually(t, "the problem candidate", func() bool { return len(f.candidates(t, "open")) == 1 })

	entry := m.Agenda[0]
	var edited meeting.Meeting
	agenda := `{"version":1,"entries":[{"id":"` + entry.ID + `","title":"用地预审超期（约谈）","text":"请自然资源和规划局说明原因"},
		{"title":"选址涉及生态红线","department":"sthj","project_code":"` + code + `"}]}`
	if status := do(t, testenv.AsSecretary, http.MethodPut, f.base+"/v1/meetings/"+m.ID+"/agenda", "application/json", agenda, &edited); status != http.StatusOK {
		t.Fatalf("agenda edit: %d", status)
	}
	if len(edited.Agenda) != 2 || edited.Agenda[0].Title != "用地预审超期（约谈）" || edited.Version != 2 ||
		strings.Join(edited.Attendees, ",") != "zrzy,fgw,sthj" {
		t.Fatalf("edited %+v", edited)
	}
	t.Run("bad agenda edits change nothing", func(t *testing.T) {
		for _, tt := range []struct {
			name, contentType, body string
			status                  int
			code, field             string
		}{
			{"stale version", "application/json", `{"version":1,"entries":[]}`, 409, "version_mismatch", ""},
			{"unknown entry", "application/json", `{"entries":[{"id":"x","title":"t"}]}`, 422, "unknown_entry", "entries[0].id"},
			{"unknown department", "application/json", `{"entries":[{"title":"t","department":"x"}]}`, 422, "unknown_department", "entries[0].department"},
			{"malformed", "application/json", `{"entries":[`, 400, "malformed_json", ""},
			{"unknown field", "application/json", `{"items":[]}`, 400, "unknown_field", "items"},
			{"wrong content type", "text/plain", `{"entries":[]}`, 415, "unsupported_media_type", ""},
		} {
			var body errorBody
			status := do(t, testenv.AsSecretary, http.MethodPut, f.base+"/v1/meetings/"+m.ID+"/agenda", tt.contentType, tt.body, &body)
			if status != tt.status || body.Error.Code != tt.code || body.Error.Field != tt.field {
				t.Errorf("%s: %d %+v", tt.name, status, body.Error)
			}
		}
		var body errorBody
		if status := do(t, testenv.AsSecretary, http.MethodPut, f.base+"/v1/meetings/nope/agenda", "application/json", `{"entries":[]}`, &body); status != 404 {
			t.Errorf("unknown meeting: %d %+v", status, body)
		}
		var got meeting.Meeting
		do(t, testenv.AsSupervisor, http.MethodGet, f.base+"/v1/meetings/"+m.ID, "", "", &got)
		if got.Version != 2 || len(got.Agenda) != 2 {
			t.Fatalf("bad edits changed the meeting: %+v", got)
		}
	})

	// The meeting is held; the minutes are recorded.
	f.clk.Set(wednesday9.Add(2 * time.Hour))
	manual := edited.Agenda[1]
	minutes := `{"summary":"会议议定如下。","decisions":[
		{"agenda_entry_id":"` + entry.ID + `","outcome":"action","text":"限期办结",
		 "action":{"department":"zrzy","description":"五个工作日内出具用地预审意见","due_at":"2026-03-11T18:00:00+08:00"}},
		{"agenda_entry_id":"` + manual.ID + `","outcome":"escalate","text":"提请县政府常务会研究","report":"关于城北物流园选址涉及生态红线问题的专题报告"}]}`
	t.Run("bad minutes change nothing", func(t *testing.T) {
		for _, tt := range []struct {
			name, body  string
			status      int
			code, field string
		}{
			{"undecided entry", `{"decisions":[{"agenda_entry_id":"` + entry.ID + `","outcome":"resolved","text":"已解决"}]}`, 422, "undecided_entry", "decisions"},
			{"action without due", strings.Replace(minutes, `,"due_at":"2026-03-11T18:00:00+08:00"`, "", 1), 422, "required", "decisions[0].action.due_at"},
			{"bad outcome", strings.Replace(minutes, `"escalate"`, `"defer"`, 1), 422, "invalid_outcome", "decisions[1].outcome"},
			{"wrong type", `{"decisions":{}}`, 400, "wrong_type", "decisions"},
			{"unknown field", `{"decided":[]}`, 400, "unknown_field", "decided"},
			{"malformed", `{"decisions":[`, 400, "malformed_json", ""},
			{"too large", `{"summary":"` + strings.Repeat("纪", 100<<10) + `"}`, 413, "body_too_large", ""},
			{"not json", "", 415, "unsupported_media_type", ""},
		} {
			var body errorBody
			contentType := "application/json"
			if tt.code == "unsupported_media_type" {
				contentType, tt.body = "text/plain", minutes
			}
			status := do(t, testenv.AsSecretary, http.MethodPost, f.base+"/v1/meetings/"+m.ID+"/minutes", contentType, tt.body, &body)
			if status != tt.status || body.Error.Code != tt.code || body.Error.Field != tt.field {
				t.Errorf("%s: %d %+v", tt.name, status, body.Error)
			}
		}
	})
	var decided meeting.Meeting
	if status := do(t, testenv.AsSecretary, http.MethodPost, f.base+"/v1/meetings/"+m.ID+"/minutes", "application/json", minutes, &decided); status != http.StatusOK {
		t.Fatalf("minutes: %d", status)
	}
	if decided.Status != meeting.StatusDecided || decided.Minutes == nil || len(decided.Minutes.Decisions) != 2 {
		t.Fatalf("decided %+v", decided)
	}
	var body errorBody
	if status := do(t, testenv.AsSecretary, http.MethodPost, f.base+"/v1/meetings/"+m.ID+"/minutes", "application/json", minutes, &body); status != 409 || body.Error.Code != "minutes_recorded" {
		t.Fatalf("minutes twice: %d %+v", status, body)
	}
	if status := do(t, testenv.AsSecretary, http.MethodPut, f.base+"/v1/meetings/"+m.ID+"/agenda", "application/json", `{"entries":[]}`, &body); status != 409 || body.Error.Code != "meeting_started" {
		t.Fatalf("agenda after the meeting: %d %+v", status, body)
	}

	evs := readEvents(t, f.js, 3, event.TypeMeetingDecided, event.AllDepartments(event.TypeActionCreated))
	var outcomes []string
	var action *meetingv1.ActionCreated
	for _, env := range evs {
		switch env.GetType() {
		case event.TypeMeetingDecided:
			var d meetingv1.MeetingDecided
			if err := event.Payload(env, &d); err != nil {
				t.Fatal(err)
			}
			outcomes = append(outcomes, d.GetOutcome()+":"+d.GetProjectCode())
		case event.TypeActionCreated:
			action = &meetingv1.ActionCreated{}
			if err := event.Payload(env, action); err != nil {
				t.Fatal(err)
			}
		}
	}
	if strings.Join(outcomes, ",") != "action:"+code+",escalate:"+code {
		t.Fatalf("decided events %v", outcomes)
	}
	if action == nil || action.GetDepartment() != "zrzy" || action.GetMeetingId() != m.ID || action.GetProjectCode() != code ||
		!action.GetDueAt().AsTime().Equal(time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)) || action.GetActionId() != decided.Minutes.Decisions[0].Action.ID || action.GetAgendaEntryId() != entry.ID {
		t.Fatalf("action event %v", action)
	}
	if got := f.candidates(t, "decided"); len(got) != 1 || got[0].ID != "interview:"+ref || got[0].MeetingID != m.ID {
		t.Fatalf("decided candidates %+v", got)
	}

	t.Run("minutes export", func(t *testing.T) {
		resp, err := getAs(t, testenv.Leader("zrzy"), f.base+"/v1/meetings/"+m.ID+"/minutes.md")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		md := string(b)
		if resp.Header.Get("Content-Type") != "text/markdown; charset=utf-8" || !strings.Contains(md, "| 1 | 用地预审超期（约谈） | 自然资源和规划局 | 交办 |") ||
			!strings.Contains(md, "## 专题报告：选址涉及生态红线") {
			t.Fatalf("minutes export:\n%s", md)
		}
	})

	t.Run("minutes workbook", func(t *testing.T) {
		resp, err := getAs(t, testenv.Officer("wangfang"), f.base+"/v1/meetings/"+m.ID+"/minutes.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != transport.XLSXContentType {
			t.Fatalf("status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		b, _ := io.ReadAll(resp.Body)
		testenv.CheckSheetRanges(t, b)
		x, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		rows, err := x.GetRows(transport.MinutesSheet)
		if err != nil {
			t.Fatal(err)
		}
		var table [][]string
		for i, r := range rows {
			if len(r) > 0 && r[0] == "序号" {
				table = rows[i:]
			}
		}
		if rows[0][0] != m.Title+"会议纪要" || len(table) != 3 ||
			strings.Join(table[1], "|") != "1|用地预审超期（约谈）|自然资源和规划局|交办|限期办结：五个工作日内出具用地预审意见|2026-03-11" ||
			strings.Join(table[2][:4], "|") != "2|选址涉及生态红线|生态环境局|提级" {
			t.Fatalf("minutes sheet %q", rows)
		}
		reports, err := x.GetRows(transport.ReportsSheet)
		if err != nil || len(reports) != 2 || reports[1][1] != "关于城北物流园选址涉及生态红线问题的专题报告" {
			t.Fatalf("reports sheet %q, %v", reports, err)
		}
	})

	// Escalated again after the decision: nothing new is convened.
	f.publish(t, subject, deadlineEvent(t, event.TypeDeadlineEscalated, "zrzy", ref, deadlinev1.Level_LEVEL_INTERVIEW))
	eventually(t, "the late escalation", func() bool { return f.handled(t, "coordination-meeting-deadline") == 6 })
	if ms := f.meetings(t, ""); len(ms) != 1 {
		t.Fatalf("%d meetings after a late escalation", len(ms))
	}
}
