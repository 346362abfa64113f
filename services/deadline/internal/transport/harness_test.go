package transport

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
	"github.com/tuijin/tuijin/services/deadline/internal/store"
)

func sh(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, workday.Zone) }

type env struct {
	t     *testing.T
	js    jetstream.JetStream
	pub   *bus.Publisher
	clock *clock.Manual
	svc   deadline.Service
	reg   *prometheus.Registry
	url   string
	// cal is the calendar the clock counts on, replaceable as a reloaded
	// calendar dir replaces it; cfg and store are what svc is made of.
	cal   *workday.Live
	cfg   deadline.Config
	store *store.Store
}

// newEnv runs the clock's consumers over a real JetStream and FerretDB, and
// serves its API through httptest.
func newEnv(t *testing.T) *env {
	t.Helper()
	_, js := testenv.JetStream(t)
	db := testenv.Mongo(t).Database("tuijin_deadline_test")
	files, err := workday.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	cal := workday.NewLive(workday.NewOfficial(files))
	e := &env{t: t, js: js, clock: clock.NewManual(sh(2026, 11, 23, 9), 0), reg: prometheus.NewRegistry(), cal: cal}
	tracer := noop.NewTracerProvider().Tracer("test")
	bm := bus.NewMetrics(e.reg)
	e.pub = bus.NewPublisher(js, tracer, bm)
	deadlines := store.New(db)
	versions, err := bus.NewVersions(context.Background(), js, 1, testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	cfg := deadline.Config{Store: deadline.Registered(deadlines, versions), Timers: NewTimers(bus.NewScheduler(js), e.clock, 0),
		Publisher: e.pub, Calendar: cal, Clock: e.clock, Policy: deadline.DefaultPolicy,
		Versions: versions, Steps: store.NewStepRecorder(deadlines, 0)}
	e.svc, e.cfg, e.store = deadline.NewService(cfg), cfg, deadlines
	fm := NewFiringMetrics(e.reg)
	e.reg.MustRegister(NewLevelCollector(deadlines, []string{"sthj", "zrzy"}, testenv.Logger()))

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, c := range []struct {
		spec bus.ConsumerSpec
		h    bus.Handler
	}{{ItemAssignedConsumer, OnItemAssigned(e.svc)}, {ItemChangedConsumer, OnItemChanged(e.svc, deadline.NewFollowUps(cfg))},
		{ProblemRaisedConsumer, OnProblemRaised(e.svc, 5)}, {ProblemChangedConsumer, OnProblemChanged(e.svc)},
		{ActionCreatedConsumer, OnActionCreated(e.svc)}, {ActionChangedConsumer, OnActionChanged(deadline.NewActionClock(cfg))},
		{TimerFiredConsumer, OnTimerFired(e.svc, fm)}} {
		spec := c.spec
		spec.Retry = bus.RetryPolicy{MaxDeliver: 10, Backoff: []time.Duration{100 * time.Millisecond}}
		r, err := bus.NewRunner(ctx, js, spec, c.h, e.pub, nil, bm, tracer, testenv.Logger())
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = r.Run(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })

	mux := http.NewServeMux()
	Routes(mux, e.svc, testenv.Logger())
	e.url = serve(t, mux)
	return e
}

// serve serves mux through httptest as httpx.Server does: a /v1/ request
// carries the principal its bearer token proves (tokens of testenv.Token),
// or is answered 401.
func serve(t *testing.T, mux *http.ServeMux) string {
	t.Helper()
	v := testenv.Verifier(t)
	fail := httpx.ErrorEncoder(testenv.Logger())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, err := v.Authenticate(r)
		if err != nil {
			fail(r.Context(), err, w)
			return
		}
		mux.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (e *env) publish(eventType, dept string, payload proto.Message) {
	e.t.Helper()
	m, err := event.Build(context.Background(), event.ForDepartment(eventType, dept), eventType, "ledger",
		event.Ref("item", "x"), e.clock.Now(), payload)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.pub.Publish(context.Background(), m); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) change(item, dept, from, to, action string, at time.Time) {
	e.publish(event.TypeItemChanged, dept, &ledgerv1.ItemChanged{ItemId: item, Department: dept,
		FromStatus: from, ToStatus: to, Action: action, ChangedAt: timestamppb.New(at)})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.WaitFor(t, 15*time.Second, what, cond)
}

// fireDue lets every step due by the manual clock fire: the sweep
// schedules what is due (the scheduler runs on the wall clock), and the
// wait lasts while fired timers are being worked off.
func (e *env) fireDue() {
	e.t.Helper()
	ctx := context.Background()
	for idle := 0; idle < 3; time.Sleep(30 * time.Millisecond) {
		n, err := e.svc.Reconcile(ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		c, err := e.js.Consumer(ctx, bus.TimersStream, TimerFiredConsumer.Durable)
		if err != nil {
			e.t.Fatal(err)
		}
		info, err := c.Info(ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 && info.NumPending == 0 && info.NumAckPending == 0 {
			idle++
		} else {
			idle = 0
		}
	}
}

// get sends GET path as p would.
func (e *env) get(p auth.Principal, path string) (int, map[string]any) {
	e.t.Helper()
	var body map[string]any
	return testenv.CallAs(e.t, p, http.MethodGet, e.url+path, "", nil, &body), body
}
