package bus_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
)

type harness struct {
	js      jetstream.JetStream
	reg     *prometheus.Registry
	metrics *bus.Metrics
	tracer  trace.Tracer
	pub     *bus.Publisher
}

func newHarness(t testing.TB) *harness {
	_, js := testenv.JetStream(t)
	reg := prometheus.NewRegistry()
	m := bus.NewMetrics(reg)
	tr := sdktrace.NewTracerProvider().Tracer("test")
	return &harness{js: js, reg: reg, metrics: m, tracer: tr, pub: bus.NewPublisher(js, tr, m)}
}

// run starts a runner for spec and stops it when the test ends.
func (h *harness) run(t testing.TB, spec bus.ConsumerSpec, fn bus.Handler) {
	t.Helper()
	r, err := bus.NewRunner(context.Background(), h.js, spec, fn, h.pub, h.reg, h.metrics, h.tracer, testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runner: %v", err)
		}
	})
}

func assigned(t testing.TB, dept string) *event.Message {
	t.Helper()
	m, err := event.Build(context.Background(), event.ForDepartment(event.TypeItemAssigned, dept), event.TypeItemAssigned,
		"test", event.Ref("item", "p.x"), time.Now(), &ledgerv1.ItemAssigned{ItemId: "p.x", Department: dept,
			AssignedAt: timestamppb.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return &m
}

func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func streamCount(t testing.TB, js jetstream.JetStream, stream, subject string) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background(), jetstream.WithSubjectFilter(subject))
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n
}

func counter(t testing.TB, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabels(m, labels) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestPublishDeduplicatesByEventID(t *testing.T) {
	h := newHarness(t)
	m := assigned(t, "zrzy")
	for i := 0; i < 3; i++ {
		if err := h.pub.Publish(context.Background(), *m); err != nil {
			t.Fatal(err)
		}
	}
	if n := streamCount(t, h.js, bus.EventsStream, m.Subject); n != 1 {
		t.Fatalf("stream holds %d copies of one event, want 1", n)
	}
}

func TestRunnerCarriesTraceContext(t *testing.T) {
	h := newHarness(t)
	ctx, span := h.tracer.Start(context.Background(), "request")
	defer span.End()
	m, err := event.Build(ctx, "tuijin.ledger.item.assigned.fgw", event.TypeItemAssigned, "test",
		event.Ref("item", "p.y"), time.Now(), &ledgerv1.ItemAssigned{ItemId: "p.y"})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan trace.TraceID, 1)
	h.run(t, bus.ConsumerSpec{Durable: "trace-test", Subjects: []string{"tuijin.ledger.item.assigned.fgw"}},
		func(ctx context.Context, d bus.Delivery) error {
			got <- trace.SpanContextFromContext(ctx).TraceID()
			return nil
		})
	if err := h.pub.Publish(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-got:
		if id != span.SpanContext().TraceID() {
			t.Fatalf("consumer saw trace %s, producer %s", id, span.SpanContext().TraceID())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("event not consumed")
	}
}

func TestRunnerRetriesFailuresThenAcks(t *testing.T) {
	h := newHarness(t)
	var (
		mu         sync.Mutex
		deliveries []uint64
	)
	h.run(t, bus.ConsumerSpec{
		Durable: "retry-test", Subjects: []string{"tuijin.ledger.item.assigned.zrzy"},
		Retry: bus.RetryPolicy{MaxDeliver: 5, Backoff: []time.Duration{20 * time.Millisecond}},
	}, func(ctx context.Context, d bus.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		deliveries = append(deliveries, d.NumDelivered)
		if d.NumDelivered < 3 {
			return errors.New("database briefly away")
		}
		return nil
	})
	if err := h.pub.Publish(context.Background(), *assigned(t, "zrzy")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ack after retries", func() bool {
		return counter(t, h.reg, "tuijin_bus_messages_handled_total", map[string]string{"consumer": "retry-test", "outcome": "ack"}) == 1
	})
	mu.Lock()
	defer mu.Unlock()
	if len(deliveries) != 3 || deliveries[0] != 1 || deliveries[2] != 3 {
		t.Fatalf("deliveries %v, want [1 2 3]", deliveries)
	}
	if n := counter(t, h.reg, "tuijin_bus_messages_handled_total", map[string]string{"consumer": "retry-test", "outcome": "retry"}); n != 2 {
		t.Fatalf("retries counted %v, want 2", n)
	}
}

