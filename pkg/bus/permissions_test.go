package bus_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// opsServer is a server of testenv with Tuijin's streams, created by
// operations.
func opsServer(t *testing.T) (string, jetstream.JetStream) {
	t.Helper()
	url := testenv.NATS(t)
	ops := testenv.ConnectAs(t, url, bus.OperationsUser)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bus.EnsureStreams(ctx, ops.JS, 1); err != nil {
		t.Fatal(err)
	}
	return url, ops.JS
}

// Every service, logged in as its own user, creates the streams it finds
// missing, runs each of its durables (with its dead-letter mover) and
// publishes its events without one permission violation.
func TestEveryServiceRunsUnderItsOwnPermissions(t *testing.T) {
	url, ops := opsServer(t)
	subjects := map[string]string{
		bus.UserIntake:   event.TypeProjectRegistered,
		bus.UserLedger:   event.ForDepartment(event.TypeItemAssigned, "zrzy"),
		bus.UserDeadline: event.ForDepartment(event.TypeDeadlineOverdue, "zrzy"),
		bus.UserMeeting:  event.TypeMeetingScheduled,
	}
	for _, g := range bus.Grants() {
		t.Run(g.User, func(t *testing.T) {
			c := testenv.ConnectAs(t, url, g.User)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := bus.CreateStreams(ctx, c.JS, 1, testenv.Logger()); err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			m := bus.NewMetrics(reg)
			tr := sdktrace.NewTracerProvider().Tracer("test")
			pub := bus.NewPublisher(c.JS, tr, m)
			for _, cons := range g.Consumers {
				spec := bus.ConsumerSpec{Durable: cons.Durable, Stream: cons.Stream, Subjects: cons.Filters}
				r, err := bus.NewRunner(ctx, c.JS, spec, func(context.Context, bus.Delivery) error { return nil },
					pub, reg, m, tr, testenv.Logger())
				if err != nil {
					t.Fatalf("%s: %v", cons.Durable, err)
				}
				rctx, stop := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- r.Run(rctx) }()
				t.Cleanup(func() {
					stop()
					if err := <-done; err != nil {
						t.Error(err)
					}
				})
			}
			if subj, ok := subjects[g.User]; ok {
				if err := pub.Publish(ctx, *sample(t, subj)); err != nil {
					t.Fatalf("publish %s: %v", subj, err)
				}
			}
			if g.User == bus.UserDeadline {
				s := bus.NewScheduler(c.JS)
				if err := s.Schedule(ctx, "item:1", time.Now().Add(time.Hour), "", []byte("x")); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Pending(ctx); err != nil {
					t.Fatal(err)
				}
				if err := s.Cancel(ctx, "item:1"); err != nil {
					t.Fatal(err)
				}
				v, err := bus.NewVersions(ctx, c.JS, 1, testenv.Logger())
				if err != nil {
					t.Fatal(err)
				}
				rev, err := v.Advance(ctx, "item:1", 2)
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := v.Swap(ctx, "item:1", rev, 3); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.NC.Flush(); err != nil {
				t.Fatal(err)
			}
			if v := c.Violations(); len(v) > 0 {
				t.Fatalf("permission violations: %v", v)
			}
		})
	}
	// The durables exist as the table names them.
	for _, g := range bus.Grants() {
		for _, cons := range g.Consumers {
			if _, err := ops.Consumer(context.Background(), cons.Stream, cons.Durable); err != nil {
				t.Errorf("%s: %v", cons.Durable, err)
			}
		}
	}
}

