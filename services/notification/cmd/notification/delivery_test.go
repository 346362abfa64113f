package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"
	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
	"github.com/tuijin/tuijin/services/notification/internal/store"
)

// republish sends env again under a fresh Nats-Msg-Id, as an outbox
// re-publish after the stream's duplicate window would: the stream keeps
// it and every consumer sees the event a second time.
func republish(t *testing.T, js jetstream.JetStream, subject string, env *eventv1.Envelope, suffix string) {
	t.Helper()
	data, err := event.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	h := nats.Header{}
	h.Set(jetstream.MsgIDHeader, env.GetId()+suffix)
	if _, err := js.PublishMsg(context.Background(), &nats.Msg{Subject: subject, Header: h, Data: data}); err != nil {
		t.Fatal(err)
	}
}

// TestRedeliveryAndCrashSendNothingTwice runs two replicas on one database
// and consumer group, delivers every event three times, and leaves one
// delivery as a replica that crashed between claiming and sending would.
// Every recipient gets every message exactly once, on every channel.
func TestRedeliveryAndCrashSendNothingTwice(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	// The crashed replica: it claimed the first event's e-mail to zrzy (the
	// insert is the claim) and died before sending and before acking.
	first := escalated(t, "zrzy", deadlinev1.Level_LEVEL_INTERVIEW)
	client, err := mongox.Connect(ctx, e.mongoURI)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	st := store.New(client.Database("tuijin_notification"))
	lease := 2 * time.Minute
	crashedID := notification.DeliveryID(first.GetId(), "dept:zrzy", notification.ChannelEmail)
	if err := st.InsertDelivery(ctx, notification.Delivery{ID: crashedID, EventID: first.GetId(), EventType: first.GetType(),
		Recipient: "dept:zrzy", Channel: notification.ChannelEmail, Address: "ban@zrzy.example", Title: "t", Body: "b",
		Status: notification.StatusSending, Attempts: 1, NotBefore: e.clock.Now().Add(lease), CreatedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}

	a := e.start(t)
	b := e.start(t)

	const n = 10
	var events []*eventv1.Envelope
	events = append(events, first)
	for len(events) < n {
		events = append(events, escalated(t, "zrzy", deadlinev1.Level_LEVEL_INTERVIEW))
	}
	subject := event.ForDepartment(event.TypeDeadlineEscalated, "zrzy")
	for _, ev := range events {
		e.publish(t, subject, ev)
		e.publish(t, subject, ev) // dropped by the stream's duplicate window
		republish(t, e.js, subject, ev, "-again")
		republish(t, e.js, subject, ev, "-once-more")
	}
	// Per event: dept inbox, e-mail, webhook; leader inbox, SMS, e-mail.
	eventually(t, "every event handled three times", func() bool {
		va, _ := metric(t, a, `tuijin_bus_messages_handled_total{consumer="notification-deadline",outcome="ack"}`)
		vb, _ := metric(t, b, `tuijin_bus_messages_handled_total{consumer="notification-deadline",outcome="ack"}`)
		return va+vb == 3*n
	})
	eventually(t, "all but the crashed delivery sent", func() bool {
		return len(deliveries(t, a, "status=sent&limit=500")) == 6*n-1
	})
	if got := len(e.sink.mails()); got != 2*n-1 {
		t.Fatalf("%d mails before the crashed claim's lease ran out, want %d", got, 2*n-1)
	}

	// The crashed claimant's lease runs out: a live replica takes over.
	e.clock.Advance(lease + time.Second)
	eventually(t, "the crashed delivery sent", func() bool {
		return len(e.sink.mails()) == 2*n && len(deliveries(t, a, "status=sent&limit=500")) == 6*n
	})

	mails := map[string]int{}
	for _, m := range e.sink.mails() {
		mails[m.MessageID]++
	}
	if len(mails) != 2*n {
		t.Fatalf("%d distinct mails, want %d", len(mails), 2*n)
	}
	for id, c := range mails {
		if c != 1 {
			t.Errorf("mail %s received %d times", id, c)
		}
	}
	hooks := map[string]int{}
	for _, c := range e.robot.calls() {
		hooks[c.DeliveryID]++
	}
	if len(hooks) != n || len(e.robot.calls()) != n {
		t.Fatalf("%d webhook calls for %d deliveries, want %d", len(e.robot.calls()), len(hooks), n)
	}
	for _, r := range []string{"dept:zrzy", "leader:zrzy"} {
		if in := getInbox(t, a, "recipient="+r+"&limit=200"); len(in.Items) != n || in.Unread != n {
			t.Fatalf("%s inbox holds %d entries (%d unread), want %d", r, len(in.Items), in.Unread, n)
		}
	}
	all := deliveries(t, b, "limit=500")
	if len(all) != 6*n {
		t.Fatalf("delivery log holds %d, want %d", len(all), 6*n)
	}
	crashed := deliveries(t, b, "event="+first.GetId()+"&channel=email&recipient=dept:zrzy")
	if len(crashed) != 1 || crashed[0].Status != notification.StatusSent || crashed[0].Attempts != 2 {
		t.Fatalf("crashed delivery %+v", crashed)
	}
	va, _ := metric(t, a, `tuijin_notification_delivered_total{channel="email"}`)
	vb, _ := metric(t, b, `tuijin_notification_delivered_total{channel="email"}`)
	if va+vb != 2*n {
		t.Fatalf("delivered_total{email} = %v across replicas, want %d", va+vb, 2*n)
	}
}

// TestSMTPOutageDelaysButLosesNothing stops the SMTP sink, lets events
// arrive and their sends fail, then brings the sink back: every message
// goes out once after it returns.
func TestSMTPOutageDelaysButLosesNothing(t *testing.T) {
	e := newEnv(t)
	base := e.start(t)
	e.sink.stop()

	const n = 5
	subject := event.ForDepartment(event.TypeDeadlineOverdue, "fgw")
	for range n {
		e.publish(t, subject, newEventOverdue(t))
	}
	eventually(t, "the first attempts failing", func() bool { return len(deliveries(t, base, "status=retry&channel=email")) == n })
	for _, d := range deliveries(t, base, "status=retry") {
		if wait := d.NotBefore.Sub(d.CreatedAt); d.Attempts != 1 || d.LastError == "" || wait < time.Minute || wait > time.Minute+time.Second {
			t.Fatalf("after the first failure %+v", d)
		}
	}
	if in := getInbox(t, base, "recipient=dept:fgw"); len(in.Items) != n {
		t.Fatalf("the inbox does not wait for SMTP: %d entries", len(in.Items))
	}

	// Still down at the first retry: the second attempt fails too and backs off further.
	e.clock.Advance(time.Minute)
	eventually(t, "second attempts failing", func() bool {
		ds := deliveries(t, base, "status=retry&channel=email")
		for _, d := range ds {
			if d.Attempts != 2 {
				return false
			}
		}
		return len(ds) == n
	})
	waitMetric(t, base, `tuijin_notification_send_failures_total{channel="email"}`, 2*n)
	if v, _ := metric(t, base, "tuijin_notification_pending_deliveries"); v != n {
		t.Fatalf("pending deliveries %v, want %d", v, n)
	}

	e.sink.restart(t)
	e.clock.Advance(4 * time.Minute) // not yet due: the backoff is 5m after attempt 2
	time.Sleep(200 * time.Millisecond)
	if got := len(e.sink.mails()); got != 0 {
		t.Fatalf("%d mails sent before their retry was due", got)
	}
	e.clock.Advance(time.Minute)
	eventually(t, "all mails after the outage", func() bool { return len(e.sink.mails()) == n })
	eventually(t, "all sent", func() bool { return len(deliveries(t, base, "status=sent&channel=email")) == n })
	seen := map[string]bool{}
	for _, m := range e.sink.mails() {
		if seen[m.MessageID] || m.To != "ban@fgw.example" {
			t.Fatalf("mail %+v duplicated or misaddressed", m)
		}
		seen[m.MessageID] = true
	}
	waitMetric(t, base, `tuijin_notification_delivered_total{channel="email"}`, n)
	if v, _ := metric(t, base, "tuijin_notification_pending_deliveries"); v != 0 {
		t.Fatalf("pending deliveries %v after recovery", v)
	}
	if v, _ := metric(t, base, `tuijin_notification_dead_letters_total{channel="email"}`); v != 0 {
		t.Fatalf("dead letters %v", v)
	}
}

func newEventOverdue(t *testing.T) *eventv1.Envelope {
	return newEvent(t, event.TypeDeadlineOverdue, &deadlinev1.DeadlineEvent{Kind: "item", RefId: "i", ProjectCode: projectCode,
		Department: "fgw", Level: deadlinev1.Level_LEVEL_RED})
}

// TestDeadLetters: a webhook that refuses for good dead-letters at once; one
// that keeps failing dead-letters after the last attempt. Both are listed
// by the API and counted.
func TestDeadLetters(t *testing.T) {
	e := newEnv(t)
	base := e.start(t, "--retry-max-attempts=3")

	e.robot.setFail(http.StatusNotFound)
	refused := escalated(t, "zrzy", deadlinev1.Level_LEVEL_URGE)
	e.publish(t, event.ForDepartment(event.TypeDeadlineEscalated, "zrzy"), refused)
	eventually(t, "a refused webhook dead-lettered", func() bool { return len(deliveries(t, base, "status=dead")) == 1 })
	dead := deliveries(t, base, "status=dead")[0]
	if dead.Channel != "webhook" || dead.Attempts != 1 || dead.DeadAt == nil || dead.LastError != "webhook answered 404 Not Found" {
		t.Fatalf("dead letter %+v", dead)
	}

	e.robot.setFail(http.StatusServiceUnavailable)
	flaky := escalated(t, "zrzy", deadlinev1.Level_LEVEL_URGE)
	e.publish(t, event.ForDepartment(event.TypeDeadlineEscalated, "zrzy"), flaky)
	query := "event=" + flaky.GetId() + "&channel=webhook"
	for attempt := 1; attempt <= 3; attempt++ {
		eventually(t, "attempt", func() bool {
			ds := deliveries(t, base, query)
			return len(ds) == 1 && ds[0].Attempts == attempt && ds[0].Status != notification.StatusSending
		})
		e.clock.Advance(time.Hour)
	}
	ds := deliveries(t, base, query)
	if ds[0].Status != notification.StatusDead || ds[0].LastError != "webhook answered 503 Service Unavailable" {
		t.Fatalf("after the last attempt %+v", ds[0])
	}
	waitMetric(t, base, `tuijin_notification_dead_letters_total{channel="webhook"}`, 2)
	if got := deliveries(t, base, "status=dead&recipient=dept:zrzy"); len(got) != 2 {
		t.Fatalf("dead-letter list %+v", got)
	}
	// The other channels were not held back by the failing webhook.
	if got := deliveries(t, base, "event="+flaky.GetId()+"&status=sent"); len(got) != 2 {
		t.Fatalf("sent for the flaky event: %s", summary(got))
	}

	// The robot is fixed; an operator redelivers the dead letters.
	e.robot.setFail(0)
	var body errorBody
	sent := deliveries(t, base, "event="+flaky.GetId()+"&status=sent")[0]
	if status := do(t, testenv.AsOperations, http.MethodPost, base+"/v1/deliveries/"+sent.ID+"/redeliver", &body); status != http.StatusConflict || body.Error.Code != "not_dead" {
		t.Fatalf("redeliver a sent delivery: %d %+v", status, body)
	}
	if status := do(t, testenv.AsOperations, http.MethodPost, base+"/v1/deliveries/nope/redeliver", &body); status != http.StatusNotFound || body.Error.Code != "delivery_not_found" {
		t.Fatalf("redeliver unknown: %d %+v", status, body)
	}
	for _, d := range deliveries(t, base, "status=dead") {
		var got notification.Delivery
		if status := do(t, testenv.AsOperations, http.MethodPost, base+"/v1/deliveries/"+d.ID+"/redeliver", &got); status != http.StatusOK ||
			got.Status != notification.StatusRetry || got.AttemptsBase != d.Attempts || got.DeadAt != nil {
			t.Fatalf("redeliver: %d %+v", status, got)
		}
	}
	eventually(t, "the dead letters delivered", func() bool {
		return len(e.robot.calls()) == 2 && len(deliveries(t, base, "status=sent&channel=webhook")) == 2
	})
	var one notification.Delivery
	if status := do(t, testenv.AsOperations, http.MethodGet, base+"/v1/deliveries/"+dead.ID, &one); status != http.StatusOK ||
		one.Status != notification.StatusSent || one.Attempts != 2 || one.AttemptsBase != 1 || one.DeadAt != nil {
		t.Fatalf("after redelivery: %d %+v", status, one)
	}
	if got := deliveries(t, base, "status=dead"); len(got) != 0 {
		t.Fatalf("dead letters left: %s", summary(got))
	}
}

// TestInlineBudgetSpentQueuesTheRest: with no time for first attempts in the
// handler, every external delivery is queued and the worker sends it, once.
func TestInlineBudgetSpentQueuesTheRest(t *testing.T) {
	e := newEnv(t)
	base := e.start(t, "--inline-budget=1ns")
	ev := escalated(t, "zrzy", deadlinev1.Level_LEVEL_INTERVIEW)
	e.publish(t, event.ForDepartment(event.TypeDeadlineEscalated, "zrzy"), ev)
	want := "dept:zrzy/email/sent dept:zrzy/inbox/sent dept:zrzy/webhook/sent leader:zrzy/email/sent leader:zrzy/inbox/sent leader:zrzy/sms/sent"
	eventually(t, "all sent by the worker", func() bool { return summary(deliveries(t, base, "event="+ev.GetId())) == want })
	for _, d := range deliveries(t, base, "event="+ev.GetId()) {
		if d.Attempts != 1 {
			t.Errorf("%s/%s took %d attempts", d.Recipient, d.Channel, d.Attempts)
		}
	}
	if len(e.sink.mails()) != 2 || len(e.robot.calls()) != 1 {
		t.Fatalf("%d mails, %d webhook calls", len(e.sink.mails()), len(e.robot.calls()))
	}
}

// TestSlowSendIsTakenOver: a send that outlives its lease is taken over by
// the worker, and the slow claimant's late outcome is not recorded. Both
// calls reach the receiver — the one window where a message goes out twice
// — and both carry the same X-Tuijin-Delivery-Id for it to drop the second.
func TestSlowSendIsTakenOver(t *testing.T) {
	e := newEnv(t)
	base := e.start(t)
	arrived, release := e.robot.holdNext()
	ev := escalated(t, "zrzy", deadlinev1.Level_LEVEL_URGE)
	e.publish(t, event.ForDepartment(event.TypeDeadlineEscalated, "zrzy"), ev)
	<-arrived // the handler's inline send hangs at the receiver
	e.clock.Advance(3 * time.Minute)
	id := notification.DeliveryID(ev.GetId(), "dept:zrzy", notification.ChannelWebhook)
	eventually(t, "the worker's takeover", func() bool {
		var d notification.Delivery
		return do(t, testenv.AsOperations, http.MethodGet, base+"/v1/deliveries/"+id, &d) == http.StatusOK && d.Status == notification.StatusSent && d.Attempts == 2
	})
	release()
	waitMetric(t, base, `tuijin_bus_messages_handled_total{consumer="notification-deadline",outcome="ack"}`, 1)
	var d notification.Delivery
	if do(t, testenv.AsOperations, http.MethodGet, base+"/v1/deliveries/"+id, &d); d.Status != notification.StatusSent || d.Attempts != 2 {
		t.Fatalf("the late outcome overwrote the takeover's: %+v", d)
	}
	calls := e.robot.calls()
	if len(calls) != 2 || calls[0].DeliveryID != id || calls[1].DeliveryID != id {
		t.Fatalf("robot calls %+v", calls)
	}
}
