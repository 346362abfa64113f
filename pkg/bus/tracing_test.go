package bus_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// spanNamed is the ended span called name, if any.
func spanNamed(rec *tracetest.SpanRecorder, name string) (sdktrace.ReadOnlySpan, bool) {
	for _, s := range rec.Ended() {
		if s.Name() == name {
			return s, true
		}
	}
	return nil, false
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

// TestHopSpans: an event published in a request's trace is handled in a
// consumer span of the same trace, the child of the publish span and linked
// to it, with the messaging conventions' attributes.
func TestHopSpans(t *testing.T) {
	_, js := testenv.JetStream(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	h := newHarness(t)
	h.js, h.tracer = js, tp.Tracer("test")
	h.pub = bus.NewPublisher(js, h.tracer, h.metrics)

	handled := make(chan trace.SpanContext, 1)
	h.run(t, bus.ConsumerSpec{Durable: "trace-test", Subjects: []string{event.AllDepartments(event.TypeItemAssigned)}},
		func(ctx context.Context, _ bus.Delivery) error {
			handled <- trace.SpanContextFromContext(ctx)
			return nil
		})

	// The request: its span is the parent of the event's publish.
	ctx, request := h.tracer.Start(context.Background(), "request")
	m := assigned(t, "zrzy")
	env, err := event.Decode(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	again, err := event.Encode(ctx, m.Subject, env)
	if err != nil {
		t.Fatal(err)
	}
	request.End()
	// Published later, from a context without a span (the outbox sweep):
	// the stored context is the parent.
	if err := h.pub.Publish(context.Background(), again); err != nil {
		t.Fatal(err)
	}
	handler := <-handled

	publish, ok := spanNamed(rec, "publish "+event.TypeItemAssigned)
	if !ok {
		t.Fatal("no publish span")
	}
	if publish.Parent().SpanID() != request.SpanContext().SpanID() || publish.SpanKind() != trace.SpanKindProducer {
		t.Fatalf("publish span: parent %s kind %s, want the request %s, producer", publish.Parent().SpanID(), publish.SpanKind(), request.SpanContext().SpanID())
	}
	eventually(t, "the process span to end", func() bool { _, ok := spanNamed(rec, "process trace-test"); return ok })
	process, _ := spanNamed(rec, "process trace-test")
	if process.SpanContext().TraceID() != request.SpanContext().TraceID() {
		t.Fatalf("process span in trace %s, want the request's %s", process.SpanContext().TraceID(), request.SpanContext().TraceID())
	}
	if process.Parent().SpanID() != publish.SpanContext().SpanID() || process.SpanKind() != trace.SpanKindConsumer {
		t.Fatalf("process span: parent %s kind %s, want the publish %s, consumer", process.Parent().SpanID(), process.SpanKind(), publish.SpanContext().SpanID())
	}
	if links := process.Links(); len(links) != 1 || links[0].SpanContext.SpanID() != publish.SpanContext().SpanID() {
		t.Fatalf("process span links %v, want one to the publish span", links)
	}
	if handler.SpanID() != process.SpanContext().SpanID() {
		t.Fatalf("the handler ran in span %s, not the process span %s", handler.SpanID(), process.SpanContext().SpanID())
	}
	for key, want := range map[string]string{
		"messaging.system": "nats", "messaging.operation.type": "process",
		"messaging.consumer.group.name": "trace-test", "messaging.destination.name": m.Subject,
		"messaging.message.id": m.ID, "tuijin.event.type": event.TypeItemAssigned,
	} {
		if got := attr(process, key); got != want {
			t.Errorf("process span %s = %q, want %q", key, got, want)
		}
	}
	if got := attr(publish, "messaging.operation.type"); got != "send" {
		t.Errorf("publish span messaging.operation.type = %q", got)
	}
	if got := attr(publish, string(attribute.Key("tuijin.publish.duplicate"))); got != "false" {
		t.Errorf("publish span tuijin.publish.duplicate = %q, want false", got)
	}
}
