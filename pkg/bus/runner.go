package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/tuijin/tuijin/pkg/event"
	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"
)

// Reasons a message is dead-lettered for, in the dead-letter header and the
// metric's reason label.
const (
	ReasonUndecodable   = "undecodable"    // not an event envelope
	ReasonInvalid       = "invalid"        // out of bounds (event.Checker)
	ReasonPermanent     = "permanent"      // the handler refused it for good
	ReasonMaxDeliveries = "max_deliveries" // every retry failed
)

// Delivery is one decoded message handed to a Handler.
type Delivery struct {
	Envelope     *eventv1.Envelope
	Subject      string
	NumDelivered uint64
	StreamSeq    uint64

	payload proto.Message // see PayloadAs
	later   *later        // see Later
}

// PayloadAs is d's payload as a *T: the message the runner decoded to
// check it when it is of that type (no second decoding), else decoded now
// as event.Payload does.
func PayloadAs[T any, P interface {
	*T
	proto.Message
}](d Delivery) (P, error) {
	if p, ok := d.payload.(P); ok {
		return p, nil
	}
	p := P(new(T))
	return p, event.Payload(d.Envelope, p)
}

// Handler applies one event. It must be idempotent: a message is delivered at
// least once. Returning nil acks; an error marked Permanent dead-letters the
// message at once; any other error is retried with backoff.
type Handler func(ctx context.Context, d Delivery) error

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that no retry can cure.
func Permanent(err error) error { return permanentError{err} }

type contendedError struct{ err error }

func (e contendedError) Error() string { return e.err.Error() }
func (e contendedError) Unwrap() error { return e.err }

// Contended marks err as a handler meeting other work in progress on the
// same thing (another replica's claim, a duplicate in flight): retried as
// any other error, but expected, so logged at debug level, not as a
// failure.
func Contended(err error) error { return contendedError{err} }

// IsPermanent reports whether err was marked Permanent or is undecodable.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p) || errors.Is(err, event.ErrUndecodable) || errors.Is(err, event.ErrInvalid)
}

// RetryPolicy bounds deliveries and spaces them out. The delay depends on the
// server's delivery count, so it survives restarts of the consumer.
type RetryPolicy struct {
	MaxDeliver int
	Backoff    []time.Duration
}

// DefaultRetry tries five times over about a minute.
var DefaultRetry = RetryPolicy{
	MaxDeliver: 5,
	Backoff:    []time.Duration{time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second},
}

// Delay is the wait before the next delivery after delivery number n failed.
func (p RetryPolicy) Delay(n uint64) time.Duration {
	if len(p.Backoff) == 0 {
		return time.Second
	}
	i := int(n) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(p.Backoff) {
		i = len(p.Backoff) - 1
	}
	return p.Backoff[i]
}

// ConsumerSpec describes a durable consumer of the events stream (or of
// another of Tuijin's streams).
type ConsumerSpec struct {
	// Durable names who consumes what, e.g. "ledger-project-registered".
	Durable string
	// Stream is the stream consumed; EventsStream when empty.
	Stream string
	// Subjects filters the stream.
	Subjects []string
	Retry    RetryPolicy
	// AckWait is how long a delivery may take before the server redelivers.
	AckWait time.Duration
	// Batch is how many messages are pulled ahead.
	Batch int
	// Workers is how many messages are handled at once (1 when zero: in
	// stream order).
	Workers int
	// InHand is how many messages may be in hand at once, handled or
	// settled later (Delivery.Later): the consumer's MaxAckPending, at
	// least 1,000 and Workers + Batch.
	InHand int
	// Departments are the known department codes: an event naming
	// another is dead-lettered before the handler sees it (nil: any
	// well-formed code). platform.App.Consume fills in the service's.
	Departments []string
}