func sample(t *testing.T, subject string) *event.Message {
	t.Helper()
	m, err := event.Build(context.Background(), subject, subject, "test", event.Ref("item", "1"), time.Now(),
		timestamppb.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &m
}

// A service may not publish another's events or dead letters, manage the
// streams, subscribe beyond its inbox, or create another's durable or its
// own with another filter.
func TestServicesAreHeldToTheirRow(t *testing.T) {
	url, _ := opsServer(t)
	consumerCreate := func(stream, durable, filter string) string {
		return "$JS.API.CONSUMER.CREATE." + stream + "." + durable + "." + filter
	}
	cases := []struct {
		user, op, subject string
	}{
		{bus.UserLedger, "publish", event.TypeProjectRegistered},
		{bus.UserIntake, "publish", event.ForDepartment(event.TypeItemAssigned, "zrzy")},
		{bus.UserNotification, "publish", event.ForDepartment(event.TypeDeadlineOverdue, "zrzy")},
		{bus.UserMeeting, "publish", bus.TimerSchedulePrefix + "abc"},
		{bus.UserDeadline, "publish", bus.DeadLetterPrefix + "ledger-project-registered"},
		{bus.UserLedger, "publish", "$JS.API.STREAM.DELETE." + bus.EventsStream},
		{bus.UserLedger, "publish", "$JS.API.STREAM.UPDATE." + bus.EventsStream},
		{bus.UserLedger, "publish", "$JS.API.STREAM.PURGE." + bus.EventsStream},
		{bus.UserIntake, "publish", "$JS.API.CONSUMER.DELETE." + bus.EventsStream + ".intake-task-changed"},
		{bus.UserLedger, "publish", consumerCreate(bus.EventsStream, "notification-item-assigned", "tuijin.>")},
		{bus.UserLedger, "publish", consumerCreate(bus.EventsStream, "ledger-project-registered", "tuijin.>")},
		{bus.UserLedger, "publish", "$JS.API.CONSUMER.MSG.NEXT." + bus.EventsStream + ".dept-zrzy"},
		{bus.UserMeeting, "subscription", "_INBOX.>"},
		{bus.UserMeeting, "subscription", "tuijin.>"},
		{bus.UserNotification, "subscription", bus.InboxPrefix(bus.UserLedger) + ".>"},
	}
	for _, tc := range cases {
		t.Run(tc.user+" "+tc.op+" "+tc.subject, func(t *testing.T) {
			c := testenv.ConnectAs(t, url, tc.user)
			switch tc.op {
			case "publish":
				if err := c.NC.Publish(tc.subject, []byte("{}")); err != nil {
					t.Fatal(err)
				}
			default:
				if _, err := c.NC.SubscribeSync(tc.subject); err != nil {
					t.Fatal(err)
				}
			}
			c.WaitDenied(t, tc.op, tc.subject)
		})
	}
}

// A department's user pulls and acks its assignments through the durable
// operations created for it, and can do nothing else: publish an event,
// create a consumer (with its own or another department's filter), pull
// from another department's durable, or subscribe to a subject.
func TestDepartmentPullsOnlyFromItsDurable(t *testing.T) {
	url, ops := opsServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bus.EnsureDepartmentConsumers(ctx, ops, []string{"zrzy", "fgw"}); err != nil {
		t.Fatal(err)
	}
	ledger := testenv.ConnectAs(t, url, bus.UserLedger)
	tr := sdktrace.NewTracerProvider().Tracer("test")
	pub := bus.NewPublisher(ledger.JS, tr, bus.NewMetrics(prometheus.NewRegistry()))
	for _, d := range []string{"zrzy", "fgw"} {
		if err := pub.Publish(ctx, *assigned(t, d)); err != nil {
			t.Fatal(err)
		}
	}

	zrzy := testenv.ConnectAs(t, url, bus.DepartmentUser("zrzy"))
	cons, err := zrzy.JS.Consumer(ctx, bus.EventsStream, bus.DepartmentDurable("zrzy"))
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for msg := range batch.Messages() {
		got = append(got, msg.Subject())
		if err := msg.DoubleAck(ctx); err != nil {
			t.Fatalf("ack: %v", err)
		}
	}
	if len(got) != 1 || got[0] != event.ForDepartment(event.TypeItemAssigned, "zrzy") {
		t.Fatalf("zrzy pulled %v, want its one assignment", got)
	}

	// Refusals of the JetStream API show as violations; the client's call
	// then waits, so it is made with a context that ends when the
	// violation has been seen.
	refused := func(what, subject string, call func(ctx context.Context) error) {
		t.Helper()
		cctx, stop := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- call(cctx) }()
		zrzy.WaitDenied(t, "publish", subject)
		stop()
		if err := <-errc; err == nil {
			t.Errorf("%s succeeded", what)
		}
	}
	own := event.ForDepartment(event.TypeItemAssigned, "zrzy")
	refused("creating a consumer", "$JS.API.CONSUMER.CREATE."+bus.EventsStream+".zrzy-own."+own,
		func(ctx context.Context) error {
			_, err := zrzy.JS.CreateConsumer(ctx, bus.EventsStream, jetstream.ConsumerConfig{Durable: "zrzy-own", FilterSubject: own})
			return err
		})
	other := event.ForDepartment(event.TypeItemAssigned, "fgw")
	refused("creating a consumer of fgw's subject", "$JS.API.CONSUMER.CREATE."+bus.EventsStream+".dept-zrzy."+other,
		func(ctx context.Context) error {
			_, err := zrzy.JS.CreateOrUpdateConsumer(ctx, bus.EventsStream, jetstream.ConsumerConfig{Durable: "dept-zrzy", FilterSubject: other})
			return err
		})
	refused("reading fgw's durable", "$JS.API.CONSUMER.INFO."+bus.EventsStream+".dept-fgw",
		func(ctx context.Context) error {
			_, err := zrzy.JS.Consumer(ctx, bus.EventsStream, bus.DepartmentDurable("fgw"))
			return err
		})
	refused("publishing an event", own, func(ctx context.Context) error {
		_, err := zrzy.JS.Publish(ctx, own, []byte("forged"))
		return err
	})
	for _, subj := range []string{"tuijin.>", other, "_INBOX.>", bus.InboxPrefix(bus.DepartmentUser("fgw")) + ".>"} {
		if _, err := zrzy.NC.SubscribeSync(subj); err != nil {
			t.Fatal(err)
		}
		zrzy.WaitDenied(t, "subscription", subj)
	}
	if err := zrzy.NC.Publish(event.TypeProjectRegistered, []byte("forged")); err != nil {
		t.Fatal(err)
	}
	zrzy.WaitDenied(t, "publish", event.TypeProjectRegistered)

	// The department's own pull still works after its refusals.
	if n := testenv.StreamCount(t, ops, bus.EventsStream, "tuijin.>"); n != 2 {
		t.Fatalf("stream holds %d events, want the 2 the ledger published", n)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending != 0 || info.NumPending != 0 {
		t.Fatalf("zrzy's durable: %d pending, %d unacked", info.NumPending, info.NumAckPending)
	}
}

// A service creates the streams it finds missing, leaves those operations
// made alone, and reports (but cannot apply) a config that differs from
// the release's.
func TestCreateStreamsCreatesMissingAndReportsDrift(t *testing.T) {
	url := testenv.NATS(t)
	ops := testenv.ConnectAs(t, url, bus.OperationsUser)
	ledger := testenv.ConnectAs(t, url, bus.UserLedger)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	if err := bus.CreateStreams(ctx, ledger.JS, 1, log); err != nil {
		t.Fatal(err)
	}
	for _, cfg := range bus.StreamConfigs(1) {
		if _, err := ops.JS.Stream(ctx, cfg.Name); err != nil {
			t.Fatalf("%s not created: %v", cfg.Name, err)
		}
	}
	if err := bus.CreateStreams(ctx, ledger.JS, 1, log); err != nil || logs.Len() != 0 {
		t.Fatalf("second start: %v, logged %q", err, logs.String())
	}
	st, err := ops.JS.Stream(ctx, bus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	drifted := st.CachedInfo().Config
	drifted.MaxAge = time.Hour
	if _, err := ops.JS.UpdateStream(ctx, drifted); err != nil {
		t.Fatal(err)
	}
	if err := bus.CreateStreams(ctx, ledger.JS, 1, log); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "stream config differs") || !strings.Contains(logs.String(), bus.EventsStream) {
		t.Fatalf("drift not reported: %q", logs.String())
	}
	if err := ledger.NC.Flush(); err != nil {
		t.Fatal(err)
	}
	if v := ledger.Violations(); len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}
	info, err := st.Info(ctx)
	if err != nil || info.Config.MaxAge != time.Hour {
		t.Fatalf("the service changed the stream: %v %v", info.Config.MaxAge, err)
	}
}