func TestUndecodableMessageGoesToDeadLetterStream(t *testing.T) {
	h := newHarness(t)
	var called atomic.Int32
	h.run(t, bus.ConsumerSpec{Durable: "poison-test", Subjects: []string{"tuijin.ledger.item.assigned.sthj"}},
		func(context.Context, bus.Delivery) error { called.Add(1); return nil })
	if _, err := h.js.Publish(context.Background(), "tuijin.ledger.item.assigned.sthj", []byte("not protobuf {")); err != nil {
		t.Fatal(err)
	}
	// The mover counts a dead letter once the stream has taken it.
	eventually(t, "dead letter, counted", func() bool {
		return streamCount(t, h.js, bus.DeadLetterStream, bus.DeadLetterPrefix+"poison-test") == 1 &&
			counter(t, h.reg, "tuijin_bus_dead_letters_total", map[string]string{"consumer": "poison-test", "reason": "undecodable"}) == 1
	})
	dlq, err := h.js.Stream(context.Background(), bus.DeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := dlq.GetLastMsgForSubject(context.Background(), bus.DeadLetterPrefix+"poison-test")
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get(bus.HeaderDLQReason); got != "undecodable" {
		t.Errorf("reason %q, want undecodable", got)
	}
	if string(msg.Data) != "not protobuf {" || msg.Header.Get(bus.HeaderDLQSubject) != "tuijin.ledger.item.assigned.sthj" {
		t.Errorf("dead letter does not carry the original: %q %v", msg.Data, msg.Header)
	}
	if called.Load() != 0 {
		t.Errorf("handler called %d times for an undecodable message", called.Load())
	}
	if n := counter(t, h.reg, "tuijin_bus_dead_letters_total", map[string]string{"consumer": "poison-test", "reason": "undecodable"}); n != 1 {
		t.Errorf("dead letters counted %v, want 1", n)
	}
}

func TestMaxDeliveriesGoesToDeadLetterStream(t *testing.T) {
	h := newHarness(t)
	var calls atomic.Int32
	h.run(t, bus.ConsumerSpec{
		Durable: "always-fails", Subjects: []string{"tuijin.ledger.item.assigned.wlj"},
		Retry: bus.RetryPolicy{MaxDeliver: 3, Backoff: []time.Duration{10 * time.Millisecond}},
	}, func(context.Context, bus.Delivery) error { calls.Add(1); return errors.New("still broken") })
	m := assigned(t, "wlj")
	if err := h.pub.Publish(context.Background(), *m); err != nil {
		t.Fatal(err)
	}
	// The mover counts a dead letter once the stream has taken it.
	eventually(t, "dead letter after max deliveries, counted", func() bool {
		return streamCount(t, h.js, bus.DeadLetterStream, bus.DeadLetterPrefix+"always-fails") == 1 &&
			counter(t, h.reg, "tuijin_bus_dead_letters_total", map[string]string{"consumer": "always-fails", "reason": "max_deliveries"}) == 1
	})
	dlq, _ := h.js.Stream(context.Background(), bus.DeadLetterStream)
	msg, err := dlq.GetLastMsgForSubject(context.Background(), bus.DeadLetterPrefix+"always-fails")
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get(bus.HeaderDLQReason) != "max_deliveries" || string(msg.Data) != string(m.Data) {
		t.Errorf("dead letter reason %q, data equal %v", msg.Header.Get(bus.HeaderDLQReason), string(msg.Data) == string(m.Data))
	}
	if calls.Load() != 3 {
		t.Errorf("handler called %d times, want MaxDeliver = 3", calls.Load())
	}
	if n := counter(t, h.reg, "tuijin_bus_dead_letters_total", map[string]string{"consumer": "always-fails", "reason": "max_deliveries"}); n != 1 {
		t.Errorf("dead letters counted %v, want 1", n)
	}
}

func TestPermanentErrorDeadLettersAtOnce(t *testing.T) {
	h := newHarness(t)
	var calls atomic.Int32
	h.run(t, bus.ConsumerSpec{Durable: "permanent-test", Subjects: []string{"tuijin.ledger.item.assigned.jtj"}},
		func(context.Context, bus.Delivery) error {
			calls.Add(1)
			return bus.Permanent(errors.New("no such project"))
		})
	if err := h.pub.Publish(context.Background(), *assigned(t, "jtj")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "dead letter", func() bool {
		return streamCount(t, h.js, bus.DeadLetterStream, bus.DeadLetterPrefix+"permanent-test") == 1
	})
	if calls.Load() != 1 {
		t.Errorf("handler called %d times, want 1", calls.Load())
	}
}

// An event out of bounds (here promised days of int32 max, and a
// department the consumer does not know) never reaches the handler: it is
// dead-lettered at once with reason invalid and what was wrong.
func TestInvalidEventDeadLettersBeforeTheHandler(t *testing.T) {
	h := newHarness(t)
	var called atomic.Int32
	h.run(t, bus.ConsumerSpec{Durable: "invalid-test", Subjects: []string{event.AllDepartments(event.TypeItemAssigned)},
		Departments: []string{"zrzy"}},
		func(context.Context, bus.Delivery) error { called.Add(1); return nil })
	forged := func(dept string, days int32) event.Message {
		m, err := event.Build(context.Background(), event.ForDepartment(event.TypeItemAssigned, dept), event.TypeItemAssigned,
			"ledger", event.Ref("item", "p.x"), time.Now(), &ledgerv1.ItemAssigned{ItemId: "p.x", Department: dept,
				PromisedDays: days, AssignedAt: timestamppb.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, m := range []event.Message{forged("zrzy", 2147483647), forged("sthj", 5), forged("zrzy", 5)} {
		if err := h.pub.Publish(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "two dead letters and one handled", func() bool {
		return streamCount(t, h.js, bus.DeadLetterStream, bus.DeadLetterPrefix+"invalid-test") == 2 && called.Load() == 1 &&
			counter(t, h.reg, "tuijin_bus_dead_letters_total", map[string]string{"consumer": "invalid-test", "reason": "invalid"}) == 2
	})
	dlq, err := h.js.Stream(context.Background(), bus.DeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	for seq, want := range map[uint64]string{1: "promised_days: 2147483647, must be 0 to 3650", 2: `unknown department "sthj"`} {
		msg, err := dlq.GetMsg(context.Background(), seq)
		if err != nil {
			t.Fatal(err)
		}
		if msg.Header.Get(bus.HeaderDLQReason) != bus.ReasonInvalid || !strings.Contains(msg.Header.Get(bus.HeaderDLQError), want) {
			t.Errorf("dead letter %d: reason %q, error %q; want invalid with %q", seq,
				msg.Header.Get(bus.HeaderDLQReason), msg.Header.Get(bus.HeaderDLQError), want)
		}
	}
	if n := counter(t, h.reg, "tuijin_bus_dead_letters_total", map[string]string{"consumer": "invalid-test", "reason": "invalid"}); n != 2 {
		t.Errorf("dead letters counted %v, want 2", n)
	}
}
