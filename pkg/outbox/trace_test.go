package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// TestSweepCarriesStoredTrace: an event the sweep publishes long after its
// request (the relay failed, the service restarted) still continues that
// request's trace: the traceparent travels in the outbox entry, and the
// published message's traceparent is the child of the stored one.
func TestSweepCarriesStoredTrace(t *testing.T) {
	ctx := context.Background()
	_, js := testenv.JetStream(t)
	coll := testenv.Mongo(t).Database("outbox_trace_test").Collection("docs")
	tp := sdktrace.NewTracerProvider()
	pub := bus.NewPublisher(js, tp.Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))

	rctx, request := tp.Tracer("test").Start(ctx, "request")
	m, err := event.Build(rctx, event.TypeProjectRegistered, event.TypeProjectRegistered, "outbox-test",
		event.Ref("project", "p"), time.Now(), wrapperspb.String("traced"))
	request.End()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := coll.InsertOne(ctx, doc{ID: "traced", State: "new", Outbox: outbox.Entries([]event.Message{m})}); err != nil {
		t.Fatal(err)
	}

	// A fresh relay, as after a restart: nothing but the document knows
	// the request.
	if n, err := outbox.NewRelay(pub, testenv.Logger(), coll).Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep published %d (%v), want 1", n, err)
	}
	s, err := js.Stream(ctx, "TUIJIN_EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := s.GetLastMsgForSubject(ctx, event.TypeProjectRegistered)
	if err != nil {
		t.Fatal(err)
	}
	got := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(ctx,
		propagation.MapCarrier{"traceparent": raw.Header.Get("traceparent")}))
	if got.TraceID() != request.SpanContext().TraceID() {
		t.Fatalf("published traceparent %q: trace %s, want the request's %s", raw.Header.Get("traceparent"), got.TraceID(), request.SpanContext().TraceID())
	}
	if got.SpanID() == request.SpanContext().SpanID() {
		t.Fatal("published traceparent names the request itself, not the publish span under it")
	}
}