// Runner consumes one durable consumer with a Handler.
type Runner struct {
	spec     ConsumerSpec
	js       jetstream.JetStream
	handler  Handler
	log      *slog.Logger
	metrics  *Metrics
	tracer   trace.Tracer
	pub      *Publisher
	check    event.Checker
	spanName string // of the span of each message handled
	events   jetstream.Stream
	consumer jetstream.Consumer
	mover    jetstream.Consumer
	// inFlight counts the messages in hand: being handled, or settled
	// later (Delivery.Later).
	inFlight sync.WaitGroup
}

// NewRunner creates (or updates) the durable consumer and its dead-letter
// mover. It does not start consuming; call Run.
func NewRunner(ctx context.Context, js jetstream.JetStream, spec ConsumerSpec, h Handler,
	pub *Publisher, reg prometheus.Registerer, m *Metrics, tracer trace.Tracer, log *slog.Logger) (*Runner, error) {
	if spec.Retry.MaxDeliver == 0 {
		spec.Retry = DefaultRetry
	}
	if spec.AckWait == 0 {
		spec.AckWait = 30 * time.Second
	}
	if spec.Batch == 0 {
		spec.Batch = 64
	}
	if spec.Stream == "" {
		spec.Stream = EventsStream
	}
	spec.Workers = max(spec.Workers, 1)
	events, err := js.Stream(ctx, spec.Stream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", spec.Stream, err)
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       spec.Durable,
		Description:   "tuijin consumer " + spec.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       spec.AckWait,
		MaxDeliver:    spec.Retry.MaxDeliver,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxAckPending: max(1000, spec.Workers+spec.Batch, spec.InHand),
	}
	// One filter goes in the create request's subject, where the service's
	// NATS permissions pin it (see Grants).
	if len(spec.Subjects) == 1 {
		cfg.FilterSubject = spec.Subjects[0]
	} else {
		cfg.FilterSubjects = spec.Subjects
	}
	cons, err := events.CreateOrUpdateConsumer(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("consumer %s: %w", spec.Durable, err)
	}
	mover, err := js.CreateOrUpdateConsumer(ctx, AdvisoryStream, jetstream.ConsumerConfig{
		Durable:       spec.Durable + "-dead-letter",
		Description:   "moves messages " + spec.Durable + " gave up on to " + DeadLetterStream,
		FilterSubject: maxDeliveriesAdvisory + spec.Stream + "." + spec.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		MaxDeliver:    -1,
		BackOff:       []time.Duration{time.Second, 5 * time.Second, 30 * time.Second},
	})
	if err != nil {
		return nil, fmt.Errorf("dead-letter consumer of %s: %w", spec.Durable, err)
	}
	r := &Runner{spec: spec, js: js, handler: h, log: log.With("consumer", spec.Durable), metrics: m,
		tracer: tracer, pub: pub, check: event.NewChecker(spec.Departments), spanName: "process " + spec.Durable, events: events, consumer: cons, mover: mover}
	// A zero series per reason, so that the first dead letter shows as an
	// increase rather than as a series appearing.
	for _, reason := range []string{ReasonUndecodable, ReasonInvalid, ReasonPermanent, ReasonMaxDeliveries} {
		m.deadLetters.WithLabelValues(spec.Durable, reason)
	}
	if reg != nil {
		if err := reg.Register(r.lagCollector()); err != nil {
			return nil, fmt.Errorf("register lag metric of %s: %w", spec.Durable, err)
		}
	}
	return r, nil
}

