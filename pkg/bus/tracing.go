package bus

import (
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// The bus's spans follow OpenTelemetry's messaging conventions. A publish
// is a producer span "publish <event type>" whose context travels in the
// message's W3C traceparent header; handling a delivery is a consumer span
// "process <durable>" that is a child of that producer span, so that one
// request's trace runs through every service its events reach, and also
// links to it, the convention's way of naming the message's creation
// context to backends that draw links.
const messagingSystem = "nats"

// attrEventType names the Tuijin event type on the bus's spans;
// attrDuplicate says whether the stream dropped a publish as a duplicate.
const (
	attrEventType = attribute.Key("tuijin.event.type")
	attrDuplicate = attribute.Key("tuijin.publish.duplicate")
)

var traceContext = propagation.TraceContext{}

func publishSpanOptions(m Message) []trace.SpanStartOption {
	return []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			semconv.MessagingSystemKey.String(messagingSystem),
			semconv.MessagingOperationTypeSend,
			semconv.MessagingOperationName("publish"),
			semconv.MessagingDestinationName(m.Subject),
			semconv.MessagingMessageID(m.ID),
			attrEventType.String(m.Type),
		),
	}
}

// processSpanOptions are the options of the consumer span of msg; producer
// is the context the message carries (invalid when it carries none).
func processSpanOptions(durable string, msg jetstream.Msg, producer trace.SpanContext) []trace.SpanStartOption {
	h := msg.Headers()
	opts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			semconv.MessagingSystemKey.String(messagingSystem),
			semconv.MessagingOperationTypeProcess,
			semconv.MessagingOperationName("process"),
			semconv.MessagingDestinationName(msg.Subject()),
			semconv.MessagingConsumerGroupName(durable),
			semconv.MessagingMessageID(h.Get(jetstream.MsgIDHeader)),
			attrEventType.String(h.Get(HeaderEventType)),
		),
	}
	if producer.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: producer}))
	}
	return opts
}

// headerCarrier lets OpenTelemetry read and write W3C trace context
// (traceparent, tracestate) in NATS headers with their lowercase names.
type headerCarrier nats.Header

func (c headerCarrier) Get(key string) string { return nats.Header(c).Get(key) }
func (c headerCarrier) Set(key, value string) { nats.Header(c).Set(key, value) }
func (c headerCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}
