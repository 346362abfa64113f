package event

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/protobuf/proto"

	"github.com/tuijin/tuijin/pkg/auth"
	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"
)

// Message is an encoded event bound for a subject: what an outbox stores and
// the bus publishes.
type Message struct {
	ID      string
	Type    string
	Subject string
	Data    []byte
	// TraceParent and TraceState carry the trace of the request that caused
	// the event, so that an event relayed later continues that trace.
	TraceParent string
	TraceState  string
}

// Encode turns an envelope into a Message for subject, capturing the trace
// context of ctx and, unless the envelope names one, its actor (ActorOf).
func Encode(ctx context.Context, subject string, env *eventv1.Envelope) (Message, error) {
	if env.GetActor() == "" {
		env.Actor = ActorOf(ctx)
	}
	data, err := Marshal(env)
	if err != nil {
		return Message{}, err
	}
	c := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, c)
	return Message{
		ID: env.GetId(), Type: env.GetType(), Subject: subject, Data: data,
		TraceParent: c["traceparent"], TraceState: c["tracestate"],
	}, nil
}

// Build creates an envelope and encodes it for subject in one step.
func Build(ctx context.Context, subject, eventType, producer string, ref *eventv1.EntityRef, at time.Time, payload proto.Message) (Message, error) {
	env, err := New(eventType, producer, ref, at, payload)
	if err != nil {
		return Message{}, err
	}
	return Encode(ctx, subject, env)
}

type actorKey struct{}

// WithActor returns ctx naming actor as the one who caused what follows (a
// consumer hands on the actor of the event it handles).
func WithActor(ctx context.Context, actor string) context.Context {
	if actor == "" {
		return ctx
	}
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorOf is who caused the work of ctx: the signed-in principal of a
// request, else the actor of the event being handled, else "" (the system).
func ActorOf(ctx context.Context) string {
	if p, ok := auth.FromContext(ctx); ok {
		return p.Subject
	}
	a, _ := ctx.Value(actorKey{}).(string)
	return a
}