// Run consumes until ctx is done, then stops: messages in hand are
// finished and settled before Run returns (a buffered one not yet handed
// out is redelivered by the server).
func (r *Runner) Run(ctx context.Context) error {
	// Handlers run on a context that outlives shutdown for one ack-wait, so
	// a message in flight is finished rather than abandoned half-way.
	hctx := context.WithoutCancel(ctx)
	track := func(fn func(jetstream.Msg)) jetstream.MessageHandler {
		return func(msg jetstream.Msg) {
			r.inFlight.Add(1)
			defer r.inFlight.Done()
			if ctx.Err() != nil {
				_ = msg.Nak() // stopping: another consumer takes it at once
				return
			}
			fn(msg)
		}
	}
	// With several workers the callback hands each message to one of
	// Workers goroutines; when all are busy it blocks, and the client
	// stops pulling. Messages are then handled out of order. The workers
	// live as long as Run: a goroutine a message grew its stack afresh
	// for every message, a tenth of a burst of fired timers' CPU.
	handle := func(msg jetstream.Msg) { r.handle(hctx, msg) }
	if r.spec.Workers > 1 {
		work, quit := make(chan jetstream.Msg), make(chan struct{})
		defer close(quit)
		for range r.spec.Workers {
			go func() {
				for {
					select {
					case msg := <-work:
						r.handle(hctx, msg)
						r.inFlight.Done()
					case <-quit:
						return
					}
				}
			}()
		}
		handle = func(msg jetstream.Msg) {
			r.inFlight.Add(1)
			select {
			case work <- msg:
			case <-quit: // Run gave up waiting for busy handlers
				_ = msg.Nak()
				r.inFlight.Done()
			}
		}
	}
	var ccs []jetstream.ConsumeContext
	stop := func() {
		for _, c := range ccs {
			c.Stop()
		}
	}
	cc, err := r.consumer.Consume(track(handle),
		jetstream.PullMaxMessages(r.spec.Batch),
		// A pull left waiting was seen served only when it expired (all
		// 10,000 fires of a burst 30 s late in 2 of 9 benchmark runs, with
		// the client's default 30 s expiry); a short expiry bounds such a
		// stall while costing an idle consumer one request per period.
		jetstream.PullExpiry(pullExpiry), jetstream.PullHeartbeat(pullExpiry/3),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			r.log.Debug("consume", "err", err)
		}))
	if err != nil {
		return fmt.Errorf("consume %s: %w", r.spec.Durable, err)
	}
	ccs = append(ccs, cc)
	mc, err := r.mover.Consume(track(func(msg jetstream.Msg) { r.moveDeadLetter(hctx, msg) }))
	if err != nil {
		stop()
		return fmt.Errorf("consume advisories of %s: %w", r.spec.Durable, err)
	}
	ccs = append(ccs, mc)
	<-ctx.Done()
	stop()
	done := make(chan struct{})
	go func() { r.inFlight.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(r.spec.AckWait):
		return fmt.Errorf("consumer %s: handlers still busy after %s", r.spec.Durable, r.spec.AckWait)
	}
}

func (r *Runner) handle(ctx context.Context, msg jetstream.Msg) {
	meta, err := msg.Metadata()
	if err != nil {
		r.log.Error("message without metadata", "err", err)
		_ = msg.Term()
		return
	}
	ctx = traceContext.Extract(ctx, headerCarrier(msg.Headers()))
	producer := trace.SpanContextFromContext(ctx)
	ctx, span := r.tracer.Start(ctx, r.spanName, processSpanOptions(r.spec.Durable, msg, producer)...)
	ctx, cancel := context.WithTimeout(ctx, r.spec.AckWait)
	start := time.Now()
	l := &later{finish: func(err error) {
		defer span.End()
		defer cancel()
		r.metrics.handleDuration.WithLabelValues(r.spec.Durable).Observe(time.Since(start).Seconds())
		r.outcome(ctx, msg, meta, span, err)
	}, track: &r.inFlight}
	err = r.apply(ctx, msg, meta, l)
	l.returned(err)
}

