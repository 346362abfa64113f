package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/tuijin/tuijin/pkg/event"
	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"
)

// Message is an encoded event ready to publish (see event.Message).
type Message = event.Message

// Publisher publishes events to JetStream and waits for the stream's ack.
type Publisher struct {
	js      jetstream.JetStream
	tracer  trace.Tracer
	metrics *Metrics
}

// NewPublisher returns a publisher over js.
func NewPublisher(js jetstream.JetStream, tracer trace.Tracer, m *Metrics) *Publisher {
	return &Publisher{js: js, tracer: tracer, metrics: m}
}

// Publish sends m with its event id as Nats-Msg-Id, so a second publish of
// the same event within the duplicate window is dropped by the server.
func (p *Publisher) Publish(ctx context.Context, m Message) error {
	h := nats.Header{}
	h.Set(jetstream.MsgIDHeader, m.ID)
	h.Set(HeaderEventType, m.Type)
	if m.TraceParent != "" {
		h.Set("traceparent", m.TraceParent)
		if m.TraceState != "" {
			h.Set("tracestate", m.TraceState)
		}
		// The context stored with the event (an outbox entry relayed by the
		// sweep long after its request) is the parent, not the caller's.
		ctx = traceContext.Extract(ctx, headerCarrier(h))
	}
	ctx, span := p.tracer.Start(ctx, "publish "+m.Type, publishSpanOptions(m)...)
	defer span.End()
	traceContext.Inject(ctx, headerCarrier(h))

	start := time.Now()
	ack, err := publishWait(ctx, p.js, &nats.Msg{Subject: m.Subject, Header: h, Data: m.Data})
	p.metrics.observePublish(m.Type, time.Since(start), err)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "publish failed")
		return fmt.Errorf("publish %s %s: %w", m.Subject, m.ID, err)
	}
	// A second publish of the same event (the outbox sweep racing the
	// relay, a retry) is dropped by the stream: say so on its span.
	span.SetAttributes(attrDuplicate.Bool(ack.Duplicate))
	return nil
}

// PublishEvent encodes and publishes env on subject.
func (p *Publisher) PublishEvent(ctx context.Context, subject string, env *eventv1.Envelope) error {
	m, err := event.Encode(ctx, subject, env)
	if err != nil {
		return err
	}
	return p.Publish(ctx, m)
}

// Metrics are the bus's Prometheus metrics, shared by the publisher and all
// runners of a service.
type Metrics struct {
	published       *prometheus.CounterVec
	publishDuration *prometheus.HistogramVec
	handled         *prometheus.CounterVec
	handleDuration  *prometheus.HistogramVec
	deadLetters     *prometheus.CounterVec
}

// NewMetrics registers the bus metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tuijin_bus_published_total",
			Help: "Events published to JetStream, by event type and result.",
		}, []string{"type", "result"}),
		publishDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tuijin_bus_publish_duration_seconds",
			Help:    "Time from publish to the stream's acknowledgement.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 8),
		}, []string{"type"}),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tuijin_bus_messages_handled_total",
			Help: "Messages settled by a consumer, by outcome (ack, retry, dead_letter).",
		}, []string{"consumer", "outcome"}),
		handleDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tuijin_bus_handle_duration_seconds",
			Help:    "Time a consumer's handler took per message.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 8),
		}, []string{"consumer"}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tuijin_bus_dead_letters_total",
			Help: "Messages moved to the dead-letter stream, by consumer and reason.",
		}, []string{"consumer", "reason"}),
	}
	reg.MustRegister(m.published, m.publishDuration, m.handled, m.handleDuration, m.deadLetters)
	return m
}

func (m *Metrics) observePublish(typ string, d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.published.WithLabelValues(typ, result).Inc()
	m.publishDuration.WithLabelValues(typ).Observe(d.Seconds())
}
