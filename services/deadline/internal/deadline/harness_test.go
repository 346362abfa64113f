package deadline_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/mongo"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
	"github.com/tuijin/tuijin/services/deadline/internal/store"
	"github.com/tuijin/tuijin/services/deadline/internal/transport"
)

// rig is the clock over a real FerretDB and a real JetStream with its
// message scheduler: the service, its store, its timers and replicas that
// act on fired timers.
type rig struct {
	t         testing.TB
	js        jetstream.JetStream
	clock     clock.Clock
	cal       workday.Calendar
	policy    deadline.Policy
	database  *mongo.Database
	deadlines *store.Store
	timers    *transport.Timers
	versions  *bus.Versions
	steps     *store.StepRecorder
	pub       *bus.Publisher
	metrics   *bus.Metrics
	svc       deadline.Service

	mu    sync.Mutex
	fired []deadline.Fired
}

func newRig(t testing.TB, clk clock.Clock, p deadline.Policy) *rig {
	t.Helper()
	_, js := testenv.JetStream(t)
	db := testenv.Mongo(t).Database("tuijin_deadline_test")
	f, err := workday.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, js: js, clock: clk, cal: workday.NewOfficial(f), policy: p, database: db,
		deadlines: store.New(db), metrics: bus.NewMetrics(prometheus.NewRegistry())}
	if err := r.deadlines.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.pub = bus.NewPublisher(js, sdktrace.NewTracerProvider().Tracer("test"), r.metrics)
	r.timers = transport.NewTimers(bus.NewScheduler(js), clk, 0)
	if r.versions, err = bus.NewVersions(context.Background(), js, 1, testenv.Logger()); err != nil {
		t.Fatal(err)
	}
	r.steps = store.NewStepRecorder(r.deadlines, 0)
	r.svc = r.service(r.pub)
	return r
}

// service is one replica's service over the shared database and stream.
func (r *rig) service(pub deadline.Publisher) deadline.Service {
	return deadline.NewService(deadline.Config{Store: deadline.Registered(r.deadlines, r.versions), Timers: r.timers,
		Publisher: pub, Calendar: r.cal, Clock: r.clock, Policy: r.policy, Versions: r.versions, Steps: r.steps})
}

// replica acts on fired timers with svc (workers at once) until the test
// ends, recording what it emitted.
func (r *rig) replica(svc deadline.Service, workers int) {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	spec := transport.TimerFiredConsumer
	spec.Workers = workers
	spec.Retry = bus.RetryPolicy{MaxDeliver: 20, Backoff: []time.Duration{100 * time.Millisecond}}
	handler := transport.OnTimerFired(recorder{Service: svc, r: r}, nil)
	runner, err := bus.NewRunner(ctx, r.js, spec, handler, r.pub, nil, r.metrics,
		sdktrace.NewTracerProvider().Tracer("test"), testenv.Logger())
	if err != nil {
		r.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = runner.Run(ctx) }()
	r.t.Cleanup(func() { cancel(); <-done })
}

// recorder lets the rig see each step a replica emitted.
type recorder struct {
	deadline.Service
	r *rig
}

func (c recorder) Fire(ctx context.Context, t deadline.Timer, done func(*deadline.Fired, error)) {
	c.Service.Fire(ctx, t, func(f *deadline.Fired, err error) {
		if f != nil {
			c.r.mu.Lock()
			c.r.fired = append(c.r.fired, *f)
			c.r.mu.Unlock()
		}
		done(f, err)
	})
}

// fireNow is svc.Fire waited for.
func fireNow(ctx context.Context, svc deadline.Service, t deadline.Timer) (*deadline.Fired, error) {
	type result struct {
		f   *deadline.Fired
		err error
	}
	out := make(chan result, 1)
	svc.Fire(ctx, t, func(f *deadline.Fired, err error) { out <- result{f, err} })
	r := <-out
	return r.f, r.err
}

// fireDue lets every step due by the rig's clock fire: the sweep schedules
// what is due (a manual clock does not move the wall clock the scheduler
// runs on), and the wait lasts while fired timers are being worked off.
func (r *rig) fireDue() {
	r.t.Helper()
	ctx := context.Background()
	for idle := 0; idle < 3; {
		n, err := r.svc.Reconcile(ctx)
		if err != nil {
			r.t.Fatal(err)
		}
		if n == 0 && r.firedIdle() {
			idle++
		} else {
			idle = 0
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// firedIdle reports whether no fired timer waits or is in hand.
func (r *rig) firedIdle() bool {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := r.js.Consumer(ctx, bus.TimersStream, transport.TimerFiredConsumer.Durable)
	if err != nil {
		r.t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	return info.NumPending == 0 && info.NumAckPending == 0
}

type emitted struct {
	subject string
	id      string
	ev      *deadlinev1.DeadlineEvent
}

// emittedEvents reads every clock event the stream holds, in order.
func emittedEvents(t testing.TB, js jetstream.JetStream) []emitted {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	total := clockEvents(t, js)
	if total == 0 {
		return nil
	}
	c, err := js.OrderedConsumer(ctx, bus.EventsStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{"tuijin.deadline.>"}})
	if err != nil {
		t.Fatal(err)
	}
	var out []emitted
	for uint64(len(out)) < total {
		batch, err := c.Fetch(int(min(total-uint64(len(out)), 1000)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			env, err := event.Decode(m.Data())
			if err != nil {
				t.Fatal(err)
			}
			var ev deadlinev1.DeadlineEvent
			if err := event.Payload(env, &ev); err != nil {
				t.Fatal(err)
			}
			out = append(out, emitted{subject: m.Subject(), id: env.GetId(), ev: &ev})
		}
		if got == 0 {
			t.Fatalf("read %d of %d clock events", len(out), total)
		}
	}
	return out
}

// clockEvents counts the clock events in the stream.
func clockEvents(t testing.TB, js jetstream.JetStream) uint64 {
	return testenv.StreamCount(t, js, bus.EventsStream, "tuijin.deadline.>")
}
