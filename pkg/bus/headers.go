package bus

import (
	"github.com/nats-io/nats.go"
)

// Header names Tuijin sets on messages.
const (
	HeaderEventType  = "Tuijin-Event-Type"
	HeaderDLQReason  = "Tuijin-Dlq-Reason"
	HeaderDLQSubject = "Tuijin-Dlq-Subject"
	HeaderDLQStream  = "Tuijin-Dlq-Stream-Seq"
	HeaderDLQError   = "Tuijin-Dlq-Error"
)

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
