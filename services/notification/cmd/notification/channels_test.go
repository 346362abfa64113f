package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

const projectCode = "2024-370481-04-01-123456"

// env is one test's real NATS, FerretDB, SMTP sink and webhook receiver,
// with a recipients file pointing at them.
type env struct {
	natsURL, mongoURI string
	js                jetstream.JetStream
	pub               *bus.Publisher
	sink              *smtpSink
	robot             *robot
	recipients        string
	clock             *clock.Manual
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{clock: newClock()}
	e.natsURL, e.js = testenv.JetStream(t)
	e.mongoURI = testenv.MongoURI(t)
	e.pub = bus.NewPublisher(e.js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	e.sink = startSink(t)
	e.robot = startRobot(t)
	e.recipients = filepath.Join(t.TempDir(), "recipients.yaml")
	yaml := fmt.Sprintf(`recipients:
  dept:zrzy: {email: ban@zrzy.example, webhook: "%[1]s/robot/zrzy", channels: [inbox, email, webhook]}
  dept:fgw: {email: ban@fgw.example, channels: [inbox, email]}
  leader:zrzy: {phone: "13900000000", email: leader@zrzy.example, channels: [inbox, sms, email]}
  officer:wang: {email: wang@xzsp.example, channels: [inbox, email]}
`, e.robot.srv.URL)
	if err := os.WriteFile(e.recipients, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// start runs one replica of the service against the env.
func (e *env) start(t testing.TB, extra ...string) string {
	t.Helper()
	args := []string{"--nats-url=" + e.natsURL, "--mongo-uri=" + e.mongoURI, "--recipients-file=" + e.recipients, "--webhook-allow-private",
		"--smtp-addr=" + e.sink.addr, "--smtp-from=tuijin@gov.example", "--retry-interval=50ms",
		"--retry-backoff=1m,5m,30m", "--retry-max-attempts=5", "--digest-at=off", "--bulletin-at=off", "--summary-at=off"}
	return start(t, e.clock, append(args, extra...)...)
}

func (e *env) publish(t testing.TB, subject string, env *eventv1.Envelope) {
	t.Helper()
	if err := e.pub.PublishEvent(context.Background(), subject, env); err != nil {
		t.Fatal(err)
	}
}

func newEvent(t testing.TB, typ string, payload proto.Message) *eventv1.Envelope {
	t.Helper()
	env, err := event.New(typ, "test", event.Ref("test", "x"), time.Now(), payload)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func escalated(t testing.TB, dept string, level deadlinev1.Level) *eventv1.Envelope {
	return newEvent(t, event.TypeDeadlineEscalated, &deadlinev1.DeadlineEvent{TimerId: "t1", Kind: "item",
		RefId: projectCode + ".yongdi-yushen", ProjectCode: projectCode, Department: dept, Level: level,
		DueAt: timestamppb.New(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)), FiredAt: timestamppb.Now()})
}

func deliveries(t testing.TB, base, query string) []notification.Delivery {
	t.Helper()
	var body struct{ Items []notification.Delivery }
	if status := do(t, testenv.AsOperations, http.MethodGet, base+"/v1/deliveries?"+query, &body); status != http.StatusOK {
		t.Fatalf("GET deliveries?%s: status %d", query, status)
	}
	return body.Items
}

func summary(ds []notification.Delivery) string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Recipient+"/"+d.Channel+"/"+d.Status)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestTriggersReachEveryChannel publishes each trigger event onto real NATS
// and observes the messages in the inbox API, the SMTP sink and the
// webhook receiver.
func TestTriggersReachEveryChannel(t *testing.T) {
	e := newEnv(t)
	base := e.start(t)

	t.Run("约谈 reaches the department on every channel and its leader", func(t *testing.T) {
		ev := escalated(t, "zrzy", deadlinev1.Level_LEVEL_INTERVIEW)
		e.publish(t, event.ForDepartment(event.TypeDeadlineEscalated, "zrzy"), ev)
		want := "dept:zrzy/email/sent dept:zrzy/inbox/sent dept:zrzy/webhook/sent leader:zrzy/email/sent leader:zrzy/inbox/sent leader:zrzy/sms/sent"
		eventually(t, "six deliveries", func() bool { return summary(deliveries(t, base, "event="+ev.GetId())) == want })
		in := getInbox(t, base, "recipient=leader:zrzy")
		if len(in.Items) != 1 || !strings.HasPrefix(in.Items[0].Title, "【约谈】") || !strings.HasPrefix(in.Items[0].Body, "自然资源和规划局分管副局长：") {
			t.Fatalf("leader's inbox %+v", in.Items)
		}
		var mailTo []string
		for _, m := range e.sink.mails() {
			mailTo = append(mailTo, m.To)
			if !strings.HasPrefix(m.Subject, "【约谈】") || !strings.Contains(m.Body, "参加约谈") || m.From != "tuijin@gov.example" {
				t.Errorf("mail %+v", m)
			}
			if want := "<" + notification.DeliveryID(ev.GetId(), "dept:"+strings.Split(strings.Split(m.To, "@")[1], ".")[0], "email") + "@gov.example>"; m.To == "ban@zrzy.example" && m.MessageID != want {
				t.Errorf("Message-ID %q, want %q", m.MessageID, want)
			}
		}
		sort.Strings(mailTo)
		if strings.Join(mailTo, ",") != "ban@zrzy.example,leader@zrzy.example" {
			t.Fatalf("mail went to %v", mailTo)
		}
		calls := e.robot.calls()
		if len(calls) != 1 || calls[0].Message.MsgType != "markdown" || !strings.HasPrefix(calls[0].Message.Markdown.Content, "### 【约谈】") ||
			calls[0].DeliveryID != notification.DeliveryID(ev.GetId(), "dept:zrzy", "webhook") {
			t.Fatalf("robot calls %+v", calls)
		}
	})

	t.Run("a yellow warning does not reach the leader", func(t *testing.T) {
		ev := newEvent(t, event.TypeDeadlineWarning, &deadlinev1.DeadlineEvent{Kind: "item", RefId: "i2", ProjectCode: projectCode,
			Department: "fgw", Level: deadlinev1.Level_LEVEL_YELLOW, DueAt: timestamppb.Now()})
		e.publish(t, event.ForDepartment(event.TypeDeadlineWarning, "fgw"), ev)
		eventually(t, "fgw's deliveries", func() bool {
			return summary(deliveries(t, base, "event="+ev.GetId())) == "dept:fgw/email/sent dept:fgw/inbox/sent"
		})
	})

	t.Run("request received acknowledges the owner by inbox and SMS", func(t *testing.T) {
		ev := newEvent(t, event.TypeRequestReceived, &intakev1.RequestReceived{RequestId: "r-1", ProjectCode: projectCode,
			Kind: "consultation", Title: "施工许可咨询", Contact: "张经理", Phone: "13800000000", ReceivedAt: timestamppb.Now()})
		e.publish(t, event.TypeRequestReceived, ev)
		eventually(t, "owner's acknowledgement", func() bool {
			return summary(deliveries(t, base, "event="+ev.GetId())) == "owner:"+projectCode+"/inbox/sent owner:"+projectCode+"/sms/sent"
		})
		sms := deliveries(t, base, "event="+ev.GetId()+"&channel=sms")
		if len(sms) != 1 || sms[0].Address != "13800000000" || !strings.Contains(sms[0].Body, "一次性告知") {
			t.Fatalf("sms %+v", sms)
		}
	})

	t.Run("item changed reaches owner and officer through the project projection", func(t *testing.T) {
		e.publish(t, event.TypeProjectRegistered, newEvent(t, event.TypeProjectRegistered, &intakev1.ProjectRegistered{
			Project: &intakev1.Project{Code: projectCode, Name: "城北物流园", OwnerOrganisation: ownerOrg, OwnerContact: "张经理", OwnerPhone: "13800000001", Officer: "wang"}}))
		waitMetric(t, base, `tuijin_bus_messages_handled_total{consumer="notification-project-registered",outcome="ack"}`, 1)
		ev := newEvent(t, event.TypeItemChanged, &ledgerv1.ItemChanged{ItemId: projectCode + ".yongdi-yushen", ProjectCode: projectCode,
			ItemType: "用地预审与选址意见书", Department: "zrzy", FromStatus: "accepted", ToStatus: "approved", Action: "approve"})
		e.publish(t, event.ForDepartment(event.TypeItemChanged, "zrzy"), ev)
		want := "officer:wang/email/sent officer:wang/inbox/sent owner:" + projectCode + "/inbox/sent owner:" + projectCode + "/sms/sent"
		eventually(t, "owner and officer", func() bool { return summary(deliveries(t, base, "event="+ev.GetId())) == want })
		in := getInbox(t, base, "recipient=owner:"+projectCode)
		if len(in.Items) == 0 || in.Items[0].Title != "办理进度：城北物流园 · 用地预审与选址意见书（已办结（准予许可））" {
			t.Fatalf("owner's inbox %+v", in.Items)
		}
	})

	t.Run("meeting scheduled reaches every attendee; action created its department", func(t *testing.T) {
		m := newEvent(t, event.TypeMeetingScheduled, &meetingv1.MeetingScheduled{MeetingId: "m1", Kind: "joint", Title: "城北物流园联席会议",
			StartsAt: timestamppb.New(time.Now().Add(48 * time.Hour)), Location: "政务服务中心 301", Attendees: []string{"zrzy", "fgw"}})
		e.publish(t, event.TypeMeetingScheduled, m)
		a := newEvent(t, event.TypeActionCreated, &meetingv1.ActionCreated{ActionId: "a1", MeetingId: "m1", ProjectCode: projectCode,
			Department: "zrzy", Description: "五个工作日内出具用地预审意见", DueAt: timestamppb.New(time.Now().Add(7 * 24 * time.Hour))})
		e.publish(t, event.ForDepartment(event.TypeActionCreated, "zrzy"), a)
		eventually(t, "meeting invitations", func() bool {
			return summary(deliveries(t, base, "event="+m.GetId())) ==
				"dept:fgw/email/sent dept:fgw/inbox/sent dept:zrzy/email/sent dept:zrzy/inbox/sent dept:zrzy/webhook/sent"
		})
		eventually(t, "the action item", func() bool {
			return summary(deliveries(t, base, "event="+a.GetId())) == "dept:zrzy/email/sent dept:zrzy/inbox/sent dept:zrzy/webhook/sent"
		})
	})

	t.Run("preferences set through the API take effect", func(t *testing.T) {
		var p notification.Preferences
		status := request(t, testenv.Leader("fgw"), http.MethodPut, base+"/v1/preferences/dept:fgw", "application/json",
			[]byte(`{"channels":["inbox","webhook"],"webhook":"`+e.robot.srv.URL+`/robot/fgw"}`), &p)
		if status != http.StatusOK || p.Email != "ban@fgw.example" || !p.Wants("webhook") || p.Wants("email") {
			t.Fatalf("status %d, preferences %+v", status, p)
		}
		ev := newEvent(t, event.TypeDeadlineOverdue, &deadlinev1.DeadlineEvent{Kind: "item", RefId: "i3", ProjectCode: projectCode,
			Department: "fgw", Level: deadlinev1.Level_LEVEL_RED, DueAt: timestamppb.Now()})
		e.publish(t, event.ForDepartment(event.TypeDeadlineOverdue, "fgw"), ev)
		eventually(t, "fgw by webhook only", func() bool {
			return summary(deliveries(t, base, "event="+ev.GetId())) == "dept:fgw/inbox/sent dept:fgw/webhook/sent"
		})
	})
	if v, _ := metric(t, base, `tuijin_notification_dead_letters_total{channel="email"}`); v != 0 {
		t.Fatalf("dead letters %v", v)
	}
}

// TestQuietHoursHoldSMS: an SMS due in the recipient's quiet hours waits for
// their end; other channels go at once.
func TestQuietHoursHoldSMS(t *testing.T) {
	e := newEnv(t)
	// 23:00 Beijing time.
	e.clock.Set(time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC))
	base := e.start(t)
	var p notification.Preferences
	if status := request(t, testenv.Leader("zrzy"), http.MethodPut, base+"/v1/preferences/leader:zrzy", "application/json",
		[]byte(`{"channels":["inbox","sms"],"quiet_hours":{"start":"22:00","end":"07:00"}}`), &p); status != http.StatusOK || p.Phone != "13900000000" {
		t.Fatalf("status %d, %+v", status, p)
	}
	ev := escalated(t, "zrzy", deadlinev1.Level_LEVEL_ESCALATE)
	e.publish(t, event.ForDepartment(event.TypeDeadlineEscalated, "zrzy"), ev)
	eventually(t, "held sms", func() bool {
		return summary(deliveries(t, base, "event="+ev.GetId()+"&recipient=leader:zrzy")) == "leader:zrzy/inbox/sent leader:zrzy/sms/pending"
	})
	held := deliveries(t, base, "event="+ev.GetId()+"&channel=sms")
	if want := time.Date(2026, 3, 2, 23, 0, 0, 0, time.UTC); len(held) != 1 || !held[0].NotBefore.Equal(want) {
		t.Fatalf("held until %+v, want %v", held, want)
	}
	e.clock.Advance(8 * time.Hour) // 07:00
	eventually(t, "sms after the quiet hours", func() bool {
		return summary(deliveries(t, base, "event="+ev.GetId()+"&channel=sms")) == "leader:zrzy/sms/sent"
	})
}
