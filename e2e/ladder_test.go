package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"

	"github.com/tuijin/tuijin/pkg/event"
)

// TestEscalationToMeetingToMessage follows an item that nobody handles
// from its assignment up the escalation ladder to 约谈, into an ad-hoc
// joint meeting, to an action item decided in its minutes, which the
// deadline service then tracks and the department hears of in its inbox,
// by e-mail and through its chat robot. Everything runs as the real
// services over NATS, SMTP and HTTP; the deadline service's clock runs 30
// days ahead so that the working days pass.
func TestEscalationToMeetingToMessage(t *testing.T) {
	s := newSystem(t)
	mail := startMailSink(t)
	robot := startRobotSink(t)
	recipients := filepath.Join(t.TempDir(), "recipients.yaml")
	if err := os.WriteFile(recipients, []byte(fmt.Sprintf(`recipients:
  dept:fgw:
    email: xmb@fgw.tuijin.test
    webhook: %q
    channels: [inbox, email, webhook]
`, robot.srv.URL+"/robot/send?key=fgw")), 0o644); err != nil {
		t.Fatal(err)
	}
	s.envFor["deadline"] = []string{
		"TUIJIN_CLOCK_OFFSET=720h",
		"TUIJIN_URGE_DAYS=1", "TUIJIN_SUPERVISE_DAYS=1", "TUIJIN_INTERVIEW_DAYS=1", "TUIJIN_ESCALATE_DAYS=60",
	}
	s.envFor["notification"] = []string{
		"TUIJIN_RECIPIENTS_FILE=" + recipients, "TUIJIN_SMTP_ADDR=" + mail.addr, "TUIJIN_RETRY_INTERVAL=200ms",
	}
	s.start(services...)
	code := projectCode(777)
	lixiang := code + ".lixiang" // 发展和改革局, 5 working days

	s.registerProject(code)

	// The ladder, each step once, up to 约谈 and not beyond.
	eventually(t, 60*time.Second, "约谈 of 立项", func() bool {
		return slices.Contains(s.deadlineLevels(lixiang), deadlinev1.Level_LEVEL_INTERVIEW)
	})
	levels := s.deadlineLevels(lixiang)
	for _, lv := range []deadlinev1.Level{deadlinev1.Level_LEVEL_RED, deadlinev1.Level_LEVEL_URGE,
		deadlinev1.Level_LEVEL_SUPERVISE, deadlinev1.Level_LEVEL_INTERVIEW} {
		if n := countOf(levels, lv); n != 1 {
			t.Errorf("%s fired %d times for %s, want once (all: %v)", lv, n, lixiang, levels)
		}
	}
	if n := countOf(levels, deadlinev1.Level_LEVEL_ESCALATE); n != 0 {
		t.Errorf("提级 fired %d times, want none yet", n)
	}

	// The joint meeting convened for it, with 发展和改革局 attending.
	var m meetingView
	eventually(t, 30*time.Second, "the joint meeting", func() bool {
		var list struct {
			Items []meetingView `json:"items"`
		}
		s.getJSON(supervisor, s.url("coordination-meeting")+"/v1/meetings?limit=50", &list)
		for _, c := range list.Items {
			if c.Kind == "joint" && c.AutoConvened && c.entryFor(lixiang) != "" {
				m = c
				return true
			}
		}
		return false
	})
	if !slices.Contains(m.Attendees, "fgw") {
		t.Fatalf("meeting attendees %v lack fgw", m.Attendees)
	}

	// Minutes, once the meeting has begun (on its agenda as it stands then):
	// an action item for 发展和改革局 on the 立项 entry, the rest resolved.
	s.meetingStarts(m.ID)
	if st := s.getJSON(secretary, s.url("coordination-meeting")+"/v1/meetings/"+m.ID, &m); st != http.StatusOK {
		t.Fatalf("meeting %s: status %d", m.ID, st)
	}
	due := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Second)
	var decisions []map[string]any
	for _, e := range m.Agenda {
		d := map[string]any{"agenda_entry_id": e.ID, "outcome": "resolved", "text": "会上协调解决"}
		if e.ID == m.entryFor(lixiang) {
			d = map[string]any{"agenda_entry_id": e.ID, "outcome": "action", "text": "限期办结",
				"action": map[string]any{"department": "fgw", "description": "五个工作日内完成立项审批", "due_at": due.Format(time.RFC3339)}}
		}
		decisions = append(decisions, d)
	}
	var e apiError
	if resp := s.postJSON(secretary, s.url("coordination-meeting")+"/v1/meetings/"+m.ID+"/minutes",
		map[string]any{"summary": "会议议定如下。", "decisions": decisions}, nil, &e); resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		t.Fatalf("minutes: status %d, %+v", resp.StatusCode, e)
	}
	actionSubject := event.ForDepartment(event.TypeActionCreated, "fgw")
	eventually(t, 20*time.Second, "action.created.fgw", func() bool { return s.streamCount("TUIJIN_EVENTS", actionSubject) == 1 })
	actionEnv := s.envelopes("TUIJIN_EVENTS", actionSubject)[0]
	var action meetingv1.ActionCreated
	if err := event.Payload(actionEnv, &action); err != nil {
		t.Fatal(err)
	}
	if !action.GetDueAt().AsTime().Equal(due) || action.GetMeetingId() != m.ID {
		t.Fatalf("action.created %v", &action)
	}

	t.Run("the deadline service tracks the action item", func(t *testing.T) {
		eventually(t, 20*time.Second, "the action's deadline", func() bool {
			var list struct {
				Deadlines []struct {
					Kind  string    `json:"kind"`
					RefID string    `json:"ref_id"`
					DueAt time.Time `json:"due_at"`
				} `json:"deadlines"`
			}
			s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines?department=fgw", &list)
			for _, d := range list.Deadlines {
				if d.Kind == "action" && d.RefID == action.GetActionId() {
					return true
				}
			}
			return false
		})
	})

	t.Run("the department hears of it on every channel, once", func(t *testing.T) {
		var sent []delivery
		eventually(t, 30*time.Second, "three deliveries of the action", func() bool {
			var list struct {
				Items []delivery `json:"items"`
			}
			s.getJSON(operations, s.url("notification")+"/v1/deliveries?recipient=dept:fgw&event="+actionEnv.GetId(), &list)
			sent = nil
			for _, d := range list.Items {
				if d.Status == "sent" {
					sent = append(sent, d)
				}
			}
			return len(sent) == 3
		})
		channels := map[string]string{}
		for _, d := range sent {
			channels[d.Channel] = d.ID
		}
		for _, ch := range []string{"inbox", "email", "webhook"} {
			if channels[ch] == "" {
				t.Errorf("no %s delivery: %+v", ch, sent)
			}
		}
		if !slices.ContainsFunc(mail.mails(), func(m sunkMail) bool {
			return strings.Contains(m.MessageID, channels["email"]) && m.To == "xmb@fgw.tuijin.test"
		}) {
			t.Errorf("the mail sink has no message %s", channels["email"])
		}
		if !slices.ContainsFunc(robot.received(), func(c robotCall) bool { return c.DeliveryID == channels["webhook"] }) {
			t.Errorf("the robot got no call %s", channels["webhook"])
		}
	})

	t.Run("no message twice", func(t *testing.T) {
		seen := map[string]bool{}
		for _, m := range mail.mails() {
			if seen[m.MessageID] {
				t.Errorf("mail %s (%s) sent twice", m.MessageID, m.Subject)
			}
			seen[m.MessageID] = true
		}
		for _, c := range robot.received() {
			if seen[c.DeliveryID] {
				t.Errorf("robot call %s (%s) made twice", c.DeliveryID, c.Markdown.Title)
			}
			seen[c.DeliveryID] = true
		}
		if len(mail.mails()) < 3 || len(robot.received()) < 3 {
			// assignment, ladder steps, meeting, action: the department
			// hears of far more than three things
			t.Errorf("%d mails and %d robot calls, want each step of the story", len(mail.mails()), len(robot.received()))
		}
	})
}