// outcome settles msg by what handling it came to.
func (r *Runner) outcome(ctx context.Context, msg jetstream.Msg, meta *jetstream.MsgMetadata, span trace.Span, err error) {
	switch {
	case err == nil:
		r.settle(msg.Ack(), "ack")
	case IsPermanent(err):
		span.RecordError(err)
		span.SetStatus(codes.Error, "dead-lettered")
		r.log.Warn("dead-lettering message", "subject", msg.Subject(), "seq", meta.Sequence.Stream, "err", err)
		reason := ReasonPermanent
		switch {
		case errors.Is(err, event.ErrUndecodable):
			reason = ReasonUndecodable
		case errors.Is(err, event.ErrInvalid):
			reason = ReasonInvalid
		}
		if derr := r.deadLetter(ctx, msg.Subject(), msg.Data(), meta.Sequence.Stream, reason, err); derr != nil {
			// Not settled: it comes back after AckWait and we try again.
			r.log.Error("dead-letter publish failed", "err", derr)
			return
		}
		r.settle(msg.Term(), "dead_letter")
	default:
		span.RecordError(err)
		span.SetStatus(codes.Error, "retried")
		delay := r.spec.Retry.Delay(meta.NumDelivered)
		level, what := slog.LevelWarn, "handler failed, retrying"
		if errors.As(err, new(contendedError)) {
			level, what = slog.LevelDebug, "handler met work in progress, retrying"
		}
		r.log.Log(ctx, level, what, "subject", msg.Subject(), "delivery", meta.NumDelivered,
			"retry_in", delay, "err", err)
		r.settle(msg.NakWithDelay(delay), "retry")
	}
}

func (r *Runner) apply(ctx context.Context, msg jetstream.Msg, meta *jetstream.MsgMetadata, l *later) error {
	env, err := event.Decode(msg.Data())
	if err != nil {
		return err
	}
	// Whoever published it, an event out of bounds reaches no handler.
	// Its payload is decoded once, for the check and the handler.
	payload, _ := event.UnpackKnown(env)
	if err := r.check.CheckPayload(msg.Subject(), env, payload, time.Now()); err != nil {
		return err
	}
	// The events the handler causes name the same actor as this one.
	ctx = event.WithActor(ctx, env.GetActor())
	return r.handler(ctx, Delivery{Envelope: env, Subject: msg.Subject(),
		NumDelivered: meta.NumDelivered, StreamSeq: meta.Sequence.Stream, payload: payload, later: l})
}

func (r *Runner) settle(err error, outcome string) {
	if err != nil {
		r.log.Warn("settle failed; the server will redeliver", "outcome", outcome, "err", err)
		return
	}
	r.metrics.handled.WithLabelValues(r.spec.Durable, outcome).Inc()
}

// deadLetter copies a message to tuijin.dlq.<consumer>. Its id is derived
// from the stream sequence, so repeating the copy after a crash is harmless.
func (r *Runner) deadLetter(ctx context.Context, subject string, data []byte, seq uint64, reason string, cause error) error {
	h := nats.Header{}
	h.Set(jetstream.MsgIDHeader, r.spec.Durable+":"+strconv.FormatUint(seq, 10))
	h.Set(HeaderDLQReason, reason)
	h.Set(HeaderDLQSubject, subject)
	h.Set(HeaderDLQStream, strconv.FormatUint(seq, 10))
	if cause != nil {
		h.Set(HeaderDLQError, cause.Error())
	}
	if _, err := r.js.PublishMsg(ctx, &nats.Msg{Subject: DeadLetterPrefix + r.spec.Durable, Header: h, Data: data}); err != nil {
		return fmt.Errorf("publish dead letter: %w", err)
	}
	r.metrics.deadLetters.WithLabelValues(r.spec.Durable, reason).Inc()
	return nil
}

// pullExpiry is how long one pull request of a consumer waits for
// messages before the client issues the next.
const pullExpiry = 5 * time.Second

func (r *Runner) lagCollector() prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "tuijin_bus_consumer_pending_messages",
		Help:        "Messages in the stream not yet delivered to the consumer (its lag).",
		ConstLabels: prometheus.Labels{"consumer": r.spec.Durable},
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		info, err := r.consumer.Info(ctx)
		if err != nil {
			return -1
		}
		return float64(info.NumPending + uint64(info.NumAckPending))
	})
}
