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
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/pkg/workday"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
	"github.com/tuijin/tuijin/services/deadline/internal/store"
)

// rig is the clock over a real FerretDB and a real JetStream.
type rig struct {
	t         testing.TB
	js        jetstream.JetStream
	clock     *clock.Manual
	cal       workday.Calendar
	policy    deadline.Policy
	deadlines *store.Store
	levels    *store.Levels
	timers    *store.Timers
	svc       deadline.Service
	pub       *bus.Publisher
	database  *mongo.Database
	lags      []time.Duration
	mu        sync.Mutex
}

func newRig(t testing.TB, start time.Time, p deadline.Policy) *rig {
	t.Helper()
	_, js := testenv.JetStream(t)
	db := testenv.Mongo(t).Database("tuijin_deadline_test")
	f, err := workday.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, js: js, clock: clock.NewManual(start, 0), cal: workday.NewOfficial(f), policy: p,
		database: db, deadlines: store.New(db), levels: store.NewLevels(db), timers: store.NewTimers(db)}
	r.pub = bus.NewPublisher(js, sdktrace.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	r.svc = deadline.NewService(r.deadlines, r.levels, r.timers, r.cal, r.clock, p)
	return r
}

func (r *rig) db() *mongo.Database { return r.database }

// engine returns a replica's firing engine; each has its own timer store
// (its own memory of the wheel) over the shared database.
func (r *rig) engine(owner string, db *store.Timers) *deadline.Engine {
	return r.engineWith(owner, db, r.pub)
}

func (r *rig) engineWith(owner string, db *store.Timers, pub deadline.Publisher) *deadline.Engine {
	if db == nil {
		db = r.timers
	}
	return deadline.NewEngine(r.deadlines, r.levels, db, pub, r.cal, r.policy, r.clock,
		deadline.EngineConfig{Owner: owner, Lease: 30 * time.Second, Workers: 2, OnFired: func(_ deadline.Level, _ string, lag time.Duration) {
			r.mu.Lock()
			r.lags = append(r.lags, lag)
			r.mu.Unlock()
		}}, testenv.Logger())
}

// tickUntilIdle ticks until a pass finds nothing due.
func (r *rig) tickUntilIdle(e *deadline.Engine) {
	r.t.Helper()
	for i := 0; i < 1000; i++ {
		n, err := e.Tick(context.Background())
		if err != nil {
			r.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	r.t.Fatal("engine never went idle")
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
	s, err := js.Stream(ctx, bus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter("tuijin.deadline.>"))
	if err != nil {
		t.Fatal(err)
	}
	var total uint64
	for _, n := range info.State.Subjects {
		total += n
	}
	if total == 0 {
		return nil
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{"tuijin.deadline.>"}})
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