type meetingView struct {
	ID           string   `json:"id"`
	Kind         string   `json:"kind"`
	AutoConvened bool     `json:"auto_convened"`
	Attendees    []string `json:"attendees"`
	Agenda       []struct {
		ID          string `json:"id"`
		CandidateID string `json:"candidate_id"`
		Department  string `json:"department"`
	} `json:"agenda"`
}

// entryFor is the id of the agenda entry about item, or "".
func (m meetingView) entryFor(item string) string {
	for _, e := range m.Agenda {
		if strings.HasSuffix(e.CandidateID, ":"+item) {
			return e.ID
		}
	}
	return ""
}

type delivery struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
	Status  string `json:"status"`
}

// deadlineLevels lists the levels of every clock event about ref, in
// stream order.
func (s *system) deadlineLevels(ref string) []deadlinev1.Level {
	s.t.Helper()
	var out []deadlinev1.Level
	for _, env := range s.envelopes("TUIJIN_EVENTS", "tuijin.deadline.>") {
		var d deadlinev1.DeadlineEvent
		if err := event.Payload(env, &d); err != nil {
			s.t.Fatal(err)
		}
		if d.GetRefId() == ref {
			out = append(out, d.GetLevel())
		}
	}
	return out
}

func countOf(levels []deadlinev1.Level, lv deadlinev1.Level) int {
	n := 0
	for _, l := range levels {
		if l == lv {
			n++
		}
	}
	return n
}
